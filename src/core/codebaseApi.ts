// The API every adapter (MCP tools, CLI commands) calls. CodebaseService
// implements it in-process; the service client (src/client) implements it
// over the local socket, so the adapters never know which one they talk to.
import type { FrontEndToolCall } from '../mcp/observeToolCalls.js';
import type { IndexProgress } from '../indexer/indexRepository.js';
import type { DriftReport, MissingDatabase, OrphanDatabase, ProjectRecord, RemovedProject } from '../store/projectRegistry.js';
import type { IndexOutcome, IndexRequest, ProjectStatus, SearchOutcome, SyncOutcome } from './codebaseService.js';
import type { IndexJob } from './indexJobs.js';
import type { SearchInput } from './requests.js';

export interface StoreInfo {
  backend: 'embedded' | 'server';
  /** Server mode: the registry's server, password redacted; null embedded. */
  server: string | null;
}

export interface WaitOptions {
  /** Return the job as it is after this long even if it still runs (absent: wait until it ends). */
  timeoutMs?: number;
  /** Called with the job as it progresses (about twice a second). */
  onProgress?: (job: IndexJob) => void;
  signal?: AbortSignal;
}

export interface StartedJob {
  job: IndexJob;
  alreadyRunning: boolean;
}

export interface CodebaseApi {
  storeInfo(): Promise<StoreInfo>;
  /** Indexes in the foreground (CLI); joins a job already running for the project. */
  indexRepository(
    request: IndexRequest,
    options?: { signal?: AbortSignal; onProgress?: (progress: IndexProgress) => void },
  ): Promise<IndexOutcome>;
  /** Indexes in the background (MCP): returns at once with the job (the running one if there is one). */
  startIndexJob(request: IndexRequest): Promise<StartedJob>;
  job(id: string): Promise<IndexJob>;
  /** Resolves when the job ends, or with its state so far after `timeoutMs`. */
  waitForJob(id: string, options?: WaitOptions): Promise<IndexJob>;
  cancelJob(id: string): Promise<IndexJob>;
  resolveProject(explicit: string | undefined, directories: string[]): Promise<ProjectRecord>;
  search(input: SearchInput, directories: string[]): Promise<SearchOutcome>;
  status(explicit: string | undefined, directories: string[]): Promise<ProjectStatus>;
  /** Brings the index up to date with the files now (what the watcher does by itself). */
  syncIndex(explicit: string | undefined, directories: string[]): Promise<SyncOutcome>;
  listProjects(): Promise<(ProjectRecord & { indexing: boolean })[]>;
  projectDrift(): Promise<DriftReport>;
  removeProject(name: string): Promise<RemovedProject>;
  repairMissingDatabases(): Promise<MissingDatabase[]>;
  dropOrphanDatabases(): Promise<OrphanDatabase[]>;
  /** Through the service only: counts a front end's tool call in the service's metrics (never fails the caller). */
  recordToolCall?(call: FrontEndToolCall): Promise<void>;
  close(): Promise<void>;
}
