// Worker-thread entry: prepares batches of files (prepareFiles) for the
// indexer on the main thread, which meanwhile embeds and writes the previous one.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { ScannedFile } from '../scan/scanRepository.js';
import type { StoredFileState } from '../store/projectStore.js';
import { prepareFiles, type PrepareOptions } from './prepareFiles.js';

export interface PreparationTask {
  id: number;
  batch: ScannedFile[];
  stored: [string, StoredFileState][];
  options: PrepareOptions;
}

// Anything a library prints goes to stderr, never to the protocol's stdout.
console.log = console.error;
console.info = console.error;

lowerThisThreadsPriority();

/**
 * Preparing files is background work: on Linux this thread takes a nice value
 * of 10 (setpriority on its thread id), so the main thread, which answers
 * searches, gets the CPU first when both want it. Elsewhere it stays as is.
 */
function lowerThisThreadsPriority(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, 10);
  } catch {
    // No /proc (macOS, Windows) or not allowed: the thread keeps the process's priority.
  }
}

parentPort?.on('message', (task: PreparationTask) => {
  prepareFiles(task.batch, new Map(task.stored), task.options).then(
    (result) => parentPort?.postMessage({ id: task.id, result }),
    (error: unknown) => parentPort?.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
