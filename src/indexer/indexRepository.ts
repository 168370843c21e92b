// scan → diff → chunk → embed → write, for one project. Each batch of files
// is written in one transaction, so a crash or a cancel leaves every file
// either as it was or fully replaced; the next run picks up the rest.
import { performance } from 'node:perf_hooks';
import type { Embedder } from '../embed/embedder.js';
import { ScanRootError, scanPaths, scanRepository, type LeftOutRule, type RepositoryIgnores, type ScanOptions, type ScanResult, type SkipReason } from '../scan/scanRepository.js';
import { leftOutWarning } from '../scan/leftOutReport.js';
import { UserError } from '../errors/userError.js';
import type { EmbeddingCache } from '../store/embeddingCache.js';
import type { FileWrite, ProjectStore, StoredFileState } from '../store/projectStore.js';
import { EMBEDDINGS_PENDING_KEY, toVectorLiteral } from '../store/projectStore.js';
import { prepareFiles, unchangedByStat, type PreparedBatch } from './prepareFiles.js';
import { PREPARATION_THREADS, prepareOnThread } from './preparationThread.js';
import { threadCpuMs } from './threadCpu.js';

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
  /** Which files the run added, changed and removed (with `collectChanges`, and always from `indexPaths`). */
  changes?: FileChanges;
  /** Where the run's time went, wall ms per stage (IndexStages). */
  stages: IndexStages;
  /** The same stages in CPU ms of the thread that ran each (threadCpu.ts); null where the system has no per-thread clock. */
  stagesCpu: IndexStages | null;
}

/**
 * Wall ms per stage. Files are prepared (read, parsed, analysed) on a worker
 * thread while the main thread embeds and writes the previous batch, so
 * read + parse + lexemes overlap embed + write; `waitForPreparation` is the
 * main thread's time waiting for the worker (the part that did not overlap).
 */
export interface IndexStages {
  scan: number;
  read: number;
  parse: number;
  lexemes: number;
  waitForPreparation: number;
  embed: number;
  write: number;
  /** Vectors computed after the writes (a costly embedder). */
  backfill: number;
  vectorIndex: number;
  /** ANALYZE and the run's bookkeeping. */
  finalise: number;
}

function noStages(): IndexStages {
  return { scan: 0, read: 0, parse: 0, lexemes: 0, waitForPreparation: 0, embed: 0, write: 0, backfill: 0, vectorIndex: 0, finalise: 0 };
}

export interface FileChanges {
  added: string[];
  changed: string[];
  deleted: string[];
}

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
  /** List the paths added, changed and removed in `summary.changes`. */
  collectChanges?: boolean;
  /** What a background run lets go first (the service's ForegroundGate): searches. */
  foreground?: Foreground;
}

export interface Foreground {
  /**
   * Awaited between the run's steps and a write's statements: resolves once no
   * search runs (or after a bounded wait); inside a transaction of the job's
   * project, its searches are not waited for (they wait for the transaction).
   */
  yield(options?: { insideTransaction?: boolean }): Promise<void>;
  /** Whether searches ran within the last `ms`: the run then writes in smaller transactions. */
  busyWithin(ms: number): boolean;
}

/** Rules listed in a summary; the warning sums up the rest. */
const RULES_IN_SUMMARY = 20;

/** project_meta key: when a run last brought the index up to date with the files (ISO time). */
export const INDEXED_AT_KEY = 'indexed_at';

/** Files read, chunked and embedded together, then written in one transaction. */
const FILES_PER_BATCH = 64;
const EMBED_BATCH = 256;
/** While searches are being answered: ~7 ms of code-search embedding per slice. */
const EMBED_BATCH_BESIDE_SEARCHES = 64;
/** Above this many new files the vector index is dropped and built once after the writes instead of updated row by row. */
const BULK_LOAD_FILES = 500;
/** While searches are being answered, files are written in transactions of about this many chunks. */
const WRITE_SLICE_CHUNKS = 24;
/** Searches this recent count as "being answered". */
const SEARCHES_RECENT_MS = 2_000;

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
  const run = new IndexRun(options);
  run.report('scanning');
  await store.prepareForEmbedder({ id: embedder.id, dimensions: embedder.dimensions }, options.force === true);
  const scan = await run.timed('scan', () => scanRepository(root, { ...options.scan, maxFileBytes: options.maxFileBytes, includeSecrets: options.includeSecrets }).catch(rootVanished));
  run.checkCancelled();
  await run.yieldToForeground();
  const stored = await store.fileStates();
  const present = new Set(scan.files.map((file) => file.relativePath));
  const gone = [...stored.keys()].filter((path) => !present.has(path));
  return run.apply(store, embedder, scan, stored, gone, { leftOutReport: root });
}

/**
 * Brings just `paths` (root-relative files or directories: changed, added or
 * gone) up to date, without scanning the rest of the repository: what a
 * watcher saw change. The same rules as a full scan decide what is indexed,
 * the same one-transaction batches write it (crash-consistent the same way),
 * and whatever the index holds at or below a path that is now gone, ignored
 * or unindexable leaves it.
 */
export async function indexPaths(
  store: ProjectStore,
  root: string,
  embedder: Embedder,
  paths: readonly string[],
  options: IndexOptions & { ignores?: RepositoryIgnores } = {},
): Promise<IndexSummary> {
  const run = new IndexRun({ ...options, collectChanges: true });
  run.report('scanning');
  await store.prepareForEmbedder({ id: embedder.id, dimensions: embedder.dimensions }, false);
  const scan = await run.timed('scan', () =>
    scanPaths(root, paths, {
      maxFileBytes: options.maxFileBytes,
      includeSecrets: options.includeSecrets,
      ignores: options.ignores,
    }).catch(rootVanished),
  );
  run.checkCancelled();
  await run.yieldToForeground();
  const stored = await store.fileStates();
  const present = new Set(scan.files.map((file) => file.relativePath));
  const regions = paths.map((path) => path.replace(/\/+$/, ''));
  const inRegion = (path: string) => regions.some((region) => path === region || path.startsWith(`${region}/`));
  const gone = [...stored.keys()].filter((path) => inRegion(path) && !present.has(path));
  return run.apply(store, embedder, scan, stored, gone);
}

/**
 * The files a full index run would look at again: new, gone, or with another
 * size or modification time than indexed (or one too close to its indexing
 * to trust). Costs a scan and a read of the file table, no file contents.
 */
export async function filesChangedSinceIndexed(
  store: ProjectStore,
  root: string,
  options: Pick<IndexOptions, 'maxFileBytes' | 'includeSecrets'> = {},
): Promise<string[]> {
  const scan = await scanRepository(root, options).catch(rootVanished);
  const stored = await store.fileStates();
  const present = new Set(scan.files.map((file) => file.relativePath));
  const changed = scan.files.filter((file) => !unchangedByStat(file, stored.get(file.relativePath))).map((file) => file.relativePath);
  return [...changed, ...[...stored.keys()].filter((path) => !present.has(path))];
}

function rootVanished(error: unknown): never {
  // The root vanished or became unreadable since it was checked: the user's to fix, not a bug.
  if (!(error instanceof ScanRootError)) throw error;
  throw new UserError(error.problem === 'unreadable' ? 'PATH_UNREADABLE' : error.problem === 'not-a-directory' ? 'NOT_A_DIRECTORY' : 'PATH_NOT_FOUND', error.message);
}

/** One run's counters and progress, and the write path every kind of run shares. */
class IndexRun {
  readonly summary: IndexSummary = {
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
    stages: noStages(),
    stagesCpu: threadCpuMs() === null ? null : noStages(),
  };
  private readonly progress: IndexProgress = {
    phase: 'scanning',
    filesTotal: 0,
    filesDone: 0,
    filesChanged: 0,
    chunksWritten: 0,
    chunksEmbedded: 0,
    chunksPending: 0,
  };
  private readonly started = Date.now();

  constructor(private readonly options: IndexOptions) {
    if (options.collectChanges) this.summary.changes = { added: [], changed: [], deleted: [] };
  }

  /** Runs `work`, adding its wall time (and this thread's CPU time) to `stage`. */
  async timed<T>(stage: keyof IndexStages, work: () => Promise<T>): Promise<T> {
    if (stage !== 'waitForPreparation') await this.yieldToForeground();
    const started = this.stageClock();
    try {
      return await work();
    } finally {
      this.addStage(stage, started);
    }
  }

  /** Wall and thread CPU clocks now, for addStage. */
  stageClock(): { wall: number; cpu: number | null } {
    return { wall: performance.now(), cpu: threadCpuMs() };
  }

  /** Adds the time since `started` (stageClock) to `stage`. */
  addStage(stage: keyof IndexStages, started: { wall: number; cpu: number | null }): void {
    this.summary.stages[stage] += performance.now() - started.wall;
    const cpu = threadCpuMs();
    if (this.summary.stagesCpu && cpu !== null && started.cpu !== null) this.summary.stagesCpu[stage] += cpu - started.cpu;
  }

  report(phase: IndexPhase): void {
    this.progress.phase = phase;
    this.options.onProgress?.({ ...this.progress });
  }

  /** Lets foreground work (searches) go first, when the caller asked for that. */
  readonly yieldToForeground = async (): Promise<void> => {
    await this.options.foreground?.yield();
  };

  /** Between a write's statements, inside its transaction. */
  private readonly yieldInsideTransaction = async (): Promise<void> => {
    await this.options.foreground?.yield({ insideTransaction: true });
  };

  /**
   * Writes prepared files: in one transaction, or, while searches are being
   * answered, in transactions of about WRITE_SLICE_CHUNKS chunks, so that no
   * single statement holds them up for long (each slice is whole files, so a
   * crash leaves the same kind of state as between two batches).
   */
  private async writeFiles(store: ProjectStore, files: FileWrite[]): Promise<void> {
    const betweenStatements = this.yieldInsideTransaction;
    if (!this.options.foreground?.busyWithin(SEARCHES_RECENT_MS)) return store.writeFiles(files, { betweenStatements });
    let slice: FileWrite[] = [];
    let chunks = 0;
    for (const file of files) {
      slice.push(file);
      chunks += file.chunks.length;
      if (chunks >= WRITE_SLICE_CHUNKS) {
        await store.writeFiles(slice, { betweenStatements });
        await this.yieldToForeground();
        slice = [];
        chunks = 0;
      }
    }
    await store.writeFiles(slice, { betweenStatements });
  }

  checkCancelled(): void {
    if (this.options.signal?.aborted) throw new IndexCancelledError();
  }

  private skip(reason: SkipReason): void {
    this.summary.filesSkipped[reason] = (this.summary.filesSkipped[reason] ?? 0) + 1;
  }

  private async remove(store: ProjectStore, paths: string[]): Promise<void> {
    await store.deleteFiles(paths);
    this.summary.filesDeleted += paths.length;
    this.summary.changes?.deleted.push(...paths);
  }

  /** Removes `gone`, then prepares, embeds and writes `scan.files` batch by batch, then embeds what is left and finalises. */
  async apply(
    store: ProjectStore,
    embedder: Embedder,
    scan: ScanResult,
    stored: Map<string, StoredFileState>,
    gone: string[],
    { leftOutReport }: { /** A full run over this root: report what the ignore rules left out. */ leftOutReport?: string } = {},
  ): Promise<IndexSummary> {
    const { options, summary, progress } = this;
    for (const skipped of scan.skipped) this.skip(skipped.reason);
    summary.filesScanned = scan.files.length;
    summary.ignoreMode = scan.ignoreMode;
    summary.ignoredEntries = scan.ignoredCount;
    summary.leftOutByRule = scan.leftOutByRule.slice(0, RULES_IN_SUMMARY);
    summary.notices = scan.notices;
    progress.filesTotal = scan.files.length;

    this.report('removing');
    await this.remove(store, gone);
    await this.yieldToForeground();

    this.report('indexing');
    // Searches meanwhile say their meaning-based results are partial.
    if (embedder.costly) await store.setMeta(EMBEDDINGS_PENDING_KEY, -1);
    const newFiles = scan.files.filter((file) => !stored.has(file.relativePath)).length;
    const bulkLoad = options.force === true || newFiles > BULK_LOAD_FILES;
    if (bulkLoad) await store.dropVectorIndexForBulkLoad();
    await this.yieldToForeground();
    const unreadable: string[] = [];
    const prepareOptions = { force: options.force === true, includeSecrets: options.includeSecrets === true, maxFileBytes: options.maxFileBytes };
    // More than one batch: files are prepared on worker threads, ahead of the writes. So are smaller
    // runs while searches are being answered: parsing on the main thread would hold them up.
    const onThread = scan.files.length > FILES_PER_BATCH || options.foreground?.busyWithin(SEARCHES_RECENT_MS) === true;
    const prepare = (start: number): Promise<PreparedBatch> => {
      const batch = scan.files.slice(start, start + FILES_PER_BATCH);
      const known = new Map<string, StoredFileState>();
      for (const file of batch) {
        const state = stored.get(file.relativePath);
        if (state) known.set(file.relativePath, state);
      }
      const preparing = onThread
        ? prepareOnThread(batch, known, prepareOptions)
        : prepareFiles(batch, known, { ...prepareOptions, betweenFiles: this.yieldToForeground });
      preparing.catch(() => {}); // awaited below, unless a cancel ends the run first
      return preparing;
    };
    // Batches in preparation, in order: one per preparation thread ahead of the writes.
    const ahead = onThread ? PREPARATION_THREADS : 1;
    const pending: Promise<PreparedBatch>[] = [];
    let queued = 0;
    const fill = () => {
      while (pending.length < ahead && queued < scan.files.length) {
        pending.push(prepare(queued));
        queued += FILES_PER_BATCH;
      }
    };
    fill();
    for (let start = 0; pending.length > 0; start += FILES_PER_BATCH) {
      this.checkCancelled();
      const prepared = await this.timed('waitForPreparation', () => pending.shift() as Promise<PreparedBatch>);
      summary.stages.read += prepared.stages.readMs;
      summary.stages.parse += prepared.stages.parseMs;
      summary.stages.lexemes += prepared.stages.lexemesMs;
      if (summary.stagesCpu && prepared.stages.cpu) {
        summary.stagesCpu.read += prepared.stages.cpu.readMs;
        summary.stagesCpu.parse += prepared.stages.cpu.parseMs;
        summary.stagesCpu.lexemes += prepared.stages.cpu.lexemesMs;
      }
      fill();
      summary.filesUnchanged += prepared.unchanged;
      summary.errors.push(...prepared.errors);
      for (const skipped of prepared.skipped) {
        this.skip(skipped.reason);
        unreadable.push(skipped.path);
      }
      await this.timed('write', () => store.updateModificationTimes(new Map(prepared.touched)));
      await this.timed('embed', () => embedBatch(prepared.files, store, embedder, options, summary, this.yieldToForeground));
      this.checkCancelled();
      await this.timed('write', () => this.writeFiles(store, prepared.files));
      for (const file of prepared.files) {
        summary.chunksWritten += file.chunks.length;
        (stored.has(file.path) ? summary.changes?.changed : summary.changes?.added)?.push(file.path);
      }
      summary.filesIndexed += prepared.files.length;
      progress.filesDone = Math.min(scan.files.length, start + FILES_PER_BATCH);
      progress.filesChanged = summary.filesIndexed;
      progress.chunksWritten = summary.chunksWritten;
      progress.chunksEmbedded = summary.chunksEmbedded;
      this.report('indexing');
    }
    // A file that became binary, minified or a secret since the last run leaves the index.
    await this.remove(store, unreadable.filter((path) => stored.has(path)));

    this.report('embedding');
    const backfillStarted = this.stageClock();
    await backfillEmbeddings(store, embedder, options, summary, async (pending) => {
      await store.setMeta(EMBEDDINGS_PENDING_KEY, pending);
      progress.chunksPending = pending;
      progress.chunksEmbedded = summary.chunksEmbedded;
      this.report('embedding');
    });

    this.addStage('backfill', backfillStarted);
    this.report('finalizing');
    await this.timed('vectorIndex', () => store.ensureVectorIndex());
    const finaliseStarted = this.stageClock();
    // A few files changed barely move the planner's statistics; a big change (a branch switch) does.
    // Rows replaced or deleted need VACUUM: an embedded store has no autovacuum, so without it every
    // re-index would leave its old rows' space behind (a Django project forced five times: 33 -> 460 MB).
    const changedFiles = summary.filesIndexed + summary.filesDeleted;
    await this.yieldToForeground();
    const replacedFiles = summary.filesDeleted + summary.filesIndexed - newFiles;
    const due = changedFiles > 0 ? await store.maintenanceDue({ changedFiles, replacedFiles, bulkLoad }) : null;
    if (due) await store.analyze({ betweenStatements: this.yieldToForeground, vacuum: due === 'vacuum' });
    await this.yieldToForeground();
    await store.setMeta(INDEXED_AT_KEY, new Date().toISOString());
    const counts = await store.counts();
    summary.totalFiles = counts.files;
    summary.totalChunks = counts.chunks;
    const warning = leftOutReport === undefined ? null : leftOutWarning(leftOutReport, scan, counts.files);
    if (warning) summary.warnings.push(warning);
    this.addStage('finalise', finaliseStarted);
    for (const stage of Object.keys(summary.stages) as (keyof IndexStages)[]) {
      summary.stages[stage] = Math.round(summary.stages[stage]);
      if (summary.stagesCpu) summary.stagesCpu[stage] = Math.round(summary.stagesCpu[stage]);
    }
    summary.durationMs = Date.now() - this.started;
    this.report('done');
    return summary;
  }
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
  yieldToForeground: () => Promise<void>,
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
  const computed = new Map<string, Float32Array>();
  // An in-process embedder runs on this thread: searches go first between slices, smaller ones while searches run.
  for (let start = 0; start < missingHashes.length; ) {
    const size = options.foreground?.busyWithin(SEARCHES_RECENT_MS) ? EMBED_BATCH_BESIDE_SEARCHES : EMBED_BATCH;
    const slice = missingHashes.slice(start, start + size);
    start += slice.length;
    const vectors = await embedder.embedDocuments(slice.map((hash) => missing.get(hash) as string));
    slice.forEach((hash, index) => computed.set(hash, vectors[index]));
    await yieldToForeground();
  }
  // The store writes the vectors as they are; only the shared cache keeps literals.
  if (cache && computed.size > 0) await cache.store(embedder.id, new Map([...computed].map(([hash, vector]) => [hash, toVectorLiteral(vector)])));
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
