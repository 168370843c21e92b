// The one core API. The CLI and the MCP server are thin adapters over it:
// they parse input, call these methods, and format what comes back.
import { realpath, stat } from 'node:fs/promises';
import { basename, isAbsolute, resolve, sep } from 'node:path';
import type { Config } from '../config/config.js';
import type { Embedder } from '../embed/embedder.js';
import { UserError } from '../errors/userError.js';
import { indexRepository, type IndexProgress, type IndexSummary } from '../indexer/indexRepository.js';
import type { Logger } from '../logging/logger.js';
import { searchChunks, type SearchResponse } from '../search/hybridSearcher.js';
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
  type RemovedProject,
} from '../store/projectRegistry.js';
import { ServerProjectRegistry } from '../store/serverProjectRegistry.js';
import type { EmbedderInfo, IndexCounts } from '../store/projectStore.js';
import { IndexJobs, type IndexJob } from './indexJobs.js';
import { OpenProjects } from './openProjects.js';
import { DEFAULT_LIMIT, DEFAULT_MAX_TOKENS, type SearchInput } from './requests.js';
import { createHash } from 'node:crypto';
import type { CodebaseApi, StartedJob, StoreInfo, WaitOptions } from './codebaseApi.js';
import { redactUrl } from '../store/serverUrl.js';

export interface IndexRequest {
  path: string;
  project?: string;
  force?: boolean;
  /** Server mode: create a new project's database on this server instead of the registry's. */
  serverUrl?: string;
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
}

export interface SearchOutcome extends SearchResponse {
  project: string;
}

export type EmbedderLoader = () => Promise<Embedder>;

/** How often a waiting caller hears about a running job. */
const PROGRESS_INTERVAL_MS = 500;

export class CodebaseService implements CodebaseApi {
  readonly jobs = new IndexJobs();
  private readonly projects: OpenProjects;
  private embedderPromise: Promise<Embedder> | null = null;

  constructor(
    readonly config: Config,
    private readonly registry: ProjectRegistry,
    private readonly loadEmbedder: EmbedderLoader,
    private readonly logger: Logger,
    idleTimeoutMs = config.idleTimeoutMs,
  ) {
    this.projects = new OpenProjects(registry, idleTimeoutMs);
  }

  /** Server mode when a database URL is configured, the embedded store otherwise. */
  static create(config: Config, loadEmbedder: EmbedderLoader, logger: Logger, options: { idleTimeoutMs?: number } = {}): CodebaseService {
    const registry = config.databaseUrl
      ? new ServerProjectRegistry({
          databaseUrl: config.databaseUrl,
          registryDatabase: config.registryDatabase,
          maxOpenProjects: config.maxOpenProjects,
          projectPoolSize: config.projectPoolSize,
        })
      : new EmbeddedProjectRegistry(config.home, config.cacheDir);
    return new CodebaseService(config, registry, loadEmbedder, logger, options.idleTimeoutMs);
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
    const absolute = isAbsolute(path) ? path : resolve(base, path);
    const info = await stat(absolute).catch(() => null);
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
    return this.registry.create(name, root, { serverUrl: request.serverUrl });
  }

  private async runIndex(
    project: ProjectRecord,
    force: boolean,
    signal?: AbortSignal,
    onProgress?: (progress: IndexProgress) => void,
  ): Promise<IndexSummary> {
    const embedder = await this.embedder();
    const embeddingCache = embedder.costly ? await this.registry.openEmbeddingCache() : null;
    if (embedder.costly && !embeddingCache) this.logger.warn('the shared embedding cache is in use by another process; indexing without it');
    // The lock keeps other processes (server mode) from indexing this project at the same time.
    const summary = await this.projects
      .use(project.name, (open) =>
        open.store.withIndexingLock(project.name, () =>
          indexRepository(open.store, project.root, embedder, {
            force,
            signal,
            onProgress,
            maxFileBytes: this.config.maxFileBytes,
            embeddingCache,
          }),
        ),
      )
      .finally(() => embeddingCache?.release());
    await this.registry.recordIndex(project.name, {
      finishedAt: new Date().toISOString(),
      files: summary.totalFiles,
      chunks: summary.totalChunks,
      durationMs: summary.durationMs,
    });
    this.logger.info(
      `indexed ${project.name}: ${summary.filesIndexed} files changed, ${summary.filesUnchanged} unchanged, ${summary.filesDeleted} removed, ${summary.chunksEmbedded} chunks embedded in ${summary.durationMs} ms`,
    );
    return summary;
  }

  /** Indexes in the foreground (CLI). */
  async indexRepository(
    request: IndexRequest,
    options: { signal?: AbortSignal; onProgress?: (progress: IndexProgress) => void } = {},
  ): Promise<IndexOutcome> {
    const project = await this.prepareIndex(request);
    this.assertNotIndexing(project.name);
    const summary = await this.runIndex(project, request.force === true, options.signal, options.onProgress);
    return { project, summary };
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
    return this.jobs.start(
      project.name,
      project.root,
      (signal, onProgress) => this.runIndex(project, request.force === true, signal, onProgress),
      options.jobId,
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

  async search(input: SearchInput, directories: string[]): Promise<SearchOutcome> {
    const project = await this.resolveProject(input.project, directories);
    const mode = input.mode ?? 'hybrid';
    const response = await this.projects.use(project.name, async (open) => {
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
            'Re-index it with --force (MCP: force: true), or search with mode "lexical".',
          );
        }
        return embedder.embedQuery(text);
      };
      return searchChunks(open.store, embedQuery, project.root, {
        query: input.query,
        mode,
        limit: input.limit ?? DEFAULT_LIMIT,
        languages: input.language ? [input.language] : undefined,
        extensions: input.extension ? [input.extension] : undefined,
        path: input.path,
        maxTokens: input.max_tokens ?? DEFAULT_MAX_TOKENS,
        contextLines: input.context_lines,
      });
    });
    return { project: project.name, ...response };
  }

  async status(explicit: string | undefined, directories: string[]): Promise<ProjectStatus> {
    const project = await this.resolveProject(explicit, directories);
    const job = this.jobs.runningFor(project.name) ?? this.jobs.latestFor(project.name) ?? null;
    const { counts, embedder, embeddingsPending } = await this.projects.use(project.name, async (open) => ({
      counts: await open.store.counts(),
      embedder: (await open.store.embedder()) ?? null,
      embeddingsPending: (await open.store.chunksAwaitingEmbedding(0)).pending,
    }));
    return { project, counts, embedder, embeddingsPending, job };
  }

  async listProjects(): Promise<(ProjectRecord & { indexing: boolean })[]> {
    const projects = await this.registry.list();
    return projects.map((project) => ({ ...project, indexing: this.jobs.runningFor(project.name) !== undefined }));
  }

  /** Registry entries whose database is missing, and project databases no entry names. */
  async projectDrift(): Promise<DriftReport> {
    return this.registry.drift();
  }

  /** Deletes a project's index and its registry entry. */
  async removeProject(name: string): Promise<RemovedProject> {
    validateProjectName(name);
    this.assertNotIndexing(name);
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
    await this.jobs.cancelAll();
    await this.projects.closeAll();
    await this.registry.close();
  }
}
