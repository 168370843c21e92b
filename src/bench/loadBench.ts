// `bench load`: N concurrent MCP clients over Streamable HTTP search one
// project for S seconds on loopback, while index jobs run on another
// project of the same server. Reports errors, latency and the server's memory.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError, UserError } from '../errors/userError.js';
import { spawnHttpServer, type HttpServerProcess } from '../http/httpServerProcess.js';
import { latencyStats, type LatencyStats } from './latencyStats.js';

export const LOAD_LIMITS = { maxClients: 200, maxSeconds: 600 } as const;
/** Questions of the shapes people ask (natural language and identifiers), for any repository. */
export const DEFAULT_LOAD_QUERIES = [
  'where are passwords hashed',
  'retry with exponential backoff',
  'parse the configuration file',
  'open a database connection',
  'handle an HTTP request',
  'validate user input',
  'ring buffer push and pop',
  'shutdown',
  'cache invalidation',
  'read environment variables',
  'serialize to JSON',
  'authenticate',
];
const TARGET = 'load-target';
const BACKGROUND = 'load-background';

export interface LoadOptions {
  repo: string;
  clients: number;
  seconds: number;
  queries: string[];
  /** Each client starts a search at most this often (0: back to back, a closed loop measuring capacity). */
  intervalMs: number;
  /** Keep index jobs running on another project during the load (default true). */
  indexLoad?: boolean;
  /** Reuse this data home (its index of the repo) instead of a temporary one. */
  home?: string;
  onProgress?: (message: string) => void;
}

export interface LoadResult {
  schema: 'codebase-mcp/load-result@1';
  repo: string;
  clients: number;
  seconds: number;
  intervalMs: number;
  indexLoad: boolean;
  files: number;
  chunks: number;
  requests: number;
  errors: number;
  errorSamples: string[];
  /** Failures of the control client that keeps index jobs running (not counted as search errors). */
  backgroundErrors: string[];
  requestsPerSecond: number;
  latency: LatencyStats;
  /** Per second of the window (by when each search started): how many and how slow, to tell a start-up stall from steady load. */
  timeline: { second: number; requests: number; p95Ms: number; maxMs: number }[];
  /** `samples`: once a second during the window, to tell steady memory from growth. */
  serverRssMb: { before: number; peak: number; after: number; samples: number[] };
  backgroundJobs: { started: number; finished: number; runningShare: number };
  date: string;
}

function rssMb(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then(
    (text) => Math.round(Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? 0) / 1024),
    () => 0,
  );
}

async function indexWithCli(repo: string, home: string, env: NodeJS.ProcessEnv): Promise<void> {
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'index', repo, '--project', TARGET], { env: { ...env, CODEBASE_MCP_HOME: home }, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) throw new UserError('INVALID_INPUT', `Indexing ${repo} for the load test failed (exit ${code}).`, 'Run codebase-mcp index on it to see why.');
}

async function connect(server: HttpServerProcess): Promise<Client> {
  const client = new Client({ name: 'codebase-mcp-bench-load', version: '0.1.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${server.token}` } } }),
  );
  return client;
}

type ToolAnswer = { isError?: boolean; content?: { text?: string }[]; structuredContent?: Record<string, any> };

export async function runLoadBenchmark(options: LoadOptions): Promise<LoadResult> {
  if (options.clients < 1 || options.clients > LOAD_LIMITS.maxClients || options.seconds < 1 || options.seconds > LOAD_LIMITS.maxSeconds) {
    throw new UserError('INVALID_INPUT', `bench load takes 1-${LOAD_LIMITS.maxClients} clients for 1-${LOAD_LIMITS.maxSeconds} s.`, 'Pick smaller numbers.');
  }
  const progress = options.onProgress ?? (() => {});
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'codebase-mcp-load-')));
  // The clients measure the server, not its limits: the rate limit is lifted for the run.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CODEBASE_MCP_ALLOWED_ROOTS: options.repo,
    CODEBASE_MCP_HTTP_RATE: '100000',
    CODEBASE_MCP_HTTP_BURST: '100000',
    CODEBASE_MCP_IDLE_TIMEOUT_MS: '3600000',
  };
  delete env.CODEBASE_MCP_HTTP_TOKEN;
  let server: HttpServerProcess | null = null;
  const clients: Client[] = [];
  try {
    progress(`indexing ${options.repo} as '${TARGET}'`);
    await indexWithCli(options.repo, home, env);
    server = await spawnHttpServer({ home, env, address: '127.0.0.1:0', timeoutMs: 60_000 });
    progress(`server on ${server.url}; connecting ${options.clients} clients`);
    for (let i = 0; i < options.clients; i++) clients.push(await connect(server));
    const control = await connect(server);
    clients.push(control);
    const status = (await control.callTool({ name: 'get_indexing_status', arguments: { project: TARGET } })) as ToolAnswer;
    // Warm-up: the first search loads the embedder and opens the project.
    await control.callTool({ name: 'search_code', arguments: { query: options.queries[0], project: TARGET } });
    const pid = server.servingPid;
    const rssBefore = await rssMb(pid);

    let running = true;
    const background = { started: 0, finished: 0, samples: 0, samplesRunning: 0 };
    const backgroundErrors: string[] = [];
    const backgroundLoop = (async () => {
      while (running && options.indexLoad !== false) {
        const started = (await control.callTool({ name: 'index_repository', arguments: { path: options.repo, project: BACKGROUND, force: true } })) as ToolAnswer;
        if (started.isError) throw new Error(`background index job: ${started.content?.[0]?.text}`);
        background.started++;
        for (;;) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          const job = (await control.callTool({ name: 'get_indexing_status', arguments: { job_id: started.structuredContent!.job_id } })) as ToolAnswer;
          if (job.structuredContent?.state !== 'running') break;
          if (!running) return;
        }
        background.finished++;
      }
    })().catch((error: unknown) => {
      backgroundErrors.push(`background index job: ${describeError(error)}`);
    });
    // Let the first job get going before the clock starts.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const latencies: number[] = [];
    /** Second of the window each latency's search started in. */
    const startSeconds: number[] = [];
    const errors: string[] = [];
    let peak = rssBefore;
    const rssSamples: number[] = [];
    const sampler = setInterval(() => {
      void rssMb(pid).then((mb) => {
        peak = Math.max(peak, mb);
        rssSamples.push(mb);
      });
      background.samples++;
      if (background.started > background.finished) background.samplesRunning++;
    }, 1000);
    progress(`load: ${options.clients} clients for ${options.seconds} s`);
    const started = performance.now();
    const deadline = started + options.seconds * 1000;
    await Promise.all(
      clients.slice(0, options.clients).map(async (client, index) => {
        // Spread the clients' phases over one interval: sessions of different assistants do not fire in lockstep,
        // and 50 requests landing in the same millisecond every second would measure a thundering herd instead.
        if (options.intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, (index * options.intervalMs) / options.clients));
        for (let n = index; performance.now() < deadline; n++) {
          const query = options.queries[n % options.queries.length];
          const begin = performance.now();
          const next = begin + options.intervalMs;
          try {
            const answer = (await client.callTool({ name: 'search_code', arguments: { query, project: TARGET, limit: 10 } })) as ToolAnswer;
            if (answer.isError) errors.push(answer.content?.[0]?.text ?? 'isError');
            else {
              latencies.push(performance.now() - begin);
              startSeconds.push(Math.floor((begin - started) / 1000));
            }
          } catch (error) {
            errors.push(describeError(error));
          }
          const wait = Math.min(next, deadline) - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    clearInterval(sampler);
    running = false;
    await backgroundLoop;
    const rssAfter = await rssMb(pid);
    return {
      schema: 'codebase-mcp/load-result@1',
      repo: options.repo,
      clients: options.clients,
      seconds: options.seconds,
      intervalMs: options.intervalMs,
      indexLoad: options.indexLoad !== false,
      files: status.structuredContent?.indexed_files ?? 0,
      chunks: status.structuredContent?.indexed_chunks ?? 0,
      requests: latencies.length + errors.length,
      errors: errors.length,
      errorSamples: [...new Set(errors)].slice(0, 5),
      backgroundErrors,
      requestsPerSecond: Math.round(((latencies.length + errors.length) / elapsed) * 10) / 10,
      latency: latencyStats(latencies),
      timeline: perSecond(latencies, startSeconds),
      serverRssMb: { before: rssBefore, peak: Math.max(peak, rssAfter), after: rssAfter, samples: rssSamples },
      backgroundJobs: {
        started: background.started,
        finished: background.finished,
        runningShare: background.samples ? Math.round((background.samplesRunning / background.samples) * 100) / 100 : 0,
      },
      date: new Date().toISOString(),
    };
  } finally {
    await Promise.all(clients.map((client) => client.close().catch(() => {})));
    await server?.stop();
    if (!options.home) await rm(home, { recursive: true, force: true });
  }
}

function perSecond(latencies: number[], seconds: number[]): LoadResult['timeline'] {
  const buckets = new Map<number, number[]>();
  latencies.forEach((latency, index) => {
    const bucket = buckets.get(seconds[index]) ?? [];
    bucket.push(latency);
    buckets.set(seconds[index], bucket);
  });
  return [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([second, bucket]) => {
      const stats = latencyStats(bucket);
      return { second, requests: bucket.length, p95Ms: stats.p95Ms, maxMs: stats.maxMs };
    });
}

/** Mean RSS over the first and second half of the window: equal when memory is flat. */
function halves(samples: number[]): string {
  if (samples.length < 4) return '';
  const mean = (part: number[]) => Math.round(part.reduce((sum, value) => sum + value, 0) / part.length);
  const middle = Math.floor(samples.length / 2);
  return ` (mean ${mean(samples.slice(0, middle))} MB in the first half, ${mean(samples.slice(middle))} MB in the second)`;
}

export function formatLoadResult(result: LoadResult): string {
  const l = result.latency;
  const worst = [...result.timeline].sort((a, b) => b.maxMs - a.maxMs).slice(0, 3);
  return [
    `bench load: ${result.clients} clients × ${result.seconds} s over MCP Streamable HTTP (loopback), ${result.repo} (${result.files} files, ${result.chunks} chunks)`,
    `  pacing:     ${result.intervalMs ? `each client starts a search every ${result.intervalMs} ms (offered ${Math.round((result.clients * 1000) / result.intervalMs)}/s)` : 'back to back (closed loop: capacity)'}; index jobs alongside: ${result.indexLoad ? 'yes' : 'no'}`,
    `  requests:   ${result.requests} (${result.requestsPerSecond}/s), errors: ${result.errors}${result.errorSamples.length ? ` — ${result.errorSamples.join(' | ')}` : ''}`,
    `  latency:    p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms, max ${l.maxMs} ms`,
    `  slowest seconds: ${worst.map((entry) => `${entry.second}–${entry.second + 1} s (p95 ${entry.p95Ms} ms, max ${entry.maxMs} ms, ${entry.requests} searches)`).join('; ') || 'none'}`,
    `  server RSS: ${result.serverRssMb.before} MB before, ${result.serverRssMb.peak} MB peak, ${result.serverRssMb.after} MB after${halves(result.serverRssMb.samples)}`,
    `  background index jobs (force, other project): ${result.backgroundJobs.started} started, ${result.backgroundJobs.finished} finished, running ${Math.round(result.backgroundJobs.runningShare * 100)} % of the time${result.backgroundErrors.length ? `; ${result.backgroundErrors.join(' | ')}` : ''}`,
  ].join('\n');
}
