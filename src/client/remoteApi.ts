// CodebaseApi over the service socket. Each method is one line naming its
// entry in the dispatch table (src/service/methods.ts). A call the service
// died in the middle of is retried once, against a freshly started service,
// when the table marks it idempotent.
import { resolve } from 'node:path';
import type { CodebaseApi, StartedJob, StoreInfo, WaitOptions } from '../core/codebaseApi.js';
import type { IndexOutcome, IndexRequest, ProjectStatus, SearchOutcome, SyncOutcome } from '../core/codebaseService.js';
import type { IndexJob } from '../core/indexJobs.js';
import { checkRepositoryPath, type SearchInput } from '../core/requests.js';
import { UserError } from '../errors/userError.js';
import type { FrontEndToolCall } from '../mcp/observeToolCalls.js';
import { SEARCH_MODES, type SearchMode } from '../search/searchModes.js';
import type { IndexProgress } from '../indexer/indexRepository.js';
import type { DriftReport, MissingDatabase, OrphanDatabase, ProjectRecord, RemovedProject } from '../store/projectRegistry.js';
import { METHODS, type MethodName, type MethodParams } from '../service/methods.js';
import { connectToService, type ServiceTarget } from './ensureService.js';
import { ServiceConnection, ServiceGoneError, type RequestOptions } from './serviceConnection.js';

/** Same name and message as the indexer's, so the CLI treats an interrupted remote job like a local one. */
export class JobCancelledError extends Error {
  constructor() {
    super('Indexing was cancelled; files written so far stay indexed and the next run finishes the rest.');
    this.name = 'IndexCancelledError';
  }
}

export class RemoteApi implements CodebaseApi {
  private connecting: Promise<ServiceConnection> | null = null;

  constructor(private readonly target: ServiceTarget) {}

  /** Connects (starting the service if need be); later calls reuse the connection while it lives. */
  connect(): Promise<ServiceConnection> {
    if (!this.connecting) {
      const attempt = connectToService(this.target).then(({ connection }) => {
        connection.onClose(() => {
          if (this.connecting === attempt) this.connecting = null;
        });
        return connection;
      });
      attempt.catch(() => {
        if (this.connecting === attempt) this.connecting = null;
      });
      this.connecting = attempt;
    }
    return this.connecting;
  }

  private async call<M extends MethodName>(name: M, params: MethodParams<M>, options: RequestOptions = {}): Promise<any> {
    const spec = METHODS[name];
    const checked = spec.params.safeParse(params);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new UserError('INVALID_INPUT', `Invalid ${issue.path.join('.') || 'input'}: ${issue.message}.`, 'Fix that argument and try again.');
    }
    const event = 'event' in spec ? spec.event : undefined;
    const onEvent = options.onEvent && event ? (raw: unknown) => options.onEvent?.(event.parse(raw)) : undefined;
    for (let attempt = 0; ; attempt++) {
      const connection = await this.connect();
      let raw: unknown;
      try {
        raw = await connection.request(name, checked.data, { ...options, onEvent });
      } catch (error) {
        if (!(error instanceof ServiceGoneError)) throw error;
        if (spec.idempotent && attempt === 0) {
          this.target.logger.warn(`${error.message} Restarting it and retrying ${name}.`);
          continue;
        }
        throw new UserError(
          'SERVICE_UNAVAILABLE',
          `${error.message} (during ${name})`,
          spec.idempotent ? `See ${this.target.paths.log}.` : `Check whether ${name} took effect, then run it again; see ${this.target.paths.log}.`,
        );
      }
      const parsed = spec.result.safeParse(raw);
      if (!parsed.success) {
        throw new Error(`The service answered ${name} with an unexpected shape (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}).`);
      }
      return parsed.data;
    }
  }

  storeInfo = (): Promise<StoreInfo> => this.call('storeInfo', {});
  // The service's working directory is not ours: relative paths are resolved here.
  startIndexJob = async (request: IndexRequest): Promise<StartedJob> => {
    checkRepositoryPath(request.path);
    return this.call('startIndexJob', { request: { ...request, path: resolve(request.path) } });
  };
  job = (id: string): Promise<IndexJob> => this.call('job', { id });
  cancelJob = (id: string): Promise<IndexJob> => this.call('cancelJob', { id });
  waitForJob = (id: string, options: WaitOptions = {}): Promise<IndexJob> =>
    this.call('waitForJob', { id, timeoutMs: options.timeoutMs }, { signal: options.signal, onEvent: options.onProgress as (event: unknown) => void });
  resolveProject = (project: string | undefined, directories: string[]): Promise<ProjectRecord> =>
    this.call('resolveProject', { project, directories });
  search = (input: SearchInput, directories: string[]): Promise<SearchOutcome> => this.call('search', { input, directories });
  status = (project: string | undefined, directories: string[]): Promise<ProjectStatus> => this.call('status', { project, directories });
  syncIndex = (project: string | undefined, directories: string[]): Promise<SyncOutcome> => this.call('syncIndex', { project, directories });
  listProjects = (): Promise<(ProjectRecord & { indexing: boolean })[]> => this.call('listProjects', {});
  projectDrift = (): Promise<DriftReport> => this.call('projectDrift', {});
  removeProject = (name: string): Promise<RemovedProject> => this.call('removeProject', { name });
  repairMissingDatabases = (): Promise<MissingDatabase[]> => this.call('repairMissingDatabases', {});
  dropOrphanDatabases = (): Promise<OrphanDatabase[]> => this.call('dropOrphanDatabases', {});
  recordToolCall = (call: FrontEndToolCall): Promise<void> =>
    this.call('recordToolCall', { ...call, mode: (SEARCH_MODES as readonly string[]).includes(call.mode ?? '') ? (call.mode as SearchMode) : undefined }).then(
      () => {},
      () => {},
    );
  /** The service listens over HTTP until `signal` aborts; `onListening` gets the banner (again after a restart). */
  serveHttp = (address: string, env: Record<string, string>, options: { signal: AbortSignal; onListening: (event: { url: string; banner: string }) => void }): Promise<{ url: string }> =>
    this.call('serveHttp', { address, env }, { signal: options.signal, onEvent: options.onListening as (event: unknown) => void });

  /**
   * The job runs in the service; this front end follows it. Interrupting
   * cancels a job this call started, and only stops waiting for one it joined.
   */
  async indexRepository(
    request: IndexRequest,
    options: { signal?: AbortSignal; onProgress?: (progress: IndexProgress) => void } = {},
  ): Promise<IndexOutcome> {
    const started = await this.startIndexJob(request);
    const onAbort = () => {
      if (!started.alreadyRunning) void this.cancelJob(started.job.id).catch(() => {});
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let job: IndexJob;
    try {
      job = await this.waitForJob(started.job.id, {
        signal: started.alreadyRunning ? options.signal : undefined,
        onProgress: (progress) => options.onProgress?.(progress.progress),
      });
    } catch (error) {
      if (options.signal?.aborted) throw new JobCancelledError();
      throw error;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    if (job.state === 'cancelled' || (job.state === 'running' && options.signal?.aborted)) throw new JobCancelledError();
    if (job.state === 'failed') throw new Error(job.error ?? `Indexing job ${job.id} failed.`);
    const project = await this.resolveProject(job.project, []);
    return { project, summary: job.summary! };
  }

  async close(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = null;
    const connection = await connecting?.catch(() => null);
    connection?.close();
  }
}
