// Worker-thread entry for converting the word vectors at run time: the
// conversion needs ~600 MB while it runs, and a worker's heap goes back to the
// system when it ends, where the main thread's would stay claimed.
import { parentPort, workerData } from 'node:worker_threads';
import { buildWordVectorCache, type BuildWordVectorCacheOptions } from './buildWordVectorCache.js';

parentPort?.postMessage(await buildWordVectorCache(workerData as BuildWordVectorCacheOptions));
