// Prometheus metrics of one service process (prom-client): tool calls by tool
// and transport, search latency by mode, index jobs, store usage, HTTP and
// process. Tool calls are timed at the MCP transport (src/mcp/observeToolCalls.ts):
// HTTP sessions inside the service directly, stdio front ends and CLI searches
// by sending their numbers to the service, which owns this registry.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { IndexJob } from '../core/indexJobs.js';

/** How a call arrived: MCP over stdio or HTTP, the web page's JSON API, or a CLI command. */
export type TransportLabel = 'stdio' | 'http' | 'api' | 'cli';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10];
const JOB_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600];

export interface MetricsSources {
  /** Every job this process knows (running and finished). */
  jobs(): IndexJob[];
  /** Open project stores and the most that stay open, if the API tells. */
  storeUsage?(): { open: number; limit: number | null };
}

interface JobSeen {
  filesDone: number;
  chunksWritten: number;
  finished: boolean;
}

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly toolCalls = new Counter({
    name: 'codebase_mcp_tool_calls_total',
    help: 'MCP tool calls (and JSON API calls) answered, by tool and transport',
    labelNames: ['tool', 'transport'] as const,
    registers: [this.registry],
  });
  private readonly toolErrors = new Counter({
    name: 'codebase_mcp_tool_errors_total',
    help: 'Tool calls that ended in an error result (isError or a JSON-RPC error), by tool and transport',
    labelNames: ['tool', 'transport'] as const,
    registers: [this.registry],
  });
  private readonly toolDuration = new Histogram({
    name: 'codebase_mcp_tool_duration_seconds',
    help: 'Time from a tool call arriving to its answer leaving, by tool and transport',
    labelNames: ['tool', 'transport'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly searchDuration = new Histogram({
    name: 'codebase_mcp_search_duration_seconds',
    help: 'search_code latency by search mode and transport',
    labelNames: ['mode', 'transport'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'codebase_mcp_http_requests_total',
    help: 'HTTP requests by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly jobsRunning = new Gauge({
    name: 'codebase_mcp_index_jobs_running',
    help: 'Index jobs running now',
    registers: [this.registry],
  });
  private readonly jobsFinished = new Counter({
    name: 'codebase_mcp_index_jobs_finished_total',
    help: 'Index jobs finished, by outcome (succeeded, failed, cancelled)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  private readonly jobDuration = new Histogram({
    name: 'codebase_mcp_index_job_duration_seconds',
    help: 'Duration of finished index jobs, by outcome',
    labelNames: ['state'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });
  private readonly filesProcessed = new Counter({
    name: 'codebase_mcp_index_files_processed_total',
    help: 'Files processed by index jobs (rate() gives files per second)',
    registers: [this.registry],
  });
  private readonly chunksWritten = new Counter({
    name: 'codebase_mcp_index_chunks_written_total',
    help: 'Chunks written by index jobs (rate() gives chunks per second)',
    registers: [this.registry],
  });
  private readonly jobFilesPerSecond = new Gauge({
    name: 'codebase_mcp_index_job_files_per_second',
    help: 'Files per second of each running index job since it started',
    labelNames: ['project'] as const,
    registers: [this.registry],
  });
  private readonly jobChunksPerSecond = new Gauge({
    name: 'codebase_mcp_index_job_chunks_per_second',
    help: 'Chunks written per second of each running index job since it started',
    labelNames: ['project'] as const,
    registers: [this.registry],
  });
  readonly rejected = new Counter({
    name: 'codebase_mcp_http_rejected_total',
    help: 'HTTP requests refused before reaching a handler, by reason (unauthorized, forbidden_origin, forbidden_host, too_large, rate_limited)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  // The watcher hook: src/watch (freshness) calls watcherEvent / watcherLag once it lands.
  private readonly watcherEvents = new Counter({
    name: 'codebase_mcp_watcher_events_total',
    help: 'File-system events seen by project watchers, by project and kind',
    labelNames: ['project', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly watcherLagSeconds = new Histogram({
    name: 'codebase_mcp_watcher_lag_seconds',
    help: 'Time from a file change to the index holding it',
    labelNames: ['project'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly seen = new Map<string, JobSeen>();
  /** Session counts of the HTTP listeners sharing this registry. */
  private readonly sessionCounters = new Set<() => number>();

  constructor(private readonly sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'codebase_mcp_' });
    const metrics = this;
    new Gauge({
      name: 'codebase_mcp_store_open_projects',
      help: 'Project stores open now (server mode: one connection pool each)',
      registers: [this.registry],
      collect() {
        const usage = metrics.sources.storeUsage?.();
        if (usage) this.set(usage.open);
      },
    });
    new Gauge({
      name: 'codebase_mcp_store_open_projects_limit',
      help: 'Most project stores kept open (server mode: CODEBASE_MCP_MAX_OPEN_PROJECTS)',
      registers: [this.registry],
      collect() {
        const limit = metrics.sources.storeUsage?.().limit;
        if (limit !== null && limit !== undefined) this.set(limit);
      },
    });
    new Gauge({
      name: 'codebase_mcp_http_sessions',
      help: 'Open MCP sessions over HTTP',
      registers: [this.registry],
      collect() {
        let open = 0;
        for (const count of metrics.sessionCounters) open += count();
        this.set(open);
      },
    });
  }

  /** Records one answered tool call; `mode` for search_code. */
  observeTool(tool: string, transport: TransportLabel, seconds: number, failed: boolean, mode?: string): void {
    this.toolCalls.inc({ tool, transport });
    if (failed) this.toolErrors.inc({ tool, transport });
    this.toolDuration.observe({ tool, transport }, seconds);
    if (tool === 'search_code' && !failed) this.searchDuration.observe({ mode: mode ?? 'hybrid', transport }, seconds);
  }

  /** An HTTP listener's open sessions count in codebase_mcp_http_sessions until the returned function is called. */
  countSessions(count: () => number): () => void {
    this.sessionCounters.add(count);
    return () => this.sessionCounters.delete(count);
  }

  watcherEvent(project: string, kind: string): void {
    this.watcherEvents.inc({ project, kind });
  }

  watcherLag(project: string, seconds: number): void {
    this.watcherLagSeconds.observe({ project }, seconds);
  }

  /** Brings the job metrics up to date with the jobs' progress (called before every scrape). */
  syncJobs(): void {
    let running = 0;
    this.jobFilesPerSecond.reset();
    this.jobChunksPerSecond.reset();
    for (const job of this.sources.jobs()) {
      const seen = this.seen.get(job.id) ?? { filesDone: 0, chunksWritten: 0, finished: false };
      this.seen.set(job.id, seen);
      if (seen.finished) continue;
      const { filesDone, chunksWritten } = job.progress;
      if (filesDone > seen.filesDone) this.filesProcessed.inc(filesDone - seen.filesDone);
      if (chunksWritten > seen.chunksWritten) this.chunksWritten.inc(chunksWritten - seen.chunksWritten);
      seen.filesDone = Math.max(seen.filesDone, filesDone);
      seen.chunksWritten = Math.max(seen.chunksWritten, chunksWritten);
      const elapsed = ((job.finishedAt ? Date.parse(job.finishedAt) : Date.now()) - Date.parse(job.startedAt)) / 1000;
      if (job.state === 'running') {
        running++;
        if (elapsed > 0) {
          this.jobFilesPerSecond.set({ project: job.project }, filesDone / elapsed);
          this.jobChunksPerSecond.set({ project: job.project }, chunksWritten / elapsed);
        }
      } else if (job.finishedAt) {
        seen.finished = true;
        this.jobsFinished.inc({ state: job.state });
        this.jobDuration.observe({ state: job.state }, Math.max(0, elapsed));
      }
    }
    this.jobsRunning.set(running);
  }

  async text(): Promise<string> {
    this.syncJobs();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
