// `doctor` in embedded mode: the checks that apply without a server — the
// data directory, PGlite, pgvector inside it, a scratch project, and the
// projects' data directories.
import { access, constants, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { describeError } from '../errors/userError.js';
import { openPgliteDatabase } from '../store/pgliteDatabase.js';
import { EmbeddedProjectRegistry } from '../store/projectRegistry.js';
import { crashPoint } from '../store/crashPoints.js';
import { SCRATCH_DIR, scratchEntryName } from '../store/scratch.js';
import type { SqlClient } from '../store/sqlClient.js';
import { fail, pass, skip, type DoctorCheck } from './doctorCheck.js';
import { exerciseScratchProject } from './scratchProject.js';

const CHECK = {
  home: 'data directory writable',
  pglite: 'PGlite opens',
  pgvector: 'pgvector loads',
  scratch: 'scratch project',
  drift: 'project data directories',
} as const;

async function checkHome(home: string): Promise<DoctorCheck> {
  try {
    await mkdir(home, { recursive: true });
    await access(home, constants.W_OK);
    return pass(CHECK.home, `${home} is writable`);
  } catch (error) {
    return fail(CHECK.home, `${home} is not writable: ${(error as Error).message}`, 'Set CODEBASE_MCP_HOME to a directory you can write to.');
  }
}

async function checkDrift(config: Config): Promise<DoctorCheck> {
  const drift = await new EmbeddedProjectRegistry(config.home, config.cacheDir).drift();
  const problems = [
    ...drift.missing.map((entry) => `project '${entry.project}' was indexed but its data directory ${entry.location} is gone`),
    ...drift.orphans.map((entry) => `${entry.location} belongs to no project (no project.json)`),
  ];
  if (problems.length === 0) return pass(CHECK.drift, 'every project has its data and every project folder has a project');
  const fixes = [
    drift.missing.length ? 'codebase-mcp projects repair --yes  (recreates them empty; then index those projects again)' : '',
    drift.orphans.length ? 'codebase-mcp projects drop-orphans --yes  (deletes folders that belong to no project)' : '',
  ].filter(Boolean);
  return fail(CHECK.drift, problems.join('; '), fixes.join('; '));
}

export async function embeddedChecks(config: Config): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [await checkHome(config.home)];
  // Under the home (when writable), named for this process: a killed doctor's
  // leftover is found and removed by `projects drop-orphans`.
  const underHome = join(config.home, SCRATCH_DIR, scratchEntryName('doctor'));
  const scratchDir = await mkdir(underHome, { recursive: true }).then(
    () => underHome,
    () => mkdtemp(join(tmpdir(), 'codebase-mcp-doctor-')),
  );
  crashPoint('doctor:scratch-created');
  const dataDir = join(scratchDir, 'pgdata');
  let client: SqlClient | null = null;
  try {
    try {
      client = await openPgliteDatabase(dataDir, config.cacheDir);
      const [row] = await client.query<{ version: string }>(`SELECT current_setting('server_version') AS version`);
      checks.push(pass(CHECK.pglite, `PostgreSQL ${row.version} (WASM) in a scratch data directory`));
    } catch (error) {
      checks.push(
        fail(CHECK.pglite, `PGlite could not open a data directory: ${describeError(error)}`, `Check that ${config.cacheDir} (CODEBASE_MCP_CACHE_DIR) is writable and reinstall with npm install.`),
        skip(CHECK.pgvector, 'needs PGlite'),
        skip(CHECK.scratch, 'needs PGlite'),
      );
    }
    if (client) {
      let vectorOk = false;
      try {
        const [row] = await client.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
        await client.query(`SELECT '[1,2,3]'::vector <=> '[1,2,4]'::vector AS distance`);
        checks.push(pass(CHECK.pgvector, `pgvector ${row.extversion}`));
        vectorOk = true;
      } catch (error) {
        checks.push(fail(CHECK.pgvector, `pgvector did not load: ${describeError(error)}`, 'Reinstall dependencies (npm install): @electric-sql/pglite-pgvector must match @electric-sql/pglite 0.5.14.'));
      }
      if (vectorOk) {
        try {
          const done = await exerciseScratchProject(client);
          await client.close();
          client = null;
          await rm(scratchDir, { recursive: true, force: true });
          const left = await stat(scratchDir).then(
            () => true,
            () => false,
          );
          if (left) throw new Error(`${scratchDir} is still there after removing it`);
          checks.push(pass(CHECK.scratch, `${done}; removed again, nothing left behind`));
        } catch (error) {
          checks.push(fail(CHECK.scratch, `A scratch project failed: ${describeError(error)}`, 'Run with CODEBASE_MCP_DEBUG=1 and report the message.'));
        }
      } else {
        checks.push(skip(CHECK.scratch, 'needs pgvector'));
      }
    }
  } finally {
    await (client as SqlClient | null)?.close().catch(() => {});
    await rm(scratchDir, { recursive: true, force: true });
  }
  checks.push(await checkDrift(config).catch((error: unknown) => fail(CHECK.drift, describeError(error), 'Check that CODEBASE_MCP_HOME is readable.')));
  return checks;
}
