// scan → diff → chunk → embed → write, for one project. Each batch of files
// is written in one transaction, so a crash or a cancel leaves every file
// either as it was or fully replaced; the next run picks up the rest.
import type { Embedder } from '../embed/embedder.js';
import { ScanRootError, scanRepository, type LeftOutRule, type ScanOptions, type ScanResult, type SkipReason } from '../scan/scanRepository.js';
import { leftOutWarning } from '../scan/leftOutReport.js';
import { UserError } from '../errors/userError.js';
import type { EmbeddingCache } from '../store/embeddingCache.js';
import type { FileWrite, ProjectStore, StoredFileState } from '../store/projectStore.js';
import { EMBEDDINGS_PENDING_KEY, toVectorLiteral } from '../store/projectStore.js';
import { prepareFiles, type PreparedBatch } from './prepareFiles.js';
import { prepareOnThread } from './preparationThread.js';

export type IndexPhase = 'scanning' | 'removing' | 'indexing' | 'embedding' | 'finalizing' | 'done';

export interface IndexProgress {
  phase: IndexPhase;
  filesTotal: number;
  filesDone: number;
  filesChanged: number;
  chunksWritten: number;
  chunksEmbedded: number;
  /** Chunks written but still without a vector (searchable by full text only). */
  chunksPending: number;
}

export interface IndexSummary {
  filesScanned: number;
  filesIndexed: number;
  filesUnchanged: number;
  filesDeleted: number;
  filesSkipped: Partial<Record<SkipReason, number>>;
  chunksWritten: number;
  chunksEmbedded: number;
  chunksReused: number;
  /** Chunks whose vectors came from the store's shared embedding cache (other projects, earlier runs). */
  cacheHits: number;
  /** Chunks the shared cache did not have (0 when no cache was available). */
  cacheMisses: number;
  totalFiles: number;
  totalChunks: number;
  durationMs: number;
  errors: { path: string; message: string }[];
  /** Which ignore rules applied: git's view of a repository, .gitignore files, or the product's rules only. */
  ignoreMode: ScanResult['ignoreMode'];
  /** Entries the ignore rules left out (a folder counts once), and the rules that did it, most first. */
  ignoredEntries: number;
  leftOutByRule: LeftOutRule[];
  /** How the rules were applied (git missing, .gitignore files not read outside a repository). */
  notices: string[];
  /** Set when nothing was indexed, or the repository's rules left out most of what was found. */
  warnings: string[];
}

/** Rules listed in a summary; the warning sums up the rest. */
const RULES_IN_SUMMARY = 20;

export interface IndexOptions {
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: IndexProgress) => void;
  maxFileBytes?: number;
  includeSecrets?: boolean;
  /** Shared across projects; null or absent: embed without it. */
  embeddingCache?: EmbeddingCache | null;
  /** How ignore rules apply (git's view, .gitignore outside a repository). */
  scan?: Pick<ScanOptions, 'requireGit' | 'useGit' | 'gitCommand'>;
}

/** Files read, chunked and embedded together, then written in one transaction. */
const FILES_PER_BATCH = 64;
const EMBED_BATCH = 256;
/** Above this many changed files the HNSW index is rebuilt once instead of updated row by row. */
const BULK_LOAD_FILES = 500;

export class IndexCancelledError extends Error {
  constructor() {
    super('Indexing was cancelled; files written so far stay indexed and the next run finishes the rest.');
    this.name = 'IndexCancelledError';
  }
}

export async function indexRepository(
  store: ProjectStore,
  root: string,
  embedder: Embedder,
  options: IndexOptions = {},
): Promise<IndexSummary> {
  const started = Date.now();
  const summary: IndexSummary = {
    filesScanned: 0,
    filesIndexed: 0,
    filesUnchanged: 0,
    filesDeleted: 0,
    filesSkipped: {},
    chunksWritten: 0,
    chunksEmbedded: 0,
    chunksReused: 0,
    cacheHits: 0,
    cacheMisses: 0,
    totalFiles: 0,
    totalChunks: 0,
    durationMs: 0,
    errors: [],
    ignoreMode: 'product-rules',
    ignoredEntries: 0,
    leftOutByRule: [],
    notices: [],
    warnings: [],
  };
  const progress: IndexProgress = {
    phase: 'scanning',
    filesTotal: 0,
    filesDone: 0,
    filesChanged: 0,
    chunksWritten: 0,
    chunksEmbedded: 0,
    chunksPending: 0,
  };
  const report = (phase: IndexPhase) => {
    progress.phase = phase;
    options.onProgress?.({ ...progress });
  };
  const checkCancelled = () => {
    if (options.signal?.aborted) throw new IndexCancelledError();
  };
  const skip = (reason: SkipReason) => {
    summary.filesSkipped[reason] = (summary.filesSkipped[reason] ?? 0) + 1;
  };

  report('scanning');
  await store.prepareForEmbedder({ id: embedder.id, dimensions: embedder.dimensions }, options.force === true);
  const scan = await scanRepository(root, { ...options.scan, maxFileBytes: options.maxFileBytes, includeSecrets: options.includeSecrets }).catch(
    (error: unknown) => {
      // The root vanished or became unreadable since it was checked: the user's to fix, not a bug.
      if (!(error instanceof ScanRootError)) throw error;
      throw new UserError(error.problem === 'unreadable' ? 'PATH_UNREADABLE' : error.problem === 'not-a-directory' ? 'NOT_A_DIRECTORY' : 'PATH_NOT_FOUND', error.message);
    },
  );
  for (const skipped of scan.skipped) skip(skipped.reason);
  summary.filesScanned = scan.files.length;
  summary.ignoreMode = scan.ignoreMode;
  summary.ignoredEntries = scan.ignoredCount;
  summary.leftOutByRule = scan.leftOutByRule.slice(0, RULES_IN_SUMMARY);
  summary.notices = scan.notices;
  progress.filesTotal = scan.files.length;
  checkCancelled();

  report('removing');
  const stored = await store.fileStates();
  const present = new Set(scan.files.map((file) => file.relativePath));
  const gone = [...stored.keys()].filter((path) => !present.has(path));
  await store.deleteFiles(gone);
  summary.filesDeleted = gone.length;

  report('indexing');
  // Searches meanwhile say their meaning-based results are partial.
  if (embedder.costly) await store.setMeta(EMBEDDINGS_PENDING_KEY, -1);
  const bulkLoad = options.force === true || scan.files.length - stored.size > BULK_LOAD_FILES;
  if (bulkLoad) await store.dropVectorIndex();
  const unreadable: string[] = [];
  const prepareOptions = { force: options.force === true, includeSecrets: options.includeSecrets === true, maxFileBytes: options.maxFileBytes };
  // More than one batch: files are prepared on a worker thread, one batch ahead of the writes.
  const onThread = scan.files.length > FILES_PER_BATCH;
  const prepare = (start: number): Promise<PreparedBatch> => {
    const batch = scan.files.slice(start, start + FILES_PER_BATCH);
    const known = new Map<string, StoredFileState>();
    for (const file of batch) {
      const state = stored.get(file.relativePath);
      if (state) known.set(file.relativePath, state);
    }
    const preparing = onThread ? prepareOnThread(batch, known, prepareOptions) : prepareFiles(batch, known, prepareOptions);
    preparing.catch(() => {}); // awaited below, unless a cancel ends the run first
    return preparing;
  };
  let next = scan.files.length > 0 ? prepare(0) : null;
  for (let start = 0; next; start += FILES_PER_BATCH) {
    checkCancelled();
    const prepared = await next;
    next = start + FILES_PER_BATCH < scan.files.length ? prepare(start + FILES_PER_BATCH) : null;
    summary.filesUnchanged += prepared.unchanged;
    summary.errors.push(...prepared.errors);
    for (const skipped of prepared.skipped) {
      skip(skipped.reason);
      unreadable.push(skipped.path);
    }
    await store.updateModificationTimes(new Map(prepared.touched));
    await embedBatch(prepared.files, store, embedder, options, summary);
    checkCancelled();
    await store.writeFiles(prepared.files);
    for (const file of prepared.files) summary.chunksWritten += file.chunks.length;
    summary.filesIndexed += prepared.files.length;
    progress.filesDone = Math.min(scan.files.length, start + FILES_PER_BATCH);
    progress.filesChanged = summary.filesIndexed;
    progress.chunksWritten = summary.chunksWritten;
    progress.chunksEmbedded = summary.chunksEmbedded;
    report('indexing');
  }
  // A file that became binary, minified or a secret since the last run leaves the index.
  await store.deleteFiles(unreadable.filter((path) => stored.has(path)));
  summary.filesDeleted += unreadable.filter((path) => stored.has(path)).length;

  report('embedding');
  await backfillEmbeddings(store, embedder, options, summary, async (pending) => {
    await store.setMeta(EMBEDDINGS_PENDING_KEY, pending);
    progress.chunksPending = pending;
    progress.chunksEmbedded = summary.chunksEmbedded;
    report('embedding');
  });

  report('finalizing');
  await store.ensureVectorIndex();
  if (summary.filesIndexed > 0 || summary.filesDeleted > 0) await store.analyze();
  const counts = await store.counts();
  summary.totalFiles = counts.files;
  summary.totalChunks = counts.chunks;
  const warning = leftOutWarning(root, scan, counts.files);
  if (warning) summary.warnings.push(warning);
  summary.durationMs = Date.now() - started;
  report('done');
  return summary;
}

/**
 * Fills every chunk's vector: from vectors this project already stores for the
 * same content, then from the store's shared cache, and only then from the
 * embedder. --force skips both lookups (but still fills the cache).
 */
async function embedBatch(
  prepared: FileWrite[],
  store: ProjectStore,
  embedder: Embedder,
  options: IndexOptions,
  summary: IndexSummary,
): Promise<void> {
  const hashes = [...new Set(prepared.flatMap((file) => file.chunks.map((chunk) => chunk.contentHash)))];
  const known = options.force ? new Map<string, string>() : await store.embeddingsFor(hashes);
  const missing = new Map<string, string>(); // hash → content
  for (const file of prepared) {
    for (const chunk of file.chunks) {
      if (!known.has(chunk.contentHash)) missing.set(chunk.contentHash, chunk.content);
    }
  }
  const cache = options.embeddingCache ?? null;
  if (cache && !options.force && missing.size > 0) {
    const cached = await cache.lookup(embedder.id, [...missing.keys()]);
    for (const [hash, vector] of cached) {
      known.set(hash, vector);
      missing.delete(hash);
    }
    summary.cacheHits += cached.size;
  }
  for (const file of prepared) {
    for (const chunk of file.chunks) chunk.embedding = known.get(chunk.contentHash) ?? null;
    summary.chunksReused += file.chunks.filter((chunk) => chunk.embedding !== null).length;
  }
  // A costly embedder (a server, a model) fills vectors in after the files are
  // written, so the index answers full-text queries while they are computed.
  if (embedder.costly) return;
  const missingHashes = [...missing.keys()];
  const computed = new Map<string, string>();
  for (let start = 0; start < missingHashes.length; start += EMBED_BATCH) {
    const slice = missingHashes.slice(start, start + EMBED_BATCH);
    const vectors = await embedder.embedDocuments(slice.map((hash) => missing.get(hash) as string));
    slice.forEach((hash, index) => computed.set(hash, toVectorLiteral(vectors[index])));
  }
  await cache?.store(embedder.id, computed);
  summary.chunksEmbedded += missingHashes.length;
  summary.cacheMisses += cache ? missingHashes.length : 0;
  for (const file of prepared) {
    for (const chunk of file.chunks) {
      if (chunk.embedding === null) chunk.embedding = computed.get(chunk.contentHash) ?? null;
    }
  }
}

/** Distinct chunk contents embedded per round of the backfill; each round is saved before the next. */
const BACKFILL_ROUND = 64;

/**
 * Computes the vectors still missing (chunks written first, or left by a run
 * whose provider failed), round by round. A provider failure ends the run
 * with its error; everything saved so far stays, and the next run resumes here.
 */
async function backfillEmbeddings(
  store: ProjectStore,
  embedder: Embedder,
  options: IndexOptions,
  summary: IndexSummary,
  onRound: (pending: number) => Promise<void>,
): Promise<void> {
  for (;;) {
    if (options.signal?.aborted) throw new IndexCancelledError();
    const { pending, batch } = await store.chunksAwaitingEmbedding(BACKFILL_ROUND);
    await onRound(pending);
    if (batch.length === 0) return;
    const vectors = await embedder.embedDocuments(batch.map((chunk) => chunk.content));
    const computed = new Map(batch.map((chunk, index) => [chunk.contentHash, toVectorLiteral(vectors[index])]));
    await store.setEmbeddings(computed);
    await options.embeddingCache?.store(embedder.id, computed);
    summary.chunksEmbedded += computed.size;
    summary.cacheMisses += options.embeddingCache ? computed.size : 0;
  }
}
