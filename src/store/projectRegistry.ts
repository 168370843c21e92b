// Which projects exist, where their repositories are, and how to open their
// index. The embedded registry keeps one folder per project under the home
// directory: project.json (the record), pgdata/ (PGlite) and a lock file.
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors/userError.js';
import { crashPoint } from './crashPoints.js';
import { openPgliteDatabase } from './pgliteDatabase.js';
import { parseScratchEntry, SCRATCH_DIR, scratchEntryName } from './scratch.js';
import { processIsAlive } from './projectLock.js';
import type { SqlClient } from './sqlClient.js';
import { EMBEDDING_CACHE_MIGRATIONS, SqlEmbeddingCache, type EmbeddingCache } from './embeddingCache.js';
import { applyMigrations } from './migrations.js';
import { ProjectLock } from './projectLock.js';
import { ProjectStore } from './projectStore.js';

export interface LastIndexSummary {
  finishedAt: string;
  files: number;
  chunks: number;
  durationMs: number;
}

export interface ProjectRecord {
  name: string;
  root: string;
  createdAt: string;
  updatedAt: string;
  lastIndex?: LastIndexSummary;
  /** Where the index lives: its database (server mode) or data directory (embedded). */
  location?: string;
  /** Server mode: the project's server (password redacted) when it is not the registry's own; null otherwise. */
  server?: string | null;
}

export interface CreateProjectOptions {
  /** Server mode: create the project's database on this server instead of the registry's. */
  serverUrl?: string;
}

/** A project whose registry entry names a database (or data directory) that does not exist. */
export interface MissingDatabase {
  project: string;
  root: string;
  location: string;
  /** The server it should be on (redacted URL); null in embedded mode. */
  server: string | null;
}

/** A project database (or data directory) that no registry entry names. */
export interface OrphanDatabase {
  location: string;
  server: string | null;
  /** The project it was created for, when it says so. */
  createdFor: string | null;
  /** Scratch left by an interrupted command (its purpose, e.g. "restore-web" or "doctor"); absent for project databases. */
  scratch?: string;
}

export interface DriftReport {
  missing: MissingDatabase[];
  orphans: OrphanDatabase[];
  /** Servers named by projects that could not be reached, so their drift is unknown. */
  unreachable: { server: string; error: string }[];
}

export interface RemovedProject {
  project: string;
  location: string;
  server: string | null;
}

export interface OpenProject {
  record: ProjectRecord;
  store: ProjectStore;
  close(): Promise<void>;
}

/** A project's database opened as it is, without migrating it (backups, schema inspection). */
export interface RawProject {
  record: ProjectRecord;
  client: SqlClient;
  close(): Promise<void>;
}

/** What a restore keeps of the project it becomes. */
export interface PromotedRecord {
  root: string;
  lastIndex?: LastIndexSummary;
}

/**
 * A new, empty database that may become a project's: restores load into it,
 * verify it, and only then promote it. Until promoted it is scratch, which
 * `drop-orphans` removes if a crash leaves it behind.
 */
export interface StagedProject {
  client: SqlClient;
  location: string;
  /** Makes it the project's database, replacing (then deleting) any old one; the old stays if this fails before the switch. */
  promote(record: PromotedRecord): Promise<void>;
  /** True once promote has passed its commit point (the project is the staged database from then on). */
  readonly committed: boolean;
  discard(): Promise<void>;
}

/**
 * A StagedProject over `client`: promoting closes it first; once `promote`
 * has called its onCommit the data belongs to the project, and discarding
 * no longer deletes it.
 */
export function stagedProject(
  client: SqlClient,
  location: string,
  promote: (onCommit: () => void, record: PromotedRecord) => Promise<void>,
  deleteData: () => Promise<unknown>,
): StagedProject {
  let closed = false;
  let committed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client.close();
  };
  return {
    client,
    location,
    get committed() {
      return committed;
    },
    promote: async (record) => {
      await close();
      await promote(() => (committed = true), record);
    },
    discard: async () => {
      await close().catch(() => {});
      if (!committed) await deleteData();
    },
  };
}

/** Runs before a project's store opens: schema checks, pre-migration snapshots (src/backup/migrationGuard.ts). */
export interface SchemaGuard {
  beforeOpen(client: SqlClient, project: ProjectRecord, backend: 'embedded' | 'server'): Promise<void>;
}

export interface ProjectRegistry {
  readonly backend: 'embedded' | 'server';
  list(): Promise<ProjectRecord[]>;
  get(name: string): Promise<ProjectRecord | undefined>;
  create(name: string, root: string, options?: CreateProjectOptions): Promise<ProjectRecord>;
  recordIndex(name: string, summary: LastIndexSummary): Promise<void>;
  open(name: string): Promise<OpenProject>;
  /** The project's database without migrating it. */
  openDatabase(name: string): Promise<RawProject>;
  /** An empty database for a restore of project `name` (which need not exist yet). */
  stage(name: string): Promise<StagedProject>;
  /** Deletes the project's index (database or data directory) and its registry entry. */
  remove(name: string): Promise<RemovedProject>;
  /** Registry entries and databases that disagree. */
  drift(): Promise<DriftReport>;
  /** Recreates each missing database empty, with its schema, so the next index run refills it. */
  repairMissing(): Promise<MissingDatabase[]>;
  /** Drops every orphaned project database (or data directory). */
  dropOrphans(): Promise<OrphanDatabase[]>;
  /** The store's shared embedding cache, or null when another process holds it. */
  openEmbeddingCache(): Promise<EmbeddingCache | null>;
  close(): Promise<void>;
}

const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function validateProjectName(name: string): string {
  if (!PROJECT_NAME.test(name)) {
    throw new UserError(
      'INVALID_INPUT',
      `Invalid project name ${JSON.stringify(name)}.`,
      'Use 1-63 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
    );
  }
  return name;
}

/** A project name derived from a directory name: 'My Repo!' → 'my-repo'. */
export function projectNameFromDirectory(directoryName: string): string {
  const slug = directoryName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 50);
  return slug || 'project';
}

export function unknownProjectError(name: string, known: ProjectRecord[]): UserError {
  const list = known.length ? `Known projects: ${known.map((project) => project.name).join(', ')}.` : 'No project has been indexed yet.';
  return new UserError(
    'UNKNOWN_PROJECT',
    `Unknown project '${name}'. ${list}`,
    'Index a repository first (codebase-mcp index <path> --project NAME, or the index_repository tool), or pass one of the known names.',
  );
}

/** Written before a restored data directory replaces a project's: from then on the restore is committed and finished by whoever finds it. */
const PROMOTION_JOURNAL = 'promote.json';

interface PromotionJournal {
  staged: string;
  replaced: string;
  record: ProjectRecord;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * How long list() may answer from what it last read. Every search resolves
 * its project from the list (a directory read and a file per project, ~1.4 ms
 * of a service's main thread on two projects); this process's own changes
 * drop it at once, another process's are seen within this time.
 */
const LIST_REUSE_MS = 1000;

export class EmbeddedProjectRegistry implements ProjectRegistry {
  readonly backend = 'embedded' as const;
  private readonly recoveries = new Map<string, Promise<void>>();
  private listed: { at: number; records: Promise<ProjectRecord[]> } | null = null;

  constructor(
    private readonly home: string,
    private readonly cacheDir: string,
    private readonly guard?: SchemaGuard,
  ) {}

  private projectDir(name: string): string {
    return join(this.home, 'projects', validateProjectName(name));
  }

  private scratchPath(purpose: string): string {
    return join(this.home, SCRATCH_DIR, scratchEntryName(purpose));
  }

  /**
   * Finishes a promotion a crash interrupted (its journal is still there):
   * the staged data directory goes into place, the record is written, the
   * replaced one is deleted. Skipped while the project's lock is held by a
   * live process (that one is promoting right now).
   */
  private recoverPromotion(name: string): Promise<void> {
    // One recovery per project at a time in this process: a second caller (the
    // service's watcher catch-up beside a drift check) waits for it rather than
    // finding the lock taken and seeing the replaced copy half deleted.
    let recovery = this.recoveries.get(name);
    if (!recovery) {
      recovery = this.recoverPromotionNow(name).finally(() => this.recoveries.delete(name));
      this.recoveries.set(name, recovery);
    }
    return recovery;
  }

  private async recoverPromotionNow(name: string): Promise<void> {
    const dir = this.projectDir(name);
    if (!(await exists(join(dir, PROMOTION_JOURNAL)))) return;
    let lock: ProjectLock;
    try {
      lock = ProjectLock.acquire(join(dir, 'lock'), name);
    } catch {
      return;
    }
    try {
      await this.finishPromotion(dir);
    } finally {
      lock.release();
    }
  }

  private async finishPromotion(dir: string): Promise<void> {
    const journalPath = join(dir, PROMOTION_JOURNAL);
    const journal = JSON.parse(await readFile(journalPath, 'utf8')) as PromotionJournal;
    const pgdata = join(dir, 'pgdata');
    if (await exists(journal.staged)) {
      if (await exists(pgdata)) {
        await mkdir(join(this.home, SCRATCH_DIR), { recursive: true });
        await rename(pgdata, journal.replaced);
        crashPoint('restore:old-moved-aside');
      }
      await rename(journal.staged, pgdata);
      crashPoint('restore:new-moved-in');
    }
    await this.write(journal.record);
    await rm(journalPath, { force: true });
    await rm(journal.replaced, { recursive: true, force: true });
  }

  async list(): Promise<ProjectRecord[]> {
    const now = performance.now();
    if (!this.listed || now - this.listed.at > LIST_REUSE_MS) {
      const records = this.readList();
      records.catch(() => (this.listed = null));
      this.listed = { at: now, records };
    }
    return (await this.listed.records).map((record) => ({ ...record }));
  }

  private async readList(): Promise<ProjectRecord[]> {
    const entries = await readdir(join(this.home, 'projects'), { withFileTypes: true }).catch(() => []);
    const records = await Promise.all(
      entries.filter((entry) => entry.isDirectory()).map((entry) => this.get(entry.name).catch(() => undefined)),
    );
    return records.filter((record): record is ProjectRecord => record !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<ProjectRecord | undefined> {
    await this.recoverPromotion(name);
    try {
      const record = JSON.parse(await readFile(join(this.projectDir(name), 'project.json'), 'utf8')) as ProjectRecord;
      return { ...record, location: join(this.projectDir(name), 'pgdata'), server: null };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  private async write(record: ProjectRecord): Promise<void> {
    const dir = this.projectDir(record.name);
    await mkdir(dir, { recursive: true });
    const temporary = join(dir, `project.json.tmp-${process.pid}`);
    const { location: _location, server: _server, ...stored } = record;
    await writeFile(temporary, `${JSON.stringify(stored, null, 2)}\n`);
    await rename(temporary, join(dir, 'project.json'));
    this.listed = null; // after the rename: a list() read before it is not kept
  }

  async create(name: string, root: string, options: CreateProjectOptions = {}): Promise<ProjectRecord> {
    if (options.serverUrl) {
      throw new UserError(
        'INVALID_INPUT',
        'A server URL for a project only applies in server mode.',
        'Set DATABASE_URL (or CODEBASE_MCP_DATABASE_URL) to the registry server first; without it, projects live in the embedded store.',
      );
    }
    const existing = await this.get(name);
    if (existing) {
      if (existing.root === root) return existing;
      throw new UserError(
        'PROJECT_EXISTS',
        `Project '${name}' already indexes ${existing.root}, not ${root}.`,
        'Choose another name with --project (MCP: project), or remove the existing project first.',
      );
    }
    const now = new Date().toISOString();
    const record: ProjectRecord = { name, root, createdAt: now, updatedAt: now };
    await this.write(record);
    return (await this.get(name)) as ProjectRecord;
  }

  async recordIndex(name: string, summary: LastIndexSummary): Promise<void> {
    const record = await this.get(name);
    if (!record) throw unknownProjectError(name, await this.list());
    await this.write({ ...record, updatedAt: new Date().toISOString(), lastIndex: summary });
  }

  async open(name: string): Promise<OpenProject> {
    const raw = await this.openDatabase(name);
    try {
      await this.guard?.beforeOpen(raw.client, raw.record, this.backend);
      return { record: raw.record, store: await ProjectStore.open(raw.client), close: raw.close };
    } catch (error) {
      await raw.close();
      throw error;
    }
  }

  async openDatabase(name: string): Promise<RawProject> {
    const record = await this.get(name);
    if (!record) throw unknownProjectError(name, await this.list());
    const dir = this.projectDir(name);
    const lock = ProjectLock.acquire(join(dir, 'lock'), name);
    try {
      const client = await openPgliteDatabase(join(dir, 'pgdata'), this.cacheDir);
      return {
        record,
        client,
        async close() {
          try {
            await client.close();
          } finally {
            lock.release();
          }
        },
      };
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  async stage(name: string): Promise<StagedProject> {
    validateProjectName(name);
    const dir = this.scratchPath(`restore-${name}`);
    await mkdir(dir, { recursive: true });
    const staged = join(dir, 'pgdata');
    let client: SqlClient;
    try {
      client = await openPgliteDatabase(staged, this.cacheDir);
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
    return stagedProject(
      client,
      staged,
      async (onCommit, promoted) => {
        await this.promote(name, staged, promoted, onCommit);
        await rm(dir, { recursive: true, force: true });
      },
      () => rm(dir, { recursive: true, force: true }),
    );
  }

  /**
   * Puts a staged data directory in place of the project's. The journal,
   * written atomically first, is the commit point: a crash after it is
   * finished by the next command that looks at the project, a crash before
   * it leaves the old project as it was (and the staged copy as scratch).
   */
  private async promote(name: string, staged: string, promoted: PromotedRecord, onCommit: () => void): Promise<void> {
    const dir = this.projectDir(name);
    await mkdir(dir, { recursive: true });
    const lock = ProjectLock.acquire(join(dir, 'lock'), name);
    try {
      const existing = await readFile(join(dir, 'project.json'), 'utf8').then((text) => JSON.parse(text) as ProjectRecord, () => undefined);
      const now = new Date().toISOString();
      const record: ProjectRecord = {
        name,
        root: promoted.root,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
        ...(promoted.lastIndex ? { lastIndex: promoted.lastIndex } : {}),
      };
      const journal: PromotionJournal = { staged, replaced: this.scratchPath(`replaced-${name}`), record };
      const temporary = join(dir, `${PROMOTION_JOURNAL}.tmp-${process.pid}`);
      await writeFile(temporary, JSON.stringify(journal));
      crashPoint('restore:before-commit');
      await rename(temporary, join(dir, PROMOTION_JOURNAL));
      onCommit();
      crashPoint('restore:committed');
      await this.finishPromotion(dir);
    } finally {
      lock.release();
    }
  }

  async remove(name: string): Promise<RemovedProject> {
    const record = await this.get(name);
    if (!record) throw unknownProjectError(name, await this.list());
    const dir = this.projectDir(name);
    // Refused while another process has the project open.
    const lock = ProjectLock.acquire(join(dir, 'lock'), name);
    // One rename takes the whole project away; deleting it is then scratch
    // work, finished by drop-orphans if a crash interrupts it.
    const removing = this.scratchPath(`removed-${name}`);
    try {
      await mkdir(join(this.home, SCRATCH_DIR), { recursive: true });
      await rename(dir, removing);
    } finally {
      lock.release();
    }
    this.listed = null;
    crashPoint('remove:moved-aside');
    await rm(removing, { recursive: true, force: true });
    return { project: name, location: dir, server: null };
  }

  /** Scratch directories whose process is gone: a crash's leftovers. */
  private async abandonedScratch(): Promise<OrphanDatabase[]> {
    const root = join(this.home, SCRATCH_DIR);
    const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
    const orphans: OrphanDatabase[] = [];
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const owner = parseScratchEntry(entry.name);
      if (owner && processIsAlive(owner.pid)) continue;
      const project = owner && /^(restore|replaced|removed)-(.+)$/.exec(owner.purpose);
      orphans.push({ location: join(root, entry.name), server: null, createdFor: project ? project[2] : null, scratch: owner?.purpose ?? entry.name });
    }
    return orphans;
  }

  async drift(): Promise<DriftReport> {
    const entries = await readdir(join(this.home, 'projects'), { withFileTypes: true }).catch(() => []);
    // Interrupted restores first: finishing them is what makes the rest agree.
    for (const entry of entries) {
      if (entry.isDirectory() && PROJECT_NAME.test(entry.name)) await this.recoverPromotion(entry.name);
    }
    const missing: MissingDatabase[] = [];
    const orphans: OrphanDatabase[] = [];
    for (const entry of entries.filter((candidate) => candidate.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
      const dir = join(this.home, 'projects', entry.name);
      const record = await this.get(entry.name).catch(() => undefined);
      if (!record) {
        orphans.push({ location: dir, server: null, createdFor: entry.name });
        continue;
      }
      const hasData = await stat(join(dir, 'pgdata', 'PG_VERSION')).then(
        () => true,
        () => false,
      );
      // Never indexed yet (no lastIndex) is not drift: the data directory is made on first open.
      if (!hasData && record.lastIndex) missing.push({ project: record.name, root: record.root, location: join(dir, 'pgdata'), server: null });
    }
    orphans.push(...(await this.abandonedScratch()));
    return { missing, orphans, unreachable: [] };
  }

  async repairMissing(): Promise<MissingDatabase[]> {
    const { missing } = await this.drift();
    for (const entry of missing) {
      const project = await this.open(entry.project);
      await project.close();
      const { lastIndex: _gone, ...record } = project.record;
      await this.write({ ...record, updatedAt: new Date().toISOString() });
    }
    return missing;
  }

  async dropOrphans(): Promise<OrphanDatabase[]> {
    const { orphans } = await this.drift();
    for (const orphan of orphans) await rm(orphan.location, { recursive: true, force: true });
    return orphans;
  }

  /**
   * The cache is its own PGlite database under the home directory. Only one
   * process may open it: a second indexer meanwhile runs without it rather
   * than wait.
   */
  async openEmbeddingCache(): Promise<EmbeddingCache | null> {
    const dir = join(this.home, 'embedding-cache');
    await mkdir(dir, { recursive: true });
    let lock: ProjectLock;
    try {
      lock = ProjectLock.acquire(join(dir, 'lock'), 'embedding-cache');
    } catch (error) {
      if (error instanceof UserError && error.code === 'PROJECT_LOCKED') return null;
      throw error;
    }
    try {
      const client = await openPgliteDatabase(join(dir, 'pgdata'), this.cacheDir);
      await applyMigrations(client, EMBEDDING_CACHE_MIGRATIONS);
      return new SqlEmbeddingCache(client, async () => {
        try {
          await client.close();
        } finally {
          lock.release();
        }
      });
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  async close(): Promise<void> {}
}
