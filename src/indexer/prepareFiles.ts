// read → hash → chunk → full-text analysis for one batch of files: the CPU
// work of indexing that needs neither the database nor the embedder, so it
// can run on a worker thread while the main thread writes the previous batch.
import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chunkFile, type Chunk } from '../chunk/chunkFile.js';
import { readSourceFile } from '../scan/readSourceFile.js';
import type { ScannedFile, SkipReason } from '../scan/scanRepository.js';
import type { ChunkRecord, FileWrite, StoredFileState } from '../store/projectStore.js';
import { chunkFields } from '../tokens/chunkFields.js';
import { fieldTsvector } from '../tokens/searchLexemes.js';
import { threadCpuMs } from './threadCpu.js';

export interface PrepareOptions {
  force: boolean;
  includeSecrets: boolean;
  /** A file that grew past this since the scan is skipped as too-large (default: readSourceFile's). */
  maxFileBytes?: number;
  /** Awaited between a file's read and its parse (on the main thread only: a function does not cross to a worker). */
  betweenFiles?: () => Promise<void>;
}

export interface PreparedBatch {
  /** Changed or new files, chunked; their chunks' `embedding` is still to be filled in. */
  files: FileWrite[];
  unchanged: number;
  /** Unchanged content under a new modification time: path → mtime, to remember. */
  touched: [string, number][];
  /** Files that can no longer be indexed (binary, minified, secret, unreadable). */
  skipped: { path: string; reason: SkipReason }[];
  errors: { path: string; message: string }[];
  /** Where this batch's time went (wall ms, on the thread that prepared it). */
  stages: PreparationStages;
}

export interface PreparationStages {
  /** Reading and hashing files. */
  readMs: number;
  /** tree-sitter parsing and chunking. */
  parseMs: number;
  /** Chunk hashes, search fields and tsvectors. */
  lexemesMs: number;
  /** The same stages in CPU time of the preparing thread (threadCpu.ts); null where the system does not say. */
  cpu: { readMs: number; parseMs: number; lexemesMs: number } | null;
}

function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A file modified this close to its indexing may have changed within the clock's granularity: its mtime is not trusted. */
const RACY_MTIME_MS = 2000;

/** Same size and modification time as when it was indexed: unchanged, without reading it. */
export function unchangedByStat(file: ScannedFile, stored: StoredFileState | undefined): boolean {
  return (
    stored !== undefined &&
    stored.mtimeMs !== null &&
    stored.sizeBytes === file.size &&
    stored.mtimeMs === file.mtimeMs &&
    file.mtimeMs < stored.indexedAtMs - RACY_MTIME_MS
  );
}

function chunkRecordsFor(path: string, language: string, chunks: Chunk[]): ChunkRecord[] {
  return chunks.map((chunk) => ({
    startLine: chunk.startLine,
    endLine: chunk.endLine,
    symbol: chunk.symbol,
    kind: chunk.kind,
    content: chunk.content,
    contentHash: contentHash(chunk.content),
    ...fieldTsvector(chunkFields(path, language, chunk.symbols, chunk.content)),
    embedding: null,
  }));
}

/** `stored` holds what the index knows of these files (absent: new). */
export async function prepareFiles(
  batch: ScannedFile[],
  stored: Map<string, StoredFileState>,
  options: PrepareOptions,
): Promise<PreparedBatch> {
  const cpuClock = threadCpuMs() !== null;
  const result: PreparedBatch = {
    files: [],
    unchanged: 0,
    touched: [],
    skipped: [],
    errors: [],
    stages: { readMs: 0, parseMs: 0, lexemesMs: 0, cpu: cpuClock ? { readMs: 0, parseMs: 0, lexemesMs: 0 } : null },
  };
  const { stages } = result;
  let mark = performance.now();
  let cpuMark = threadCpuMs() ?? 0;
  const restart = () => {
    mark = performance.now();
    cpuMark = threadCpuMs() ?? 0;
  };
  const lap = (stage: 'readMs' | 'parseMs' | 'lexemesMs') => {
    const now = performance.now();
    stages[stage] += now - mark;
    mark = now;
    if (stages.cpu) {
      const cpuNow = threadCpuMs() ?? cpuMark;
      stages.cpu[stage] += cpuNow - cpuMark;
      cpuMark = cpuNow;
    }
  };
  for (const file of batch) {
    const known = stored.get(file.relativePath);
    if (!options.force && unchangedByStat(file, known)) {
      result.unchanged++;
      continue;
    }
    restart();
    const read = await readSourceFile(file, { includeSecrets: options.includeSecrets, maxFileBytes: options.maxFileBytes });
    if ('skip' in read) {
      result.skipped.push({ path: file.relativePath, reason: read.skip });
      continue;
    }
    const hash = contentHash(read.text);
    lap('readMs');
    if (!options.force && known?.contentHash === hash) {
      result.unchanged++;
      result.touched.push([file.relativePath, file.mtimeMs]);
      continue;
    }
    if (options.betweenFiles) {
      // After the read (its I/O let anything in), before the parse and analysis that hold the thread.
      await options.betweenFiles();
      restart();
    }
    try {
      const chunked = await chunkFile(file.relativePath, read.text);
      lap('parseMs');
      const chunks = chunkRecordsFor(file.relativePath, chunked.language, chunked.chunks);
      lap('lexemesMs');
      result.files.push({
        path: file.relativePath,
        language: chunked.language,
        extension: extname(file.relativePath).slice(1).toLowerCase(),
        contentHash: hash,
        sizeBytes: file.size,
        mtimeMs: file.mtimeMs,
        lineCount: read.text.length === 0 ? 0 : read.text.split('\n').length,
        chunks,
      });
    } catch (error) {
      result.errors.push({ path: file.relativePath, message: (error as Error).message });
    }
  }
  return result;
}
