// Background indexing jobs for the MCP server: a client gets a job id at
// once and polls, because MCP clients time out long tool calls.
import { randomUUID } from 'node:crypto';
import { describeError } from '../errors/userError.js';
import { IndexCancelledError, type IndexProgress, type IndexSummary } from '../indexer/indexRepository.js';

export type JobState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface IndexJob {
  id: string;
  project: string;
  root: string;
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

export class IndexJobs {
  private readonly entries = new Map<string, JobEntry>();

  /** Starts `work` unless the project already has a running job, which is returned instead. */
  start(project: string, root: string, work: IndexWork, id: string = randomUUID()): { job: IndexJob; alreadyRunning: boolean } {
    const running = this.runningFor(project);
    if (running) return { job: running, alreadyRunning: true };
    const controller = new AbortController();
    const job: IndexJob = {
      id,
      project,
      root,
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
    });
    this.entries.set(job.id, { job, controller, done });
    return { job, alreadyRunning: false };
  }

  get(id: string): IndexJob | undefined {
    return this.entries.get(id)?.job;
  }

  /** Resolves when the job has finished, whatever its outcome. */
  async wait(id: string): Promise<IndexJob | undefined> {
    return this.entries.get(id)?.done;
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
