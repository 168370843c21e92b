// The one core API. The CLI and the MCP server are thin adapters over it:
// they parse input, call these methods, and format what comes back.
import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, resolve, sep } from 'node:path';
import type { Config } from '../config/config.js';
import type { Embedder } from '../embed/embedder.js';
import { describeError, UserError } from '../errors/userError.js';
import { storageError } from '../errors/storageErrors.js';
import {
  filesChangedSinceIndexed,
  indexPaths,
  indexRepository,
  INDEXED_AT_KEY,
  type IndexProgress,
  type IndexSummary,
} from '../indexer/indexRepository.js';
import type { Logger } from '../logging/logger.js';
import { fusionFor, pathMatcher, searchChunks, type SearchHit, type SearchResponse } from '../search/hybridSearcher.js';
import {
  EmbeddedProjectRegistry,
  projectNameFromDirectory,
  unknownProjectError,
  validateProjectName,
  type DriftReport,
  type MissingDatabase,
  type OrphanDatabase,
  type ProjectRecord,
  type ProjectRegistry,
  type OpenProject,
  type RemovedProject,
} from '../store/projectRegistry.js';
import type { EmbeddingCache } from '../store/embeddingCache.js';
import { defaultModelChangeNote } from '../embed/modelChange.js';
import { ServerProjectRegistry } from '../store/serverProjectRegistry.js';
import type { EmbedderInfo, IndexCounts } from '../store/projectStore.js';
import { ForegroundGate } from './foregroundGate.js';
import { IndexJobs, type IndexJob, type IndexWork, type JobTrigger } from './indexJobs.js';
import { OpenProjects } from './openProjects.js';
import { checkRepositoryPath, DEFAULT_LIMIT, DEFAULT_MAX_TOKENS, type SearchInput } from './requests.js';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { backupProject, restoreProject, type BackupOutcome, type RestoreOutcome, type RestoreRequest } from '../backup/backupRestore.js';
import type { SnapshotProgress } from '../backup/dumpProject.js';
import { MigrationGuard, type MigrationPlan } from '../backup/migrationGuard.js';
import type { CodebaseApi, StartedJob, StoreInfo, WaitOptions } from './codebaseApi.js';
import { redactUrl } from '../store/serverUrl.js';

export interface ProjectMigration extends MigrationPlan {
  project: string;
  /** The snapshot taken before migrating (migrate without --dry-run). */
  snapshot: string | null;
}
import type { WatchFactory } from '../watch/fileWatcher.js';
import type { ApplyContext, ChangeBatch, WatcherStatus } from '../watch/projectWatcher.js';
import { ProjectWatchers } from '../watch/projectWatchers.js';
import { staleFiles } from '../watch/staleResults.js';
import type { WatchObserver } from '../watch/watcherStatus.js';

export interface IndexRequest {
  path: string;
  project?: string;
  force?: boolean;
  /** Server mode: create a new project's database on this server instead of the registry's. */
  serverUrl?: string;
  /** Outside a git repository, apply .gitignore files too (default: the `noRequireGit` setting). */
  noRequireGit?: boolean;
}

export interface IndexOutcome {
  project: ProjectRecord;
  summary: IndexSummary;
}

export interface ProjectStatus {
  project: ProjectRecord;
  counts: IndexCounts;
  embedder: EmbedderInfo | null;
  /** Chunks written but without vectors yet (searchable by full text only). */
  embeddingsPending: number;
  job: IndexJob | null;
  /** Whether this process watches the project's files, and how far behind it is. */
  watcher: WatcherStatus;
  /** When the index was last brought up to date with the files (ISO), or null. */
  indexedAt: string | null;
}

/** A result, and whether its file changed on disk since it was indexed. */
export interface FreshSearchHit extends SearchHit {
  stale: boolean;
}

export interface SearchOutcome extends Omit<SearchResponse, 'results'> {
  project: string;
  results: FreshSearchHit[];
  /** When the index was last brought up to date with the files (ISO), or null. */
  indexedAt: string | null;
  /** Changes seen by the watcher and not yet in the index; null when nothing watches the project. */
  pendingChanges: number | null;
  watcher: WatcherStatus['state'];
}

/** What sync_index / `codebase-mcp sync` did. */
export interface SyncOutcome {
  project: ProjectRecord;
  job: IndexJob;
  summary: IndexSummary;
}

export interface CodebaseServiceOptions {
  idleTimeoutMs?: number;
  /**
   * Watch indexed projects' files and apply changes as they happen: for
   * long-lived hosts (serve, the service) only. Default off, so one-shot
   * commands never start watchers. CODEBASE_MCP_WATCH=0 overrides it.
   */
  watch?: boolean;
  /** Tests: another file watcher than chokidar. */
  watchFactory?: WatchFactory;
  /** Told about watcher events and lag (the service's metrics). */
  watchObserver?: WatchObserver;
}

export type EmbedderLoader = () => Promise<Embedder>;

/** How often a waiting caller hears about a running job. */
const PROGRESS_INTERVAL_MS = 500;

export class CodebaseService implements CodebaseApi {
  readonly jobs = new IndexJobs();
  /** Searches go first: index jobs yield to them between steps. */
  private readonly foreground = new ForegroundGate();
  private readonly projects: OpenProjects;
  private embedderPromise: Promise<Embedder> | null = null;
  readonly watchers: ProjectWatchers;

  constructor(
    readonly config: Config,
    private readonly registry: ProjectRegistry,
    private readonly loadEmbedder: EmbedderLoader,
    private readonly logger: Logger,
    idleTimeoutMs = config.idleTimeoutMs,
    options: Pick<CodebaseServiceOptions, 'watch' | 'watchFactory' | 'watchObserver'> = {},
    private readonly guard = CodebaseService.migrationGuard(config),
  ) {
    this.projects = new OpenProjects(registry, idleTimeoutMs);
    this.watchers = new ProjectWatchers({
      enabled: options.watch === true,
      config,
      logger,
      watchFactory: options.watchFactory,
      observer: options.watchObserver,
      apply: (project, batch, context) => this.applyWatchedChanges(project, batch, context),
    });
    if (options.watch) void this.watchIndexedProjects();
  }

  /** Pre-migration snapshots under $CODEBASE_MCP_HOME/snapshots/<project>/. */
  static migrationGuard(config: Config): MigrationGuard {
    return new MigrationGuard({ dir: join(config.home, 'snapshots'), keep: config.snapshotKeep, maxBytes: config.snapshotMaxMb * 1024 * 1024 });
  }

  /** Server mode when a database URL is configured, the embedded store otherwise. */
  static create(config: Config, loadEmbedder: EmbedderLoader, logger: Logger, options: CodebaseServiceOptions = {}): CodebaseService {
    const guard = CodebaseService.migrationGuard(config);
    const registry = config.databaseUrl
      ? new ServerProjectRegistry({
          databaseUrl: config.databaseUrl,
          registryDatabase: config.registryDatabase,
          maxOpenProjects: config.maxOpenProjects,
          projectPoolSize: config.projectPoolSize,
          schemaGuard: guard,
        })
      : new EmbeddedProjectRegistry(config.home, config.cacheDir, guard);
    return new CodebaseService(config, registry, loadEmbedder, logger, options.idleTimeoutMs, options, guard);
  }

  get backend(): ProjectRegistry['backend'] {
    return this.registry.backend;
  }

  async storeInfo(): Promise<StoreInfo> {
    return { backend: this.registry.backend, server: this.config.databaseUrl ? redactUrl(this.config.databaseUrl) : null };
  }

  private embedder(): Promise<Embedder> {
    this.embedderPromise ??= this.loadEmbedder().catch((error: unknown) => {
      this.embedderPromise = null;
      throw error;
    });
    return this.embedderPromise;
  }

  /** An existing directory, as an absolute real path (symlinks resolved). */
  async repositoryRoot(path: string, base = process.cwd()): Promise<string> {
    checkRepositoryPath(path);
    const absolute = isAbsolute(path) ? path : resolve(base, path);
    const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EACCES' || error.code === 'EPERM') {
        throw new UserError('PATH_UNREADABLE', `Path ${absolute} cannot be reached (${error.code}).`, 'Check the permissions of its parent folders, or run as a user who can read it.');
      }
      return null;
    });
    if (!info) {
      throw new UserError('PATH_NOT_FOUND', `Path ${absolute} does not exist.`, 'Pass the directory of a repository to index.');
    }
    if (!info.isDirectory()) {
      throw new UserError(
        'NOT_A_DIRECTORY',
        `Path ${absolute} is a file, not a directory.`,
        'Pass the repository directory that contains it instead.',
      );
    }
    try {
      await access(absolute, constants.R_OK | constants.X_OK);
    } catch (error) {
      throw new UserError(
        'PATH_UNREADABLE',
        `Directory ${absolute} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'no access'}).`,
        'Check its permissions (it needs read and execute for this user), or run as a user who can read it.',
      );
    }
    return realpath(absolute);
  }

  /** The explicit name, else the project already indexing this root, else one derived from the directory name. */
  private async projectNameFor(root: string, explicit: string | undefined): Promise<string> {
    if (explicit) return validateProjectName(explicit);
    const projects = await this.registry.list();
    const same = projects.find((project) => project.root === root);
    if (same) return same.name;
    const name = projectNameFromDirectory(basename(root));
    const taken = projects.find((project) => project.name === name);
    if (!taken) return name;
    return `${name.slice(0, 50)}-${createHash('sha1').update(root).digest('hex').slice(0, 8)}`;
  }

  private async prepareIndex(request: IndexRequest): Promise<ProjectRecord> {
    const root = await this.repositoryRoot(request.path);
    const name = await this.projectNameFor(root, request.project);
    return this.registry.create(name, root, { serverUrl: request.serverUrl }).catch((error: unknown) => {
      throw storageError(error, this.config.home) ?? error;
    });
  }

  private async runIndex(
    project: ProjectRecord,
    force: boolean,
    signal?: AbortSignal,
    onProgress?: (progress: IndexProgress) => void,
    noRequireGit = this.config.noRequireGit,
  ): Promise<IndexSummary> {
    return this.runIndexWork(project, 'index', (store, embedder, embeddingCache) =>
      indexRepository(store, project.root, embedder, {
        force,
        signal,
        onProgress,
        maxFileBytes: this.config.maxFileBytes,
        embeddingCache,
        scan: { requireGit: !noRequireGit },
        foreground: this.foreground.forJob(project.name),
      }),
    );
  }

  /** Opens the project under its indexing lock, runs `work`, records the outcome. */
  private async runIndexWork(
    project: ProjectRecord,
    trigger: JobTrigger,
    work: (store: OpenProject['store'], embedder: Embedder, embeddingCache: EmbeddingCache | null) => Promise<IndexSummary>,
  ): Promise<IndexSummary> {
    const embedder = await this.embedder();
    const embeddingCache = embedder.costly ? await this.registry.openEmbeddingCache() : null;
    if (embedder.costly && !embeddingCache) this.logger.warn('the shared embedding cache is in use by another process; indexing without it');
    // The lock keeps other processes (server mode) from indexing this project at the same time.
    const summary = await this.projects
      .use(project.name, async (open) => {
        const done = await open.store.withIndexingLock(project.name, () => work(open.store, embedder, embeddingCache));
        // Searches after a job find its index in memory (a one-shot CLI has no use for it).
        if (this.projects.keepsProjectsOpen) open.store.warmInMemoryIndex();
        return done;
      })
      .catch((error: unknown) => {
        throw storageError(error, this.config.home) ?? error; // disk full or read-only: the user's to fix
      })
      .finally(() => embeddingCache?.release());
    await this.registry.recordIndex(project.name, {
      finishedAt: new Date().toISOString(),
      files: summary.totalFiles,
      chunks: summary.totalChunks,
      durationMs: summary.durationMs,
    });
    const what = trigger === 'index' ? 'indexed' : trigger === 'sync' ? 'synced' : 'applied watched changes to';
    this.logger.info(
      `${what} ${project.name}: ${summary.filesIndexed} files changed, ${summary.filesUnchanged} unchanged, ${summary.filesDeleted} removed, ${summary.chunksEmbedded} chunks embedded in ${summary.durationMs} ms`,
    );
    // A project is watched from its first finished index on (in hosts that watch).
    void this.watchers.watch(project).catch((error: unknown) => this.logger.warn(`watching ${project.root} failed: ${describeError(error)}`));
    return summary;
  }

  /** Indexes in the foreground (CLI). */
  async indexRepository(
    request: IndexRequest,
    options: { signal?: AbortSignal; onProgress?: (progress: IndexProgress) => void } = {},
  ): Promise<IndexOutcome> {
    const project = await this.prepareIndex(request);
    await this.afterShortJobs(project.name);
    this.assertNotIndexing(project.name);
    // A job like any other, so a watcher's changes wait for it instead of running beside it.
    const job = await this.runJob(project, 'index', (signal, onProgress) =>
      this.runIndex(project, request.force === true, options.signal ? AbortSignal.any([signal, options.signal]) : signal, (progress) => {
        onProgress(progress);
        options.onProgress?.(progress);
      }, request.noRequireGit),
    );
    return { project, summary: job.summary as IndexSummary };
  }

  /** Waits out running sync and watcher jobs (they are short); a running index job stays. */
  private async afterShortJobs(name: string): Promise<void> {
    for (let running = this.jobs.runningFor(name); running && running.trigger !== 'index'; running = this.jobs.runningFor(name)) {
      await this.jobs.wait(running.id);
    }
  }

  /** Starts `work` as a job and waits for it; throws what it failed with (PROJECT_LOCKED, a cancel, …). */
  private async runJob(project: ProjectRecord, trigger: JobTrigger, work: IndexWork): Promise<IndexJob> {
    let failure: unknown = null;
    const { job } = this.jobs.start(
      project.name,
      project.root,
      (signal, onProgress) =>
        work(signal, onProgress).catch((error: unknown) => {
          failure = error;
          throw error;
        }),
      { trigger },
    );
    await this.jobs.wait(job.id);
    if (failure) throw failure;
    return job;
  }

  private assertNotIndexing(name: string): void {
    const running = this.jobs.runningFor(name);
    if (running) {
      throw new UserError(
        'INDEX_IN_PROGRESS',
        `Project '${name}' is being indexed already (job ${running.id}).`,
        'Wait for that job to finish (get_indexing_status) or cancel it (cancel_indexing).',
      );
    }
  }

  /** Indexes in the background (MCP): returns at once with the job. `jobId` names it (a job resumed by a new service keeps its id). */
  async startIndexJob(request: IndexRequest, options: { jobId?: string } = {}): Promise<StartedJob> {
    const project = await this.prepareIndex(request);
    // A watcher's or a sync's job is short: the index request runs after it rather than being answered by it.
    await this.afterShortJobs(project.name);
    return this.jobs.start(
      project.name,
      project.root,
      (signal, onProgress) => this.runIndex(project, request.force === true, signal, onProgress, request.noRequireGit),
      { id: options.jobId },
    );
  }

  /**
   * Which project a call means: the explicit name, else the project whose
   * repository contains one of `directories` (deepest wins), else an error
   * listing the projects. Never a guess.
   */
  async resolveProject(explicit: string | undefined, directories: string[]): Promise<ProjectRecord> {
    const projects = await this.registry.list();
    if (explicit) {
      const found = projects.find((project) => project.name === validateProjectName(explicit));
      if (!found) throw unknownProjectError(explicit, projects);
      return found;
    }
    const containing = projects
      .filter((project) => directories.some((dir) => dir === project.root || dir.startsWith(project.root + sep)))
      .sort((a, b) => b.root.length - a.root.length);
    if (containing[0]) return containing[0];
    const known = projects.length
      ? `Known projects: ${projects.map((project) => `${project.name} (${project.root})`).join(', ')}.`
      : 'No project has been indexed yet.';
    throw new UserError(
      'NO_PROJECT_FOR_DIRECTORY',
      `No indexed project contains ${directories.join(' or ') || 'the working directory'}. ${known}`,
      projects.length
        ? 'Pass the project name (--project NAME, MCP: project), or index this repository first.'
        : 'Index a repository first: codebase-mcp index <path> (MCP: index_repository).',
    );
  }

  /** `options.traceCandidates`: bench quality's candidate lists (not part of the tool's input). */
  async search(input: SearchInput, directories: string[], options: { traceCandidates?: boolean } = {}): Promise<SearchOutcome> {
    if (input.path) pathMatcher(input.path); // a malformed glob is refused before anything is opened
    const project = await this.resolveProject(input.project, directories);
    const mode = input.mode ?? 'hybrid';
    // Index jobs wait for it between their steps (an embedded store's statements run on this thread).
    const response = await this.foreground.run(project.name, () => this.projects.use(project.name, async (open) => {
      const stored = await open.store.embedder();
      if (!stored) {
        throw new UserError(
          'NOT_INDEXED',
          `Project '${project.name}' has no index yet${this.jobs.runningFor(project.name) ? ' (its first indexing job is still running)' : ''}.`,
          'Wait for indexing to finish (get_indexing_status), or run codebase-mcp index on its repository.',
        );
      }
      const embedQuery = async (text: string) => {
        const embedder = await this.embedder();
        if (embedder.id !== stored.id || embedder.dimensions !== stored.dimensions) {
          throw new UserError(
            'MODEL_MISMATCH',
            `Project '${project.name}' was indexed with ${stored.id} (${stored.dimensions} dimensions) but the configured embedder is ${embedder.id} (${embedder.dimensions} dimensions).`,
            `Re-index it with --force (MCP: force: true), or search with mode "lexical".${defaultModelChangeNote(stored.id, embedder.id)}`,
          );
        }
        return embedder.embedQuery(text);
      };
      const found = await searchChunks(open.store, embedQuery, project.root, {
        query: input.query,
        mode,
        limit: input.limit ?? DEFAULT_LIMIT,
        languages: input.language ? [input.language] : undefined,
        extensions: input.extension ? [input.extension] : undefined,
        path: input.path,
        maxTokens: input.max_tokens ?? DEFAULT_MAX_TOKENS,
        contextLines: input.context_lines,
        traceCandidates: options.traceCandidates,
        fusion: fusionFor(stored.id),
      });
      // A long-lived service reads the project into memory after its first search, not its second.
      if (this.projects.keepsProjectsOpen) open.store.warmInMemoryIndex();
      const stale = await staleFiles(open.store, project.root, found.results.map((hit) => hit.path));
      return { ...found, stale, indexedAt: await this.indexedAt(open.store, project) };
    }));
    const { stale, ...found } = response;
    const watcher = this.watchers.status(project.name);
    const results = found.results.map((hit) => ({ ...hit, stale: stale.has(hit.path) }));
    const staleCount = results.filter((hit) => hit.stale).length;
    if (staleCount > 0) {
      found.notices.push(
        `${staleCount} result${staleCount === 1 ? ' comes from a file' : 's come from files'} changed on disk since indexed (stale: true)` +
          (watcher.state === 'watching' ? ': the watcher is applying the change.' : ': run sync_index (codebase-mcp sync) to bring the index up to date.'),
      );
    }
    return { project: project.name, ...found, results, pendingChanges: watcher.pendingChanges, watcher: watcher.state };
  }

  /** When the index last caught up with the files: the indexer's own record, else the registry's. */
  private async indexedAt(store: OpenProject['store'], project: ProjectRecord): Promise<string | null> {
    return (await store.getMeta<string>(INDEXED_AT_KEY)) ?? project.lastIndex?.finishedAt ?? null;
  }

  /**
   * Reads a project's index into memory now, as a long-lived service does after
   * its first search (benchmarks time searches from there); false when the
   * project is too large for it and its searches rank in the database.
   */
  async readIntoMemory(name: string): Promise<boolean> {
    const project = await this.resolveProject(name, []);
    return this.projects.use(project.name, (open) => open.store.readIntoMemory());
  }

  async status(explicit: string | undefined, directories: string[]): Promise<ProjectStatus> {
    const project = await this.resolveProject(explicit, directories);
    const job = this.jobs.runningFor(project.name) ?? this.jobs.latestFor(project.name) ?? null;
    const { counts, embedder, embeddingsPending, indexedAt } = await this.projects.use(project.name, async (open) => ({
      counts: await open.store.counts(),
      embedder: (await open.store.embedder()) ?? null,
      embeddingsPending: (await open.store.chunksAwaitingEmbedding(0)).pending,
      indexedAt: await this.indexedAt(open.store, project),
    }));
    return { project, counts, embedder, embeddingsPending, job, watcher: this.watchers.status(project.name), indexedAt };
  }

  /**
   * Brings a project's index up to date with its files now (what the watcher
   * does, on demand): every file is looked at by size and mtime, and only
   * those that differ are read. Waits for a job already running on the
   * project, then runs its own; returns what it added, changed and removed.
   */
  async syncIndex(explicit: string | undefined, directories: string[]): Promise<SyncOutcome> {
    const project = await this.resolveProject(explicit, directories);
    await this.assertIndexed(project);
    // This sync covers everything the watcher has seen so far.
    this.watchers.get(project.name)?.clearPending();
    const job = await this.runChangeJob(project, null, 'sync');
    return { project, job, summary: job.summary as IndexSummary };
  }

  private async assertIndexed(project: ProjectRecord): Promise<void> {
    const indexed = await this.projects.use(project.name, async (open) => (await open.store.embedder()) !== undefined);
    if (!indexed) {
      throw new UserError('NOT_INDEXED', `Project '${project.name}' has no index yet.`, `Index it first: codebase-mcp index ${project.root} (MCP: index_repository).`);
    }
  }

  /**
   * One job that applies `paths` (null: whatever differs from the index by
   * size and mtime) after any job already running on the project. Throws
   * what the job failed with (a busy project's PROJECT_LOCKED, say).
   */
  private async runChangeJob(
    project: ProjectRecord,
    paths: string[] | null,
    trigger: JobTrigger,
    context?: ApplyContext,
  ): Promise<IndexJob> {
    for (let running = this.jobs.runningFor(project.name); running; running = this.jobs.runningFor(project.name)) {
      context?.paused(`waiting for indexing job ${running.id} to finish`);
      await this.jobs.wait(running.id);
    }
    return this.runJob(project, trigger, (signal, onProgress) =>
      this.runIndexWork(project, trigger, async (store, embedder, embeddingCache) => {
        const targets = paths ?? (await filesChangedSinceIndexed(store, project.root, { maxFileBytes: this.config.maxFileBytes }));
        return indexPaths(store, project.root, embedder, targets, {
          signal,
          onProgress,
          maxFileBytes: this.config.maxFileBytes,
          embeddingCache,
          foreground: this.foreground.forJob(project.name),
        });
      }),
    );
  }

  /** The watcher's batch: a job when something differs; a full check that finds nothing runs none. */
  private async applyWatchedChanges(project: ProjectRecord, batch: ChangeBatch, context: ApplyContext): Promise<void> {
    const paths =
      batch === 'all'
        ? await this.projects.use(project.name, (open) => filesChangedSinceIndexed(open.store, project.root, { maxFileBytes: this.config.maxFileBytes }))
        : batch;
    if (paths.length > 0) await this.runChangeJob(project, paths, 'watch', context);
  }

  /** Every registered project's watcher state (what `service status` lists as watched). */
  async watcherStatuses(): Promise<{ project: string; root: string; watcher: WatcherStatus }[]> {
    const projects = await this.registry.list();
    return projects.map((project) => ({ project: project.name, root: project.root, watcher: this.watchers.status(project.name) }));
  }

  /** Long-lived hosts: watch every project that has been indexed. */
  private async watchIndexedProjects(): Promise<void> {
    try {
      for (const project of await this.registry.list()) {
        if (project.lastIndex) await this.watchers.watch(project);
      }
    } catch (error) {
      this.logger.warn(`could not start watching the indexed projects: ${describeError(error)}`);
    }
  }

  async listProjects(): Promise<(ProjectRecord & { indexing: boolean })[]> {
    const projects = await this.registry.list();
    return projects.map((project) => ({ ...project, indexing: this.jobs.runningFor(project.name) !== undefined }));
  }

  /** Files and chunks per language of a project's index. */
  async languageCounts(name: string): Promise<{ language: string; files: number; chunks: number }[]> {
    return this.projects.use(validateProjectName(name), (open) => open.store.languageCounts());
  }

  /** For /readyz: the registry answers and the embedder is loaded; throws what is not ready. */
  async checkReady(): Promise<{ projects: number; embedder: string }> {
    const projects = await this.registry.list();
    const embedder = await this.embedder();
    return { projects: projects.length, embedder: embedder.id };
  }

  /** Project stores open now, and the most kept open (server mode). */
  storeUsage(): { open: number; limit: number | null } {
    return { open: this.projects.size, limit: this.registry.backend === 'server' ? this.config.maxOpenProjects : null };
  }

  /** Registry entries whose database is missing, and project databases no entry names. */
  async projectDrift(): Promise<DriftReport> {
    return this.registry.drift();
  }

  /** Deletes a project's index and its registry entry. */
  async removeProject(name: string): Promise<RemovedProject> {
    validateProjectName(name);
    this.assertNotIndexing(name);
    await this.watchers.unwatch(name);
    // A long-lived process (the service) may hold it open; its own lock must not stand in the way.
    await this.projects.close(name);
    return this.registry.remove(name);
  }

  async repairMissingDatabases(): Promise<MissingDatabase[]> {
    return this.registry.repairMissing();
  }

  async dropOrphanDatabases(): Promise<OrphanDatabase[]> {
    return this.registry.dropOrphans();
  }

  /** Writes a snapshot of the project's index to `out` (see docs/architecture.md, "Snapshots"). */
  async backup(name: string, out: string, onProgress?: (progress: SnapshotProgress) => void): Promise<BackupOutcome> {
    await this.projects.release(name);
    return backupProject(this.registry, name, out, onProgress);
  }

  /** Restores a snapshot into a staging database, verifies it, then replaces (or creates) the project. */
  async restore(request: RestoreRequest): Promise<RestoreOutcome> {
    const name = request.project ?? null;
    if (name) this.assertNotIndexing(validateProjectName(name));
    const outcome = await restoreProject(this.registry, {
      ...request,
      beforeReplace: async (project) => {
        this.assertNotIndexing(project);
        await this.projects.release(project);
      },
    });
    this.logger.info(`restored ${outcome.project} from ${outcome.file} in ${outcome.durationMs} ms`);
    return outcome;
  }

  private async projectNames(explicit: string | undefined): Promise<string[]> {
    if (explicit) return [(await this.resolveProject(explicit, [])).name];
    return (await this.registry.list()).map((project) => project.name);
  }

  /** What migrating would change, per project, without changing anything. */
  async migrationPlans(explicit?: string): Promise<ProjectMigration[]> {
    const plans: ProjectMigration[] = [];
    for (const name of await this.projectNames(explicit)) {
      const raw = await this.registry.openDatabase(name);
      try {
        plans.push({ project: name, ...(await this.guard.plan(raw.client)), snapshot: null });
      } finally {
        await raw.close();
      }
    }
    return plans;
  }

  /** Migrates every project (or one) that needs it, each after a snapshot; stops at the first failure. */
  async migrate(explicit?: string): Promise<ProjectMigration[]> {
    const done: ProjectMigration[] = [];
    for (const plan of await this.migrationPlans(explicit)) {
      if (plan.pending.length > 0 || plan.newer) await this.projects.use(plan.project, async () => {});
      done.push({ ...plan, snapshot: plan.pending.length > 0 && plan.from > 0 ? (this.guard.taken.get(plan.project) ?? null) : null });
    }
    return done;
  }

  async job(id: string): Promise<IndexJob> {
    return this.knownJob(id);
  }

  private knownJob(id: string): IndexJob {
    const job = this.jobs.get(id);
    if (!job) {
      throw new UserError('UNKNOWN_JOB', `Unknown indexing job '${id}'.`, 'Use the job_id returned by index_repository, or ask by project instead.');
    }
    return job;
  }

  async cancelJob(id: string): Promise<IndexJob> {
    this.knownJob(id);
    return this.jobs.cancel(id) as IndexJob;
  }

  async waitForJob(id: string, options: WaitOptions = {}): Promise<IndexJob> {
    const job = this.knownJob(id);
    const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
    while (job.state === 'running' && Date.now() < deadline && !options.signal?.aborted) {
      options.onProgress?.(job);
      const tick = Math.min(PROGRESS_INTERVAL_MS, Math.max(0, deadline - Date.now()));
      await Promise.race([this.jobs.wait(id), new Promise((resolve) => setTimeout(resolve, tick))]);
    }
    options.onProgress?.(job);
    return job;
  }

  async close(): Promise<void> {
    await this.watchers.closeAll();
    await this.jobs.cancelAll();
    await this.projects.closeAll();
    await this.registry.close();
  }
}
