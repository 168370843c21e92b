// The dispatch table: method name → params schema → result schema → the
// CodebaseApi call. The service validates params and calls `invoke`; the
// front end validates params before sending and the result on arrival.
// A new core method is one entry here (and one line in src/client/remoteApi.ts).
import { z } from 'zod';
import type { CodebaseApi } from '../core/codebaseApi.js';
import type { Logger } from '../logging/logger.js';
import type { ServiceMetrics } from '../http/serviceMetrics.js';
import { SEARCH_MODES } from '../search/searchModes.js';
import { HTTP_ENV_NAMES } from '../http/httpSettings.js';
import { indexRequest, searchRequestSchema } from '../core/requests.js';
import {
  driftReportSchema,
  indexJobSchema,
  listedProjectSchema,
  missingDatabasesSchema,
  orphanDatabasesSchema,
  projectRecordSchema,
  projectStatusSchema,
  removedProjectSchema,
  searchOutcomeSchema,
  startedJobSchema,
  storeInfoSchema,
  syncOutcomeSchema,
} from './wireSchemas.js';

export interface CallContext {
  /** Sends a progress event to the caller before the result. */
  emit(event: unknown): void;
  /** Aborted when the caller cancels the request or goes away. */
  signal: AbortSignal;
  /** The service's home and log, for methods that run a server of their own. */
  home: string;
  logger: Logger;
  /** The service's Prometheus registry (served at /metrics by its HTTP listeners). */
  metrics?: ServiceMetrics;
}

export interface MethodSpec<P = any, R = any> {
  params: z.ZodType<P, z.ZodTypeDef, unknown>;
  result: z.ZodType<R, z.ZodTypeDef, unknown>;
  /** Progress events the method streams, if any. */
  event?: z.ZodTypeAny;
  /** Safe to send again after the service died mid-call. */
  idempotent: boolean;
  /** Waits for something long (a job); the service does not hold a drain for it. */
  long?: boolean;
  invoke(api: CodebaseApi, params: P, context: CallContext): Promise<unknown>;
}

function method<P, R>(spec: MethodSpec<P, R>): MethodSpec<P, R> {
  return spec;
}

const none = z.object({}).strict();
const directories = z.array(z.string().max(4096)).max(64);
const jobId = z.string().min(1).max(100);
/** Only bounded here: the core checks names itself, with the message users know. */
const projectName = z.string().min(1).max(200);
/** Absolute, resolved by the front end: the service's working directory means nothing to the caller. */
const indexRequestSchema = z.object({
  ...indexRequest,
  path: z.string().min(1).max(4096).refine((path) => path.startsWith('/'), 'must be an absolute path'),
  project: projectName.optional(),
  serverUrl: z.string().max(2000).optional(),
  noRequireGit: z.boolean().optional(),
});

export const METHODS = {
  storeInfo: method({ params: none, result: storeInfoSchema, idempotent: true, invoke: (api) => api.storeInfo() }),
  startIndexJob: method({
    params: z.object({ request: indexRequestSchema }),
    result: startedJobSchema,
    // A retry joins the job the first call started (or the new service resumed).
    idempotent: true,
    invoke: (api, p) => api.startIndexJob(p.request),
  }),
  job: method({ params: z.object({ id: jobId }), result: indexJobSchema, idempotent: true, invoke: (api, p) => api.job(p.id) }),
  waitForJob: method({
    params: z.object({ id: jobId, timeoutMs: z.number().int().min(0).max(24 * 3600 * 1000).optional() }),
    result: indexJobSchema,
    event: indexJobSchema,
    idempotent: true,
    long: true,
    invoke: (api, p, context) =>
      api.waitForJob(p.id, { timeoutMs: p.timeoutMs, signal: context.signal, onProgress: (job) => context.emit(job) }),
  }),
  cancelJob: method({ params: z.object({ id: jobId }), result: indexJobSchema, idempotent: true, invoke: (api, p) => api.cancelJob(p.id) }),
  resolveProject: method({
    params: z.object({ project: projectName.optional(), directories }),
    result: projectRecordSchema,
    idempotent: true,
    invoke: (api, p) => api.resolveProject(p.project, p.directories),
  }),
  search: method({
    params: z.object({ input: searchRequestSchema, directories }),
    result: searchOutcomeSchema,
    idempotent: true,
    invoke: (api, p) => api.search(p.input, p.directories),
  }),
  status: method({
    params: z.object({ project: projectName.optional(), directories }),
    result: projectStatusSchema,
    idempotent: true,
    invoke: (api, p) => api.status(p.project, p.directories),
  }),
  syncIndex: method({
    params: z.object({ project: projectName.optional(), directories }),
    result: syncOutcomeSchema,
    idempotent: true,
    invoke: (api, p) => api.syncIndex(p.project, p.directories),
  }),
  listProjects: method({ params: none, result: z.array(listedProjectSchema), idempotent: true, invoke: (api) => api.listProjects() }),
  projectDrift: method({ params: none, result: driftReportSchema, idempotent: true, invoke: (api) => api.projectDrift() }),
  removeProject: method({
    params: z.object({ name: projectName }),
    result: removedProjectSchema,
    idempotent: false,
    invoke: (api, p) => api.removeProject(p.name),
  }),
  repairMissingDatabases: method({ params: none, result: missingDatabasesSchema, idempotent: false, invoke: (api) => api.repairMissingDatabases() }),
  dropOrphanDatabases: method({ params: none, result: orphanDatabasesSchema, idempotent: false, invoke: (api) => api.dropOrphanDatabases() }),
  /** A front end's tool call (stdio) or CLI search, timed where it happened, counted in the service's metrics. */
  recordToolCall: method({
    params: z.object({
      tool: z.string().regex(/^[a-z_]{1,40}$/),
      transport: z.enum(['stdio', 'cli']),
      seconds: z.number().min(0).max(86_400),
      failed: z.boolean(),
      mode: z.enum(SEARCH_MODES).optional(),
    }),
    result: z.object({}),
    // A lost record is not worth a second try (or a restarted service).
    idempotent: false,
    invoke: async (_api, p, context) => {
      context.metrics?.observeTool(p.tool, p.transport, p.seconds, p.failed, p.mode);
      return {};
    },
  }),
  /** The service listens over HTTP with the caller's settings for as long as the call lasts (`serve --http`). */
  serveHttp: method({
    params: z.object({
      address: z.string().min(1).max(300),
      env: z.record(z.string().max(100_000)).refine((env) => Object.keys(env).every((name) => HTTP_ENV_NAMES.includes(name)), 'only HTTP settings'),
    }),
    result: z.object({ url: z.string() }),
    event: z.object({ url: z.string(), banner: z.string() }),
    // Listening again after the service died is what the caller wants.
    idempotent: true,
    long: true,
    invoke: async (api, p, context) => {
      // Only the service loads the HTTP server; front ends never import it through this table.
      const [{ serveHttpForCaller }, { CodebaseService }] = await Promise.all([import('../http/serveHttp.js'), import('../core/codebaseService.js')]);
      if (!(api instanceof CodebaseService)) throw new Error('serveHttp runs only inside the service.');
      return serveHttpForCaller(api, p, context);
    },
  }),
} satisfies Record<string, MethodSpec>;

export type MethodName = keyof typeof METHODS;
export type MethodParams<M extends MethodName> = z.input<(typeof METHODS)[M]['params']>;
