// A small JSON + SSE API beside /mcp for the web page (same bearer token):
// search, projects, jobs with live progress, cancel, re-index. Same core
// calls and the same JSON shapes as the MCP tools.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { IndexJob } from '../core/indexJobs.js';
import type { IndexRequest } from '../core/codebaseService.js';
import { parseInput, projectName, searchRequestSchema } from '../core/requests.js';
import { jobFields, projectsContent, searchContent } from '../core/responses.js';
import { describeError, isUserError, UserError } from '../errors/userError.js';
import type { Logger } from '../logging/logger.js';
import type { HttpApi } from './httpApi.js';
import type { ServiceMetrics } from './serviceMetrics.js';

const JOB_EVENT_INTERVAL_MS = 250;
const KEEPALIVE_MS = 15_000;

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(body);
}

const STATUS_FOR: Record<string, number> = {
  INVALID_INPUT: 400,
  UNKNOWN_PROJECT: 404,
  UNKNOWN_JOB: 404,
  NO_PROJECT_FOR_DIRECTORY: 400,
  NOT_INDEXED: 409,
  INDEX_IN_PROGRESS: 409,
  ROOT_NOT_ALLOWED: 403,
  PATH_NOT_FOUND: 400,
  NOT_A_DIRECTORY: 400,
};

export function sendError(res: ServerResponse, error: unknown, logger: Logger): void {
  if (isUserError(error)) {
    sendJson(res, STATUS_FOR[error.code] ?? 503, { error: { code: error.code, message: error.message, hint: error.hint ?? null } });
    return;
  }
  logger.error(`api: ${(error as Error).stack ?? String(error)}`);
  sendJson(res, 500, { error: { code: 'INTERNAL', message: `Internal error: ${describeError(error)}`, hint: 'See the server log (stderr).' } });
}

/** A job as the page shows it: the MCP status fields plus a percentage. */
export function jobJson(job: IndexJob) {
  const fields = jobFields(job);
  const percent =
    job.state === 'succeeded' ? 100 : fields.files_total > 0 ? Math.min(99, Math.floor((fields.files_done / fields.files_total) * 100)) : 0;
  return { ...fields, project: job.project, root: job.root, phase: job.state === 'running' ? job.progress.phase : job.state, percent };
}

const indexBody = z.object({ project: projectName, force: z.boolean().optional() });

export class JsonApi {
  private readonly streams = new Set<ServerResponse>();

  constructor(
    private readonly api: HttpApi,
    private readonly metrics: ServiceMetrics,
    private readonly logger: Logger,
  ) {}

  /** Handles /api/… ; false when the path is not one of ours. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): Promise<boolean> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    try {
      if (path === '/api/search' && method === 'GET') await this.search(res, url);
      else if (path === '/api/projects' && method === 'GET') await this.projects(res);
      else if (path === '/api/jobs' && method === 'GET') sendJson(res, 200, { jobs: this.jobs() });
      else if (path === '/api/jobs/events' && method === 'GET') this.jobEvents(req, res);
      else if (path === '/api/index' && method === 'POST') await this.index(res, body);
      else {
        const cancel = method === 'POST' ? /^\/api\/jobs\/([^/]+)\/cancel$/.exec(path) : null;
        if (!cancel) return false;
        sendJson(res, 200, { job: jobJson(await this.api.cancelJob(decodeURIComponent(cancel[1]))) });
      }
    } catch (error) {
      sendError(res, error, this.logger);
    }
    return true;
  }

  private jobs() {
    return this.api.jobs.list().map(jobJson).reverse();
  }

  private async search(res: ServerResponse, url: URL): Promise<void> {
    const params = url.searchParams;
    const number = (name: string) => (params.has(name) ? Number(params.get(name)) : undefined);
    const text = (name: string) => params.get(name) || undefined;
    const started = performance.now();
    const input = parseInput(searchRequestSchema, {
      query: params.get('q') ?? '',
      project: text('project'),
      mode: text('mode'),
      language: text('language'),
      extension: text('extension'),
      path: text('path'),
      limit: number('limit'),
      max_tokens: number('max_tokens'),
      context_lines: number('context_lines'),
    });
    try {
      const outcome = await this.api.search(input, [process.cwd()]);
      this.metrics.observeTool('search_code', 'api', (performance.now() - started) / 1000, false, input.mode);
      sendJson(res, 200, searchContent(outcome));
    } catch (error) {
      this.metrics.observeTool('search_code', 'api', (performance.now() - started) / 1000, true, input.mode);
      throw error;
    }
  }

  private async projects(res: ServerResponse): Promise<void> {
    const records = await this.api.listProjects();
    const content = projectsContent(records);
    const projects = await Promise.all(
      content.projects.map(async (project, index) => {
        const languages = this.api.languageCounts
          ? await this.api.languageCounts(project.name).catch((error: unknown) => {
              this.logger.debug(`languages of ${project.name}: ${describeError(error)}`);
              return null;
            })
          : null;
        // The freshness work adds a watcher state to project records; pass it on when it is there.
        const watcher = (records[index] as { watcher?: unknown }).watcher ?? null;
        return { ...project, languages, watcher };
      }),
    );
    sendJson(res, 200, { projects });
  }

  private async index(res: ServerResponse, body: unknown): Promise<void> {
    const { project, force } = parseInput(indexBody, body ?? {});
    const record = (await this.api.listProjects()).find((candidate) => candidate.name === project);
    if (!record) throw new UserError('UNKNOWN_PROJECT', `No project named '${project}'.`, 'Pick one of the projects listed on the page.');
    const request: IndexRequest = { path: record.root, project, force };
    const { job, alreadyRunning } = await this.api.startIndexJob(request);
    sendJson(res, 202, { job: jobJson(job), already_running: alreadyRunning });
  }

  /** Server-sent events: the list of jobs whenever it changes (the page reads it with fetch, which can send the token). */
  private jobEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.streams.add(res);
    let last = '';
    let quietSince = Date.now();
    const tick = () => {
      const data = JSON.stringify({ jobs: this.jobs() });
      if (data !== last) {
        last = data;
        quietSince = Date.now();
        res.write(`event: jobs\ndata: ${data}\n\n`);
      } else if (Date.now() - quietSince > KEEPALIVE_MS) {
        quietSince = Date.now();
        res.write(': keepalive\n\n');
      }
    };
    tick();
    const timer = setInterval(tick, JOB_EVENT_INTERVAL_MS);
    const stop = () => {
      clearInterval(timer);
      this.streams.delete(res);
    };
    req.on('close', stop);
    res.on('close', stop);
  }

  closeStreams(): void {
    for (const res of this.streams) res.end();
    this.streams.clear();
  }
}
