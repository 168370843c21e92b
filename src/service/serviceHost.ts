// The long-lived service: one per home, it owns every store and index job
// (a CodebaseService) and answers front ends on a Unix socket (mode 0600).
// It exits after serviceIdleMs with no client connected and no job running,
// when asked to stop (a newer front end replacing it), or when its socket
// disappears from the home.
import { chmodSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Config } from '../config/config.js';
import type { CodebaseService, IndexRequest } from '../core/codebaseService.js';
import { describeError, isUserError } from '../errors/userError.js';
import { storageError } from '../errors/storageErrors.js';
import type { ServiceMetrics } from '../http/serviceMetrics.js';
import type { Logger } from '../logging/logger.js';
import { METHODS, type MethodSpec } from './methods.js';
import { MAX_RESUME_ATTEMPTS, PendingJobs } from './pendingJobs.js';
import {
  clientMessage,
  encodeMessage,
  MAX_MESSAGE_BYTES,
  PACKAGE_VERSION,
  PROTOCOL_VERSION,
  stopParams,
  type RequestMessage,
  type ServiceIdentity,
  type ServiceStatus,
  type WireError,
} from './protocol.js';
import { checkSocketOwner, serviceConfigKey, type ServicePaths } from './serviceFiles.js';

/** How long a stop waits for short calls in flight before closing connections. */
const DRAIN_MS = 5000;
const SOCKET_CHECK_MS = 2000;
/** How long a stop waits for the stores to close (jobs to notice their cancel) before the process exits regardless. */
const CLOSE_DEADLINE_MS = 15_000;

interface Connection {
  socket: Socket;
  inflight: Map<number, { controller: AbortController; long: boolean }>;
}

export class ServiceHost {
  private server: Server | null = null;
  private socketInode: number | null = null;
  private readonly connections = new Set<Connection>();
  private readonly pending: PendingJobs;
  /** Jobs a client cancelled: they are not resumed. */
  private readonly cancelledByClient = new Set<string>();
  private readonly startedAt = new Date();
  private lastActivity = Date.now();
  private timer: NodeJS.Timeout | null = null;
  private lastSocketCheck = 0;
  private stopping: Promise<void> | null = null;
  private readonly configKey: string;
  private markStopped: () => void = () => {};
  /** Resolves once the service has stopped, for whatever reason. */
  readonly stopped = new Promise<void>((resolve) => (this.markStopped = resolve));

  constructor(
    private readonly config: Config,
    private readonly paths: ServicePaths,
    private readonly service: CodebaseService,
    private readonly logger: Logger,
    private readonly metrics?: ServiceMetrics,
  ) {
    this.pending = new PendingJobs(paths.jobs);
    this.configKey = serviceConfigKey(config);
  }

  /** Binds the socket (only we can connect) and starts the idle clock. The caller holds the service lock. */
  async listen(): Promise<void> {
    // We hold the lock, so a socket left here is stale unless another user owns it.
    if (checkSocketOwner(this.paths.socket)) rmSync(this.paths.socket, { force: true });
    const server = createServer((socket) => this.accept(socket));
    const previousMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.paths.socket, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } finally {
      process.umask(previousMask);
    }
    chmodSync(this.paths.socket, 0o600);
    this.socketInode = statSync(this.paths.socket).ino;
    this.server = server;
    server.on('error', (error) => this.logger.error(`socket: ${describeError(error)}`));
    this.timer = setInterval(() => this.tick(), Math.min(1000, this.config.serviceIdleMs));
    this.logger.info(`service ${PACKAGE_VERSION} (protocol ${PROTOCOL_VERSION}) listening on ${this.paths.socket}, idle exit after ${this.config.serviceIdleMs} ms`);
  }

  private resuming: Promise<void> = Promise.resolve();

  /** Starts again the jobs an earlier service left unfinished, under their ids; calls wait until they are known. */
  resumePendingJobs(): Promise<void> {
    this.resuming = this.resume();
    return this.resuming;
  }

  private async resume(): Promise<void> {
    for (const entry of this.pending.list()) {
      if (entry.attempts >= MAX_RESUME_ATTEMPTS) {
        this.logger.warn(`giving up job ${entry.id} (${entry.request.path}): it did not finish in ${entry.attempts} services`);
        this.pending.remove(entry.id);
        continue;
      }
      try {
        this.pending.add({ ...entry, attempts: entry.attempts + 1 });
        const { job, alreadyRunning } = await this.service.startIndexJob(entry.request, { jobId: entry.id });
        this.logger.info(`resumed job ${entry.id} for project '${job.project}' (attempt ${entry.attempts + 1})`);
        if (!alreadyRunning) this.track(job.id, entry.request);
      } catch (error) {
        this.logger.warn(`could not resume job ${entry.id} (${entry.request.path}): ${describeError(error)}`);
        this.pending.remove(entry.id);
      }
    }
  }

  private track(id: string, request: IndexRequest, attempts = 1): void {
    const existing = this.pending.list().find((entry) => entry.id === id);
    if (!existing) this.pending.add({ id, request, attempts, since: new Date().toISOString() });
    void this.service.jobs.wait(id).then((job) => {
      // A job ended by our own shutdown stays owed; the next service resumes it.
      const owed = job && job.state !== 'succeeded' && this.stopping !== null && !this.cancelledByClient.has(id);
      if (!owed) this.pending.remove(id);
      this.lastActivity = Date.now();
    });
  }

  private tick(): void {
    const now = Date.now();
    if (now - this.lastSocketCheck >= SOCKET_CHECK_MS) {
      this.lastSocketCheck = now;
      let inode: number | null = null;
      try {
        inode = statSync(this.paths.socket).ino;
      } catch {
        inode = null;
      }
      if (inode !== this.socketInode) {
        void this.stop('its socket was removed or replaced');
        return;
      }
    }
    const busy = this.connections.size > 0 || this.service.jobs.running().length > 0;
    if (busy) this.lastActivity = now;
    else if (now - this.lastActivity >= this.config.serviceIdleMs) void this.stop(`idle for ${this.config.serviceIdleMs} ms`);
  }

  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    const connection: Connection = { socket, inflight: new Map() };
    this.connections.add(connection);
    this.lastActivity = Date.now();
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_MESSAGE_BYTES) {
        this.logger.warn('a client sent a message over the size limit; closing its connection');
        socket.destroy();
        return;
      }
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim()) this.handleLine(connection, line);
        newline = buffered.indexOf('\n');
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.connections.delete(connection);
      for (const call of connection.inflight.values()) call.controller.abort();
      this.lastActivity = Date.now();
    });
  }

  private send(connection: Connection, message: Record<string, unknown>): void {
    if (!connection.socket.destroyed) connection.socket.write(encodeMessage({ v: PROTOCOL_VERSION, ...message }));
  }

  private handleLine(connection: Connection, line: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      this.logger.warn('a client sent a line that is not JSON; closing its connection');
      connection.socket.destroy();
      return;
    }
    const parsed = clientMessage.safeParse(raw);
    if (!parsed.success) {
      const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : 0;
      this.send(connection, { type: 'error', id, error: { code: 'INVALID_MESSAGE', message: `Not a protocol message: ${parsed.error.issues[0]?.message}.` } });
      return;
    }
    if ('cancel' in parsed.data) {
      connection.inflight.get(parsed.data.cancel)?.controller.abort();
      return;
    }
    void this.handleRequest(connection, parsed.data);
  }

  private async handleRequest(connection: Connection, request: RequestMessage): Promise<void> {
    const controller = new AbortController();
    const spec: MethodSpec | undefined = (METHODS as Record<string, MethodSpec>)[request.method];
    connection.inflight.set(request.id, { controller, long: spec?.long === true });
    try {
      const result = await this.dispatch(connection, request, spec, controller.signal);
      this.send(connection, { type: 'result', id: request.id, result });
    } catch (error) {
      if (!isUserError(error) && !(error as { wireCode?: string }).wireCode) {
        this.logger.error(`${request.method} failed: ${(error as Error).stack ?? String(error)}`);
      }
      this.send(connection, { type: 'error', id: request.id, error: toWireError(storageError(error, this.config.home) ?? error) });
    } finally {
      connection.inflight.delete(request.id);
      this.lastActivity = Date.now();
    }
  }

  private async dispatch(connection: Connection, request: RequestMessage, spec: MethodSpec | undefined, signal: AbortSignal): Promise<unknown> {
    // hello and stop keep their meaning across protocol versions.
    if (request.method === 'hello') return this.identity(connection);
    if (request.method === 'stop') {
      const { reason } = stopParams.parse(request.params ?? {});
      const resumableJobs = this.service.jobs.running().length;
      setImmediate(() => void this.stop(reason));
      return { pid: process.pid, resumableJobs };
    }
    if (request.v !== PROTOCOL_VERSION) {
      throw wireFailure('PROTOCOL_MISMATCH', `This service speaks protocol ${PROTOCOL_VERSION}, the request protocol ${request.v}.`);
    }
    if (this.stopping) throw wireFailure('SERVICE_DRAINING', 'The service is stopping.');
    if (request.method === 'serviceStatus') return this.status(connection);
    if (!spec) throw wireFailure('UNKNOWN_METHOD', `The service has no method '${request.method}' (version ${PACKAGE_VERSION}).`);
    // A front end retrying after a crash asks about a job this service is about to resume.
    await this.resuming;
    const params = spec.params.safeParse(request.params ?? {});
    if (!params.success) {
      const issue = params.error.issues[0];
      throw wireFailure('INVALID_INPUT', `Invalid ${issue.path.join('.') || 'params'} for ${request.method}: ${issue.message}.`);
    }
    const result = await spec.invoke(this.service, params.data, {
      signal,
      emit: (event) => this.send(connection, { type: 'event', id: request.id, event }),
      home: this.paths.home,
      logger: this.logger,
      metrics: this.metrics,
    });
    // Jobs a client started are owed until they end; a client's cancel means they are not resumed.
    if (request.method === 'startIndexJob') {
      const started = result as { job: { id: string }; alreadyRunning: boolean };
      if (!started.alreadyRunning) this.track(started.job.id, (params.data as { request: IndexRequest }).request);
    }
    if (request.method === 'cancelJob') this.cancelledByClient.add((params.data as { id: string }).id);
    return result;
  }

  private identity(connection: Connection): ServiceIdentity {
    return {
      protocol: PROTOCOL_VERSION,
      version: PACKAGE_VERSION,
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      home: this.paths.home,
      socket: this.paths.socket,
      configKey: this.configKey,
      otherClients: [...this.connections].filter((other) => other !== connection).length,
      runningJobs: this.service.jobs.running().length,
    };
  }

  private async status(connection: Connection): Promise<ServiceStatus> {
    const projects = await this.service.listProjects();
    return {
      ...this.identity(connection),
      uptimeMs: Date.now() - this.startedAt.getTime(),
      logFile: this.paths.log,
      backend: this.service.backend,
      // Whole records, with the watcher's state.
      projects: projects.map((project) => ({ ...project, watcher: this.service.watchers.status(project.name).state })),
      jobs: this.service.jobs.running().map((job) => ({ id: job.id, project: job.project, state: job.state, phase: job.progress.phase })),
    };
  }

  /** Stops accepting, lets short calls finish, closes every store (running jobs stay owed), and resolves when done. */
  stop(reason: string): Promise<void> {
    this.stopping ??= (async () => {
      this.logger.info(`stopping: ${reason}`);
      if (this.timer) clearInterval(this.timer);
      if (this.server) {
        this.server.close();
        // Remove the socket only if it is still ours (a successor may have bound it).
        try {
          if (statSync(this.paths.socket).ino === this.socketInode) rmSync(this.paths.socket, { force: true });
        } catch {
          // already gone
        }
      }
      const deadline = Date.now() + DRAIN_MS;
      const shortCallsInFlight = () =>
        [...this.connections].some((connection) => [...connection.inflight.values()].some((call) => !call.long));
      while (shortCallsInFlight() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
      // Waiting callers see the connection close and retry against the next service.
      for (const connection of this.connections) connection.socket.destroy();
      // A job in a step that cannot be interrupted (a vector-index build) must not keep the
      // process alive: the index is crash-safe, so past the deadline we exit and the next
      // service resumes the job.
      let timer: NodeJS.Timeout | undefined;
      const closed = this.service.close().then(
        () => true,
        (error) => {
          this.logger.error(`closing stores: ${describeError(error)}`);
          return true;
        },
      );
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_DEADLINE_MS)));
      if (!(await Promise.race([closed, timedOut]))) this.logger.warn(`stores not closed after ${CLOSE_DEADLINE_MS} ms; exiting anyway (the index is crash-safe)`);
      clearTimeout(timer);
      this.logger.info(`stopped (${this.pending.list().length} jobs left to resume)`);
    })().finally(() => this.markStopped());
    return this.stopping;
  }
}

function wireFailure(code: string, message: string): Error {
  return Object.assign(new Error(message), { wireCode: code });
}

function toWireError(error: unknown): WireError {
  if (isUserError(error)) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  const wireCode = (error as { wireCode?: string }).wireCode;
  return { code: wireCode ?? 'INTERNAL', message: describeError(error) };
}
