// Worker-thread entry: prepares batches of files (prepareFiles) for the
// indexer on the main thread, which meanwhile embeds and writes the previous one.
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

parentPort?.on('message', (task: PreparationTask) => {
  prepareFiles(task.batch, new Map(task.stored), task.options).then(
    (result) => parentPort?.postMessage({ id: task.id, result }),
    (error: unknown) => parentPort?.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
