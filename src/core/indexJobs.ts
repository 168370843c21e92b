// Background indexing jobs for the MCP server: a client gets a job id at
// once and polls, because MCP clients time out long tool calls.
import { randomUUID } from 'node:crypto';
import { describeError } from '../errors/userError.js';
import { IndexCancelledError, type IndexProgress, type IndexSummary } from '../indexer/indexRepository.js';

export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled';
/** What started a job: an index request, a sync request, or the file watcher. */
export type JobTrigger = 'index' | 'sync' | 'watch';

export interface IndexJob {
  id: string;
  project: string;
  root: string;
  trigger: JobTrigger;
  state: JobState;
  progress: IndexProgress;
  startedAt: string;
  finishedAt: string | null;
  summary: IndexSummary | null;
  error: string | null;
}

export type IndexWork = (signal: AbortSignal, onProgress: (progress: IndexProgress) => void) => Promise<IndexSummary>;

interface JobEntry {
  job: IndexJob;
  controller: AbortController;
  done: Promise<IndexJob>;
}

/** Finished jobs remembered per project (get_indexing_status by job id). */
const KEEP_FINISHED_JOBS = 50;

export class IndexJobs {
  private readonly entries = new Map<string, JobEntry>();

  /** Starts `work` unless the project already has a running job, which is returned instead. */
  start(
    project: string,
    root: string,
    work: IndexWork,
    { trigger = 'index', id = randomUUID() }: { trigger?: JobTrigger; id?: string } = {},
  ): { job: IndexJob; alreadyRunning: boolean } {
    const running = this.runningFor(project);
    if (running) return { job: running, alreadyRunning: true };
    const controller = new AbortController();
    const job: IndexJob = {
      id,
      project,
      root,
      trigger,
      state: 'running',
      progress: { phase: 'scanning', filesTotal: 0, filesDone: 0, filesChanged: 0, chunksWritten: 0, chunksEmbedded: 0, chunksPending: 0 },
      startedAt: new Date().toISOString(),
      finishedAt: null,
      summary: null,
      error: null,
    };
    const done = work(controller.signal, (progress) => {
      job.progress = progress;
    }).then(
      (summary) => {
        job.summary = summary;
        job.state = 'succeeded';
        return job;
      },
      (error: unknown) => {
        job.state = error instanceof IndexCancelledError ? 'cancelled' : 'failed';
        job.error = describeError(error);
        return job;
      },
    ).finally(() => {
      job.finishedAt = new Date().toISOString();
      this.forgetOldJobs(project);
    });
    this.entries.set(job.id, { job, controller, done });
    return { job, alreadyRunning: false };
  }

  /** A watcher starts a job per change: only the latest finished ones of a project are kept. */
  private forgetOldJobs(project: string): void {
    const finished = [...this.entries.values()].filter((entry) => entry.job.project === project && entry.job.state !== 'running');
    for (const entry of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED_JOBS))) this.entries.delete(entry.job.id);
  }

  /** Jobs of a project this process still knows, oldest first. */
  forProject(project: string): IndexJob[] {
    return [...this.entries.values()].filter((entry) => entry.job.project === project).map((entry) => entry.job);
  }

  get(id: string): IndexJob | undefined {
    return this.entries.get(id)?.job;
  }

  /** Resolves when the job has finished, whatever its outcome. */
  async wait(id: string): Promise<IndexJob | undefined> {
    return this.entries.get(id)?.done;
  }

  /** Every job of this process, oldest first. */
  list(): IndexJob[] {
    return [...this.entries.values()].map((entry) => entry.job);
  }

  runningFor(project: string): IndexJob | undefined {
    return [...this.entries.values()].find((entry) => entry.job.project === project && entry.job.state === 'running')?.job;
  }

  running(): IndexJob[] {
    return [...this.entries.values()].filter((entry) => entry.job.state === 'running').map((entry) => entry.job);
  }

  latestFor(project: string): IndexJob | undefined {
    return [...this.entries.values()].reverse().find((entry) => entry.job.project === project)?.job;
  }

  cancel(id: string): IndexJob | undefined {
    const entry = this.entries.get(id);
    if (entry && entry.job.state === 'running') entry.controller.abort();
    return entry?.job;
  }

  async cancelAll(): Promise<void> {
    const running = [...this.entries.values()].filter((entry) => entry.job.state === 'running');
    for (const entry of running) entry.controller.abort();
    await Promise.all(running.map((entry) => entry.done));
  }
}
