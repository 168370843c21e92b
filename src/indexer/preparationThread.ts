// Worker threads for prepareFiles (one per core, at most PREPARATION_THREADS),
// started on first use and kept (unreferenced, so they never keep the process
// alive) so their tree-sitter grammars stay compiled across index runs of a
// long-lived MCP server.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ScannedFile } from '../scan/scanRepository.js';
import type { StoredFileState } from '../store/projectStore.js';
import type { PreparedBatch, PrepareOptions } from './prepareFiles.js';
import type { PreparationTask } from './preparationWorker.js';

type Reply = { id: number; result: PreparedBatch } | { id: number; error: string };

class PreparationThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (result: PreparedBatch) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  failed = false;

  constructor() {
    // stdout: true keeps the worker's stdout off the process's (in stdio mode it
    // carries only the protocol); the worker logs to stderr. Not read: a
    // listener would keep the process alive.
    this.worker = new Worker(new URL('./preparationWorker.js', import.meta.url), { stdout: true });
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (!waiter) return;
      if ('error' in reply) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.result);
    });
    const fail = (error: Error) => {
      this.failed = true;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the file preparation thread exited (code ${code})`)));
  }

  prepare(batch: ScannedFile[], stored: Map<string, StoredFileState>, options: PrepareOptions): Promise<PreparedBatch> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Only while a task is pending does the worker keep the process alive.
      this.worker.ref();
      const task: PreparationTask = { id, batch, stored: [...stored], options };
      this.worker.postMessage(task);
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    }) as Promise<PreparedBatch>;
  }
}

/**
 * Preparation (parsing, chunking, full-text analysis) costs more per chunk
 * than writing it, so on two cores two threads prepare batches while the main
 * thread embeds and writes.
 */
export const PREPARATION_THREADS = Math.max(1, Math.min(2, availableParallelism()));

const shared: (PreparationThread | null)[] = [];
let turn = 0;

/** Prepares a batch on the next of the shared worker threads, in turn (a new one where the last one died). */
export function prepareOnThread(
  batch: ScannedFile[],
  stored: Map<string, StoredFileState>,
  options: PrepareOptions,
): Promise<PreparedBatch> {
  const slot = turn++ % PREPARATION_THREADS;
  let thread = shared[slot];
  if (!thread || thread.failed) shared[slot] = thread = new PreparationThread();
  return thread.prepare(batch, stored, options);
}
