// Server mode's registry: a `projects` table in a registry database, and one
// PostgreSQL database per project (cb_proj_<slug>_<8 hex>), on the registry's
// server or on another one that the project's row names.
import { describeError, UserError } from '../errors/userError.js';
import { applyMigrations, appliedSchemaVersion, SCHEMA_VERSION } from './migrations.js';
import {
  parseProjectDatabaseComment,
  PROJECT_DATABASE_PREFIX,
  quoteIdentifier,
  quoteLiteral,
  SCRATCH_DATABASE_PREFIX,
  projectDatabaseComment,
  projectDatabaseName,
} from './databaseNames.js';
import { crashPoint } from './crashPoints.js';
import { LruLeases } from './lruLeases.js';
import { ownerIsGone, parseScratchDatabaseComment, scratchDatabaseComment } from './scratch.js';
import { SqlEmbeddingCache, type EmbeddingCache } from './embeddingCache.js';
import { openPgDatabase } from './pgDatabase.js';
import { asConnectionError, errorCode } from './pgErrors.js';
import {
  stagedProject,
  unknownProjectError,
  validateProjectName,
  type CreateProjectOptions,
  type DriftReport,
  type LastIndexSummary,
  type MissingDatabase,
  type OpenProject,
  type OrphanDatabase,
  type ProjectRecord,
  type ProjectRegistry,
  type PromotedRecord,
  type RawProject,
  type RemovedProject,
  type SchemaGuard,
  type StagedProject,
} from './projectRegistry.js';
import { ProjectStore } from './projectStore.js';
import { REGISTRY_MIGRATIONS } from './registrySchema.js';
import { createDatabase, currentRole, databasesWithPrefix, dropDatabase, withServer } from './serverAdmin.js';
import { asSetupError } from './serverRequirements.js';
import { isPostgresUrl, redactUrl, sameServer, urlWithDatabase } from './serverUrl.js';
import type { SqlClient } from './sqlClient.js';

export interface ServerRegistrySettings {
  /** The registry's server; the database it names is only used to create others. */
  databaseUrl: string;
  registryDatabase: string;
  /** Most project connection pools open at once; the least recently used is closed first. */
  maxOpenProjects: number;
  /** Connections per project pool. */
  projectPoolSize: number;
  /** Checks (and snapshots) a project's schema before its store opens. */
  schemaGuard?: SchemaGuard;
}

interface ProjectRow {
  id: number;
  name: string;
  database_name: string;
  server_url: string | null;
  root: string;
  created_at: Date | string;
  updated_at: Date | string;
  settings: Record<string, unknown>;
  last_index: LastIndexSummary | null;
}

interface Registry {
  client: SqlClient;
  /** Written into each project database's comment: whose database it is. */
  id: string;
}

interface ProjectConnection {
  client: SqlClient;
  store: ProjectStore;
}

/** Drift with the real server URLs, which the public report only shows redacted. */
interface Inspection {
  report: DriftReport;
  missing: { entry: MissingDatabase; row: ProjectRow }[];
  orphans: { entry: OrphanDatabase; serverUrl: string }[];
}

/** Listing a server's databases for drift should not hang on an unreachable one. */
const DRIFT_CONNECT_TIMEOUT_MS = 5000;

function isoTime(value: Date | string): string {
  return new Date(value).toISOString();
}

export class ServerProjectRegistry implements ProjectRegistry {
  readonly backend = 'server' as const;
  private registryPromise: Promise<Registry> | null = null;
  private readonly connections: LruLeases<ProjectConnection>;

  constructor(private readonly settings: ServerRegistrySettings) {
    this.connections = new LruLeases(settings.maxOpenProjects, (connection) => connection.store.close());
  }

  /** Project pools open right now. */
  get openPools(): number {
    return this.connections.size;
  }

  private serverOf(row: ProjectRow): string {
    return row.server_url ?? this.settings.databaseUrl;
  }

  private toRecord(row: ProjectRow): ProjectRecord {
    return {
      name: row.name,
      root: row.root,
      createdAt: isoTime(row.created_at),
      updatedAt: isoTime(row.updated_at),
      ...(row.last_index ? { lastIndex: row.last_index } : {}),
      location: row.database_name,
      server: row.server_url ? redactUrl(row.server_url) : null,
    };
  }

  private registry(): Promise<Registry> {
    this.registryPromise ??= this.connectRegistry().catch((error: unknown) => {
      this.registryPromise = null;
      throw error;
    });
    return this.registryPromise;
  }

  /** Connects to the registry database, creating it and its schema on first use. */
  private async connectRegistry(): Promise<Registry> {
    const { databaseUrl, registryDatabase } = this.settings;
    const url = urlWithDatabase(databaseUrl, registryDatabase);
    const connect = async () => {
      const client = openPgDatabase({ url, maxConnections: 2, sessionSql: '' });
      try {
        await applyMigrations(client, REGISTRY_MIGRATIONS);
        return client;
      } catch (error) {
        await client.close();
        throw error;
      }
    };
    let client: SqlClient;
    try {
      client = await connect();
    } catch (error) {
      if (errorCode(error) !== '3D000') throw error;
      await withServer(databaseUrl, async (admin) => {
        const role = await currentRole(admin);
        await createDatabase(admin, registryDatabase, 'codebase-mcp registry').catch((createError: unknown) => {
          throw asSetupError(createError, databaseUrl, role, `the registry database "${registryDatabase}"`);
        });
      });
      client = await connect();
    }
    const [row] = await client.query<{ value: string }>(`SELECT value FROM registry_meta WHERE key = 'id'`);
    return { client, id: row.value };
  }

  private async rows(): Promise<ProjectRow[]> {
    const { client } = await this.registry();
    const rows = await client.query<ProjectRow>('SELECT * FROM projects');
    return rows.sort((a, b) => a.name.localeCompare(b.name));
  }

  private async row(name: string): Promise<ProjectRow | undefined> {
    validateProjectName(name);
    const { client } = await this.registry();
    const [row] = await client.query<ProjectRow>('SELECT * FROM projects WHERE name = $1', [name]);
    return row;
  }

  private async existingRow(name: string): Promise<ProjectRow> {
    const row = await this.row(name);
    if (!row) throw unknownProjectError(name, await this.list());
    return row;
  }

  async list(): Promise<ProjectRecord[]> {
    return (await this.rows()).map((row) => this.toRecord(row));
  }

  async get(name: string): Promise<ProjectRecord | undefined> {
    const row = await this.row(name);
    return row && this.toRecord(row);
  }

  /** The server a new project should live on: null for the registry's own. */
  private requestedServer(serverUrl: string | undefined): string | null {
    if (!serverUrl) return null;
    if (!isPostgresUrl(serverUrl)) {
      throw new UserError(
        'INVALID_INPUT',
        `Invalid server URL ${JSON.stringify(redactUrl(serverUrl))}.`,
        'Use a PostgreSQL URL such as postgres://user@host:5432/postgres (the database it names is used to create the project database).',
      );
    }
    return sameServer(serverUrl, this.settings.databaseUrl) ? null : serverUrl;
  }

  private sameProject(row: ProjectRow, root: string, serverUrl: string | null): ProjectRecord {
    if (row.root !== root) {
      throw new UserError(
        'PROJECT_EXISTS',
        `Project '${row.name}' already indexes ${row.root}, not ${root}.`,
        'Choose another name with --project (MCP: project), or remove the existing project first.',
      );
    }
    if (serverUrl !== null && !sameServer(serverUrl, this.serverOf(row))) {
      throw new UserError(
        'PROJECT_EXISTS',
        `Project '${row.name}' lives on ${redactUrl(this.serverOf(row))}, not ${redactUrl(serverUrl)}.`,
        `Projects do not move between servers: remove it (codebase-mcp projects remove ${row.name} --yes) and index it again with --server-url.`,
      );
    }
    return this.toRecord(row);
  }

  /**
   * Registers a project, creating its database first: a crash in between
   * leaves an orphan database (reported, droppable), never a registry entry
   * without a database. Two processes creating one project at once both
   * succeed; the loser drops its surplus database and uses the winner's.
   */
  async create(name: string, root: string, options: CreateProjectOptions = {}): Promise<ProjectRecord> {
    validateProjectName(name);
    const serverUrl = this.requestedServer(options.serverUrl);
    const existing = await this.row(name);
    if (existing) return this.sameProject(existing, root, serverUrl);
    const registry = await this.registry();
    const target = serverUrl ?? this.settings.databaseUrl;
    const database = projectDatabaseName(name);
    await this.createProjectDatabase(target, database, name, registry.id);
    const [inserted] = await registry.client.query<ProjectRow>(
      `INSERT INTO projects (name, database_name, server_url, root) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO NOTHING RETURNING *`,
      [name, database, serverUrl, root],
    );
    if (inserted) return this.toRecord(inserted);
    await withServer(target, (admin) => dropDatabase(admin, database));
    return this.sameProject(await this.existingRow(name), root, serverUrl);
  }

  /** CREATE DATABASE, then the schema, then a check that it is all there; on failure nothing is left behind. */
  private async createProjectDatabase(serverUrl: string, database: string, project: string, registryId: string): Promise<void> {
    let role = 'the current role';
    await withServer(serverUrl, async (admin) => {
      role = await currentRole(admin);
      await createDatabase(admin, database, projectDatabaseComment(project, registryId)).catch((error: unknown) => {
        throw asSetupError(error, serverUrl, role, `the database for project '${project}'`);
      });
    });
    const client = openPgDatabase({ url: urlWithDatabase(serverUrl, database), maxConnections: 1 });
    try {
      await ProjectStore.open(client);
      const version = await appliedSchemaVersion(client);
      if (version !== SCHEMA_VERSION) {
        throw new Error(`database ${database} has schema version ${version} after migrating, expected ${SCHEMA_VERSION}`);
      }
    } catch (error) {
      await client.close();
      await withServer(serverUrl, (admin) => dropDatabase(admin, database)).catch(() => {});
      throw asSetupError(error, serverUrl, role, `the database for project '${project}'`);
    }
    await client.close();
  }

  async recordIndex(name: string, summary: LastIndexSummary): Promise<void> {
    const { client } = await this.registry();
    const updated = await client.query('UPDATE projects SET last_index = $2::jsonb, updated_at = now() WHERE name = $1 RETURNING id', [
      name,
      JSON.stringify(summary),
    ]);
    if (updated.length === 0) throw unknownProjectError(name, await this.list());
  }

  private connectionKey(row: ProjectRow): string {
    return `${row.server_url ?? ''}\u0000${row.database_name}`;
  }

  async open(name: string): Promise<OpenProject> {
    const row = await this.existingRow(name);
    const lease = await this.connections.acquire(this.connectionKey(row), () => this.connect(row));
    return { record: this.toRecord(row), store: lease.value.store, close: async () => lease.release() };
  }

  private async connect(row: ProjectRow): Promise<ProjectConnection> {
    const serverUrl = this.serverOf(row);
    const client = openPgDatabase({ url: urlWithDatabase(serverUrl, row.database_name), maxConnections: this.settings.projectPoolSize });
    try {
      await this.settings.schemaGuard?.beforeOpen(client, this.toRecord(row), this.backend);
      return { client, store: await ProjectStore.open(client) };
    } catch (error) {
      await client.close();
      if (errorCode(error) === '3D000') throw this.missingDatabaseError(row);
      throw error;
    }
  }

  private missingDatabaseError(row: ProjectRow): UserError {
    return new UserError(
      'DATABASE_UNAVAILABLE',
      `Project '${row.name}' is registered, but its database ${row.database_name} does not exist on ${redactUrl(this.serverOf(row))}.`,
      `Run codebase-mcp projects repair --yes to recreate it empty, then codebase-mcp index ${row.root} to refill it; or forget the project with codebase-mcp projects remove ${row.name} --yes.`,
    );
  }

  async openDatabase(name: string): Promise<RawProject> {
    const row = await this.existingRow(name);
    const client = openPgDatabase({ url: urlWithDatabase(this.serverOf(row), row.database_name), maxConnections: 2 });
    try {
      await client.query('SELECT 1');
    } catch (error) {
      await client.close();
      if (errorCode(error) === '3D000' || errorCode((error as { cause?: unknown }).cause) === '3D000') throw this.missingDatabaseError(row);
      throw error;
    }
    return { record: this.toRecord(row), client, close: () => client.close() };
  }

  /** A new database on the registry's server, marked as this process's scratch until promoted. */
  async stage(name: string): Promise<StagedProject> {
    validateProjectName(name);
    const registry = await this.registry();
    const serverUrl = this.settings.databaseUrl;
    const database = projectDatabaseName(name);
    await withServer(serverUrl, async (admin) => {
      const role = await currentRole(admin);
      await createDatabase(admin, database, scratchDatabaseComment(`restore-${name}`, registry.id)).catch((error: unknown) => {
        throw asSetupError(error, serverUrl, role, `a staging database for restoring project '${name}'`);
      });
    });
    crashPoint('restore:staged');
    const client = openPgDatabase({ url: urlWithDatabase(serverUrl, database), maxConnections: 2 });
    return stagedProject(
      client,
      database,
      (onCommit, promoted) => this.promote(name, database, promoted, onCommit),
      () => withServer(serverUrl, (admin) => dropDatabase(admin, database)),
    );
  }

  /**
   * Points the project's row at the staged database in one statement (the
   * commit point), then drops the database it named. A crash before the
   * switch leaves the old project as it was, after it the old database as an
   * orphan: either way registry and databases agree, and drop-orphans tidies.
   */
  private async promote(name: string, database: string, promoted: PromotedRecord, onCommit: () => void): Promise<void> {
    const registry = await this.registry();
    const serverUrl = this.settings.databaseUrl;
    await withServer(serverUrl, (admin) => admin.exec(`COMMENT ON DATABASE ${quoteIdentifier(database)} IS ${quoteLiteral(projectDatabaseComment(name, registry.id))}`));
    crashPoint('restore:before-commit');
    const old = await registry.client.transaction(async (tx) => {
      const [row] = await tx.query<ProjectRow>('SELECT * FROM projects WHERE name = $1 FOR UPDATE', [name]);
      const lastIndex = promoted.lastIndex ? JSON.stringify(promoted.lastIndex) : null;
      if (row) {
        await tx.query(
          `UPDATE projects SET database_name = $2, server_url = NULL, root = $3, last_index = $4::jsonb, updated_at = now() WHERE id = $1`,
          [row.id, database, promoted.root, lastIndex],
        );
      } else {
        await tx.query(`INSERT INTO projects (name, database_name, server_url, root, last_index) VALUES ($1, $2, NULL, $3, $4::jsonb)`, [
          name,
          database,
          promoted.root,
          lastIndex,
        ]);
      }
      return row;
    });
    onCommit();
    crashPoint('restore:committed');
    if (!old) return;
    await this.connections.remove(this.connectionKey(old));
    await withServer(this.serverOf(old), (admin) => dropDatabase(admin, old.database_name));
  }

  async remove(name: string): Promise<RemovedProject> {
    const row = await this.existingRow(name);
    const serverUrl = this.serverOf(row);
    await this.connections.remove(this.connectionKey(row));
    // The server must be reachable before the row goes, so that the common
    // failure leaves everything as it was; a crash between the two steps
    // leaves an orphan database (drop-orphans), never a row without one.
    await withServer(serverUrl, (admin) => currentRole(admin));
    const { client } = await this.registry();
    await client.query('DELETE FROM projects WHERE id = $1', [row.id]);
    crashPoint('remove:row-deleted');
    await withServer(serverUrl, (admin) => dropDatabase(admin, row.database_name));
    return { project: row.name, location: row.database_name, server: redactUrl(serverUrl) };
  }

  private async inspect(): Promise<Inspection> {
    const registry = await this.registry();
    const rows = await this.rows();
    const byServer = new Map<string, ProjectRow[]>([[this.settings.databaseUrl, []]]);
    for (const row of rows) {
      const serverUrl = this.serverOf(row);
      byServer.set(serverUrl, [...(byServer.get(serverUrl) ?? []), row]);
    }
    const inspection: Inspection = { report: { missing: [], orphans: [], unreachable: [] }, missing: [], orphans: [] };
    for (const [serverUrl, serverRows] of byServer) {
      const server = redactUrl(serverUrl);
      let databases;
      try {
        databases = await withServer(
          serverUrl,
          async (admin) => [...(await databasesWithPrefix(admin, PROJECT_DATABASE_PREFIX)), ...(await databasesWithPrefix(admin, SCRATCH_DATABASE_PREFIX))],
          DRIFT_CONNECT_TIMEOUT_MS,
        );
      } catch (error) {
        inspection.report.unreachable.push({ server, error: describeError(asConnectionError(error, serverUrl)) });
        continue;
      }
      const present = new Set(databases.map((database) => database.name));
      for (const row of serverRows) {
        if (present.has(row.database_name)) continue;
        const entry: MissingDatabase = { project: row.name, root: row.root, location: row.database_name, server };
        inspection.report.missing.push(entry);
        inspection.missing.push({ entry, row });
      }
      const registered = new Set(serverRows.map((row) => row.database_name));
      for (const database of databases) {
        if (registered.has(database.name)) continue;
        const scratch = parseScratchDatabaseComment(database.comment);
        if (scratch) {
          // Ours (by registry id, or by registry database name for doctor's) and abandoned by its process.
          if (scratch.registry !== registry.id && scratch.registry !== this.settings.registryDatabase) continue;
          if (!ownerIsGone(scratch.owner)) continue;
          const project = /^restore-(.+)$/.exec(scratch.purpose);
          const entry: OrphanDatabase = { location: database.name, server, createdFor: project?.[1] ?? null, scratch: scratch.purpose };
          inspection.report.orphans.push(entry);
          inspection.orphans.push({ entry, serverUrl });
          continue;
        }
        // Unmarked scratch databases (older doctors) could be anyone's.
        if (!database.name.startsWith(PROJECT_DATABASE_PREFIX)) continue;
        const mark = parseProjectDatabaseComment(database.comment);
        // Another registry's project on a shared server: not ours to report.
        if (mark && mark.registryId !== registry.id) continue;
        const entry: OrphanDatabase = { location: database.name, server, createdFor: mark?.project ?? null };
        inspection.report.orphans.push(entry);
        inspection.orphans.push({ entry, serverUrl });
      }
    }
    return inspection;
  }

  async drift(): Promise<DriftReport> {
    return (await this.inspect()).report;
  }

  async repairMissing(): Promise<MissingDatabase[]> {
    const registry = await this.registry();
    const { missing } = await this.inspect();
    for (const { row } of missing) {
      await this.connections.remove(this.connectionKey(row));
      await this.createProjectDatabase(this.serverOf(row), row.database_name, row.name, registry.id);
      // Empty now: the next index run must not be told it is up to date.
      await registry.client.query('UPDATE projects SET last_index = NULL, updated_at = now() WHERE id = $1', [row.id]);
    }
    return missing.map(({ entry }) => entry);
  }

  async dropOrphans(): Promise<OrphanDatabase[]> {
    const { orphans } = await this.inspect();
    for (const { entry, serverUrl } of orphans) {
      await withServer(serverUrl, (admin) => dropDatabase(admin, entry.location));
    }
    return orphans.map(({ entry }) => entry);
  }

  /** The registry database holds the shared cache; its pool stays open with the registry. */
  async openEmbeddingCache(): Promise<EmbeddingCache | null> {
    const { client } = await this.registry();
    return new SqlEmbeddingCache(client);
  }

  async close(): Promise<void> {
    await this.connections.closeAll();
    const registry = this.registryPromise;
    this.registryPromise = null;
    if (registry) await registry.then((connected) => connected.client.close(), () => {});
  }
}
