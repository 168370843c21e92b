// `doctor` against a PostgreSQL server: everything server mode needs, checked
// in the order it is needed, each failure with its exact fix. Every scratch
// database it creates is dropped again, and that is verified.
import type { Config } from '../config/config.js';
import { describeError } from '../errors/userError.js';
import { scratchDatabaseName } from '../store/databaseNames.js';
import { crashPoint } from '../store/crashPoints.js';
import { scratchDatabaseComment } from '../store/scratch.js';
import { openPgDatabase } from '../store/pgDatabase.js';
import { connectionFailureHint, connectionFailureReason, isConnectionFailure } from '../store/pgErrors.js';
import { ServerProjectRegistry } from '../store/serverProjectRegistry.js';
import { createDatabase, databaseExists, dropDatabase } from '../store/serverAdmin.js';
import {
  MIN_PGVECTOR_VERSION,
  MIN_SERVER_VERSION,
  MIN_SERVER_VERSION_NUM,
  PGVECTOR_CREATE_FIX,
  PGVECTOR_INSTALL_FIX,
  createDbFix,
  isCreateDatabaseDenied,
  isExtensionCreateDenied,
  isExtensionMissing,
  serverVersionFix,
  versionAtLeast,
} from '../store/serverRequirements.js';
import { redactUrl, serverAddress, urlWithDatabase } from '../store/serverUrl.js';
import type { SqlClient } from '../store/sqlClient.js';
import { fail, pass, skip, type DoctorCheck } from './doctorCheck.js';
import { exerciseScratchProject } from './scratchProject.js';

const CONNECT_TIMEOUT_MS = 5000;

const CHECK = {
  reachable: 'database reachable',
  version: 'PostgreSQL version',
  createdb: 'CREATEDB permission',
  pgvector: 'pgvector available',
  scratch: 'scratch project database',
  registry: 'registry database',
  drift: 'project databases',
} as const;

interface ServerFacts {
  role: string;
  superuser: boolean;
  createdb: boolean;
  versionNum: number;
  version: string;
}

/** Creates a scratch database, runs `work` on a client connected to it, and always drops it again. */
async function withScratchDatabase<T>(
  admin: SqlClient,
  url: string,
  purpose: string,
  registryDatabase: string,
  work: (client: SqlClient, name: string) => Promise<T>,
): Promise<T> {
  const name = scratchDatabaseName(purpose);
  // Marked with this process and registry: if doctor is killed before the
  // DROP below, `projects drop-orphans` recognises and removes it.
  await createDatabase(admin, name, scratchDatabaseComment(`doctor ${purpose}`, registryDatabase));
  crashPoint('doctor:scratch-created');
  try {
    const client = openPgDatabase({ url: urlWithDatabase(url, name), maxConnections: 2, connectTimeoutMs: CONNECT_TIMEOUT_MS });
    try {
      return await work(client, name);
    } finally {
      await client.close();
    }
  } finally {
    await dropDatabase(admin, name);
    if (await databaseExists(admin, name)) throw new Error(`scratch database ${name} is still there after DROP DATABASE`);
  }
}

/** From server_version_num (e.g. 150020) and server_version (e.g. '15.2 (Debian …)'). */
export function checkServerVersion(versionNum: number, version: string): DoctorCheck {
  if (versionNum >= MIN_SERVER_VERSION_NUM) return pass(CHECK.version, `PostgreSQL ${version}`);
  return fail(
    CHECK.version,
    `PostgreSQL ${version} is older than ${MIN_SERVER_VERSION}, the oldest release codebase-mcp supports (13 and older are past their end of life and are not tested).`,
    serverVersionFix(),
  );
}

function createDbFailure(error: unknown, role: string): DoctorCheck {
  return fail(
    CHECK.createdb,
    `Creating a scratch database failed: ${describeError(error)}`,
    isCreateDatabaseDenied(error) ? createDbFix(role) : 'Check the server log for the reason (e.g. template1 in use by another session), then run doctor again.',
  );
}

function pgvectorFailure(error: unknown): DoctorCheck {
  if (isExtensionCreateDenied(error)) {
    return fail(CHECK.pgvector, `CREATE EXTENSION vector failed in a scratch database: ${describeError(error)}`, PGVECTOR_CREATE_FIX);
  }
  if (isExtensionMissing(error)) {
    return fail(CHECK.pgvector, `CREATE EXTENSION vector failed: ${describeError(error)}`, PGVECTOR_INSTALL_FIX);
  }
  return fail(CHECK.pgvector, `CREATE EXTENSION vector failed: ${describeError(error)}`, 'Check the server log for the reason; pgvector must be 0.8 or newer and loadable by this server.');
}

async function checkPgvector(admin: SqlClient, url: string, facts: ServerFacts, canCreate: boolean, config: Config): Promise<DoctorCheck> {
  const [available] = await admin.query<{ default_version: string }>(`SELECT default_version FROM pg_available_extensions WHERE name = 'vector'`);
  if (!available) return fail(CHECK.pgvector, 'pgvector (extension "vector") is not installed on the server.', PGVECTOR_INSTALL_FIX);
  if (!versionAtLeast(available.default_version, MIN_PGVECTOR_VERSION)) {
    return fail(
      CHECK.pgvector,
      `pgvector ${available.default_version} is installed; codebase-mcp needs ${MIN_PGVECTOR_VERSION} or newer (iterative index scans keep filtered vector searches complete).`,
      PGVECTOR_INSTALL_FIX,
    );
  }
  if (!canCreate) {
    return skip(CHECK.pgvector, `pgvector ${available.default_version} is installed; whether role "${facts.role}" can create it needs a scratch database (see CREATEDB).`);
  }
  try {
    const [version, name] = await withScratchDatabase(admin, url, 'vector', config.registryDatabase, async (client, scratch) => {
      await client.exec('CREATE EXTENSION IF NOT EXISTS vector');
      await client.query(`SELECT '[1,2,3]'::vector <=> '[1,2,4]'::vector AS distance`);
      const [row] = await client.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
      return [row.extversion, scratch];
    });
    return pass(CHECK.pgvector, `CREATE EXTENSION vector works in a new database (pgvector ${version}, in scratch database ${name})`);
  } catch (error) {
    return pgvectorFailure(error);
  }
}

async function checkRegistry(config: Config & { databaseUrl: string }, admin: SqlClient): Promise<DoctorCheck[]> {
  const name = config.registryDatabase;
  if (!(await databaseExists(admin, name))) {
    return [
      pass(CHECK.registry, `${name} does not exist yet; the first index run creates it`),
      skip(CHECK.drift, 'no registry yet, so no project databases'),
    ];
  }
  const registry = new ServerProjectRegistry({
    databaseUrl: config.databaseUrl,
    registryDatabase: name,
    maxOpenProjects: 1,
    projectPoolSize: 2,
  });
  try {
    let projects;
    try {
      projects = await registry.list();
    } catch (error) {
      return [
        fail(
          CHECK.registry,
          `${name} exists but cannot be read: ${describeError(error)}`,
          `Connect as the role that created ${name} (it owns the registry and the project databases), or set CODEBASE_MCP_REGISTRY_DATABASE to a registry of this role.`,
        ),
        skip(CHECK.drift, 'the registry could not be read'),
      ];
    }
    const registryCheck = pass(CHECK.registry, `${name} lists ${projects.length} project${projects.length === 1 ? '' : 's'}`);
    const drift = await registry.drift();
    const problems = [
      ...drift.missing.map((entry) => `project '${entry.project}' has no database ${entry.location} on ${entry.server}`),
      ...drift.orphans.map(
        (entry) => `database ${entry.location} on ${entry.server} belongs to no project${entry.createdFor ? ` (it was created for '${entry.createdFor}')` : ''}`,
      ),
      ...drift.unreachable.map((entry) => `server ${entry.server} cannot be reached: ${entry.error}`),
    ];
    if (problems.length === 0) return [registryCheck, pass(CHECK.drift, `every project has its database and every cb_proj_* database has a project`)];
    const fixes = [
      drift.missing.length ? 'codebase-mcp projects repair --yes  (recreates missing databases empty; then index those projects again)' : '',
      drift.orphans.length ? 'codebase-mcp projects drop-orphans --yes  (drops databases that belong to no project)' : '',
      drift.unreachable.length ? 'check that the servers named by projects are running and reachable' : '',
    ].filter(Boolean);
    return [registryCheck, fail(CHECK.drift, problems.join('; '), fixes.join('; '))];
  } finally {
    await registry.close();
  }
}

export async function serverChecks(config: Config & { databaseUrl: string }): Promise<DoctorCheck[]> {
  const url = config.databaseUrl;
  const admin = openPgDatabase({ url, maxConnections: 1, sessionSql: '', connectTimeoutMs: CONNECT_TIMEOUT_MS });
  try {
    let facts: ServerFacts;
    try {
      const [row] = await admin.query<ServerFacts>(
        `SELECT current_user AS role, r.rolsuper AS superuser, r.rolcreatedb AS createdb,
                current_setting('server_version_num')::int AS "versionNum", current_setting('server_version') AS version
         FROM pg_roles r WHERE r.rolname = current_user`,
      );
      facts = row;
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause ?? error;
      const dependent = [CHECK.version, CHECK.createdb, CHECK.pgvector, CHECK.scratch, CHECK.registry, CHECK.drift];
      return [
        fail(
          CHECK.reachable,
          isConnectionFailure(cause) ? `Cannot connect to ${redactUrl(url)}: ${connectionFailureReason(cause, url)}` : describeError(error),
          connectionFailureHint(cause),
        ),
        ...dependent.map((name) => skip(name, 'needs a reachable database')),
      ];
    }
    const checks: DoctorCheck[] = [pass(CHECK.reachable, `connected to ${serverAddress(url)} as role "${facts.role}"`)];

    checks.push(checkServerVersion(facts.versionNum, facts.version));

    let canCreate = facts.superuser || facts.createdb;
    if (!canCreate) {
      checks.push(fail(CHECK.createdb, `Role "${facts.role}" has neither CREATEDB nor SUPERUSER, so it cannot create project databases.`, createDbFix(facts.role)));
    } else {
      try {
        const name = await withScratchDatabase(admin, url, 'createdb', config.registryDatabase, async (_client, scratch) => scratch);
        checks.push(pass(CHECK.createdb, `role "${facts.role}" created and dropped scratch database ${name}`));
      } catch (error) {
        canCreate = false;
        checks.push(createDbFailure(error, facts.role));
      }
    }

    const vector = await checkPgvector(admin, url, facts, canCreate, config);
    checks.push(vector);

    if (vector.status !== 'pass') {
      checks.push(skip(CHECK.scratch, 'needs CREATEDB and pgvector'));
    } else {
      try {
        const [done, name] = await withScratchDatabase(admin, url, 'project', config.registryDatabase, async (client, scratch) => [await exerciseScratchProject(client), scratch]);
        checks.push(pass(CHECK.scratch, `${name}: ${done}; dropped again, nothing left behind`));
      } catch (error) {
        checks.push(
          fail(CHECK.scratch, `A scratch project database failed: ${describeError(error)}`, 'Run with CODEBASE_MCP_DEBUG=1 and report the message; the checks above passed, so this is unexpected.'),
        );
      }
    }

    try {
      checks.push(...(await checkRegistry(config, admin)));
    } catch (error) {
      checks.push(fail(CHECK.registry, `Reading the registry failed: ${describeError(error)}`, 'Check that the registry database is reachable with this URL and role.'));
    }
    return checks;
  } finally {
    await admin.close();
  }
}
