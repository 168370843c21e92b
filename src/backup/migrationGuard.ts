// Rollback protection around schema migrations. Before an existing project
// is migrated, a snapshot of it is written (kept per project, the last few,
// size-bounded); the migrations then run in one transaction, so a failure
// leaves the project as it was and the error names the snapshot. A project
// whose schema is newer than this code is refused, with the way back.
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError, UserError } from '../errors/userError.js';
import { applyMigrations, appliedSchemaVersion, MIGRATIONS, MigrationStepError, type Migration } from '../store/migrations.js';
import type { ProjectRecord, SchemaGuard } from '../store/projectRegistry.js';
import type { SqlClient } from '../store/sqlClient.js';
import { codebaseMcpVersion, dumpProject } from './dumpProject.js';

/** project_meta key: which codebase-mcp last migrated the project, and to which schema version. */
export const WRITTEN_BY_KEY = 'schema_written_by';
const SNAPSHOT_SUFFIX = '.snapshot.jsonl.gz';

export interface SnapshotRetention {
  /** $CODEBASE_MCP_HOME/snapshots: one folder per project below it. */
  dir: string;
  /** Snapshots kept per project; 0 turns pre-migration snapshots off. */
  keep: number;
  /** Most bytes a project's snapshots may take together (the newest is always kept). */
  maxBytes: number;
}

export interface StoredSnapshot {
  path: string;
  schemaVersion: number;
  bytes: number;
  modifiedAt: string;
}

export interface MigrationPlan {
  from: number;
  to: number;
  pending: { version: number; description: string }[];
  /** The schema is newer than this code: it will not be opened. */
  newer: boolean;
}

function restoreCommand(path: string, project: string): string {
  return `codebase-mcp restore ${path} --project ${project} --yes`;
}

/** The project's snapshots, newest first. */
export async function storedSnapshots(retention: Pick<SnapshotRetention, 'dir'>, project: string): Promise<StoredSnapshot[]> {
  const dir = join(retention.dir, project);
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: StoredSnapshot[] = [];
  for (const name of names) {
    const match = /-schema(\d+)-[0-9TZ]+\.snapshot\.jsonl\.gz$/.exec(name);
    if (!match) continue;
    const info = await stat(join(dir, name)).catch(() => null);
    if (info) found.push({ path: join(dir, name), schemaVersion: Number(match[1]), bytes: info.size, modifiedAt: info.mtime.toISOString() });
  }
  return found.sort((a, b) => b.modifiedAt.localeCompare(a.modifiedAt) || b.path.localeCompare(a.path));
}

/** Keeps the newest `keep` snapshots, then drops the oldest while they take more than maxBytes (never the newest). */
export async function pruneSnapshots(retention: SnapshotRetention, project: string): Promise<string[]> {
  const snapshots = await storedSnapshots(retention, project);
  const kept = snapshots.slice(0, Math.max(retention.keep, 1));
  const removed = snapshots.slice(kept.length);
  let total = kept.reduce((sum, snapshot) => sum + snapshot.bytes, 0);
  while (kept.length > 1 && total > retention.maxBytes) {
    const oldest = kept.pop() as StoredSnapshot;
    total -= oldest.bytes;
    removed.push(oldest);
  }
  for (const snapshot of removed) await rm(snapshot.path, { force: true });
  return removed.map((snapshot) => snapshot.path);
}

export class MigrationGuard implements SchemaGuard {
  /** Snapshots taken by this process, per project (for `migrate` to report). */
  readonly taken = new Map<string, string>();

  constructor(
    private readonly retention: SnapshotRetention,
    private readonly migrations: Migration[] = MIGRATIONS,
  ) {}

  private get latest(): number {
    return this.migrations.at(-1)?.version ?? 0;
  }

  async plan(client: SqlClient): Promise<MigrationPlan> {
    const from = await appliedSchemaVersion(client);
    const pending = this.migrations.filter((migration) => migration.version > from).map(({ version, description }) => ({ version, description }));
    return { from, to: Math.max(from, this.latest), pending, newer: from > this.latest };
  }

  async beforeOpen(client: SqlClient, project: ProjectRecord, backend: 'embedded' | 'server'): Promise<void> {
    const version = await appliedSchemaVersion(client);
    if (version > this.latest) throw await this.tooNewError(client, project, version);
    if (version === this.latest) return;
    // A new database has nothing to protect.
    const snapshot = version > 0 && this.retention.keep > 0 ? await this.takeSnapshot(client, project, backend, version) : null;
    try {
      await applyMigrations(client, this.migrations);
    } catch (error) {
      throw this.failedError(project, version, snapshot, error);
    }
    await client.query(
      `INSERT INTO project_meta (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [WRITTEN_BY_KEY, JSON.stringify({ codebaseMcp: codebaseMcpVersion(), schemaVersion: this.latest })],
    );
  }

  private async takeSnapshot(client: SqlClient, project: ProjectRecord, backend: 'embedded' | 'server', version: number): Promise<string> {
    const dir = join(this.retention.dir, project.name);
    await mkdir(dir, { recursive: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.(\d+)Z$/, '$1Z');
    const path = join(dir, `${project.name}-schema${version}-${stamp}${SNAPSHOT_SUFFIX}`);
    try {
      await dumpProject(client, path, { project, backend });
    } catch (error) {
      throw new UserError(
        'MIGRATION_FAILED',
        `Project '${project.name}' needs its schema upgraded from version ${version} to ${this.latest}, but the snapshot taken first could not be written to ${path}: ${describeError(error)}. Nothing was changed.`,
        `Free space or fix permissions under ${this.retention.dir}, or set CODEBASE_MCP_SNAPSHOT_KEEP=0 to upgrade without a snapshot (the upgrade still runs in one transaction).`,
      );
    }
    this.taken.set(project.name, path);
    await pruneSnapshots(this.retention, project.name);
    return path;
  }

  private failedError(project: ProjectRecord, version: number, snapshot: string | null, error: unknown): UserError {
    const step = error instanceof MigrationStepError ? error.message : describeError(error);
    return new UserError(
      'MIGRATION_FAILED',
      `Upgrading project '${project.name}' from schema version ${version} to ${this.latest} failed: ${step}. Nothing was changed: the upgrade ran in one transaction, which was rolled back, so the project is still at schema version ${version}.`,
      snapshot
        ? `The snapshot taken just before is ${snapshot}; to return to it at any time: ${restoreCommand(snapshot, project.name)}. The previous codebase-mcp version still opens the project; please report the failure with the message above.`
        : `No snapshot was taken (CODEBASE_MCP_SNAPSHOT_KEEP=0). The previous codebase-mcp version still opens the project; please report the failure with the message above.`,
    );
  }

  private async tooNewError(client: SqlClient, project: ProjectRecord, version: number): Promise<UserError> {
    const [writer] = await client
      .query<{ value: { codebaseMcp?: string } }>('SELECT value FROM project_meta WHERE key = $1', [WRITTEN_BY_KEY])
      .catch(() => []);
    const unknown = await client
      .query<{ version: number; description: string }>('SELECT version, description FROM schema_migrations WHERE version > $1 ORDER BY version', [this.latest])
      .catch(() => []);
    const by = writer?.value?.codebaseMcp ? `codebase-mcp ${writer.value.codebaseMcp}` : 'a newer codebase-mcp';
    const what = unknown.map((row) => `${row.version}: ${row.description}`).join('; ');
    const snapshot = (await storedSnapshots(this.retention, project.name)).find((candidate) => candidate.schemaVersion <= this.latest);
    const back = snapshot
      ? `To go back to the index as it was before the upgrade, restore the snapshot taken then (schema version ${snapshot.schemaVersion}, ${snapshot.modifiedAt}): ${restoreCommand(snapshot.path, project.name)}`
      : `No pre-upgrade snapshot of it is kept under ${join(this.retention.dir, project.name)}; restore a backup (codebase-mcp restore FILE --project ${project.name} --yes) or rebuild it (codebase-mcp projects remove ${project.name} --yes, then codebase-mcp index ${project.root} --project ${project.name}).`;
    return new UserError(
      'SCHEMA_TOO_NEW',
      `Project '${project.name}' has schema version ${version}${what ? ` (${what})` : ''}, written by ${by}; this codebase-mcp (${codebaseMcpVersion()}) knows schema versions up to ${this.latest}, so it does not open the project rather than risk damaging it.`,
      `Use ${writer?.value?.codebaseMcp ? `codebase-mcp ${writer.value.codebaseMcp}` : 'the newer codebase-mcp'} or later with this project. ${back}`,
    );
  }
}
