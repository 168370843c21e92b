// All SQL of one project's index: files, chunks, embeddings and metadata.
// Backend-neutral: it talks to a SqlClient, PGlite or a PostgreSQL server.
import { UserError } from '../errors/userError.js';
import { isTestPath } from '../scan/testPaths.js';
import { applyMigrations } from './migrations.js';
import type { SqlClient } from './sqlClient.js';
import { BinaryCopyWriter, parseTsvectorLiteral, parseVectorLiteral } from './binaryCopy.js';
import { rerankedCandidates } from './chunkVectors.js';
import { buildInMemoryIndex, postingsFitInMemory, refreshInMemoryIndex, VECTORS_MAX_VALUES, type FullRead, type InMemoryIndex } from './inMemoryIndex.js';
import { computeChampions, coveredShare, documentFrequencies, rankKeywords, type Champions, type IndexStatistics, type RankingOptions, type KeywordRanking, type KeywordTerm } from './keywordRanking.js';

import { defaultModelChangeNote } from '../embed/modelChange.js';
export interface EmbedderInfo {
  id: string;
  dimensions: number;
}

export interface ChunkRecord {
  startLine: number;
  endLine: number;
  symbol: string | null;
  kind: string | null;
  content: string;
  contentHash: string;
  /** tsvector input (searchLexemes.fieldTsvector): names A, directories B, comments C, code D. */
  searchText: string;
  /** The distinct lexemes of searchText, counted into the document frequencies. */
  lexemes: string[];
  /** The vector, or its pgvector literal (e.g. '[0.1,0.2]'); null until it is computed (lexical first). */
  embedding: string | Float32Array | null;
}

export interface FileWrite {
  path: string;
  language: string;
  extension: string;
  contentHash: string;
  sizeBytes: number;
  /** Modification time the file had when read: with the size, lets the next run skip reading it. */
  mtimeMs: number;
  lineCount: number;
  chunks: ChunkRecord[];
}

/** What the index knows of a file, to decide whether it changed. */
export interface StoredFileState {
  contentHash: string;
  sizeBytes: number;
  mtimeMs: number | null;
  indexedAtMs: number;
}

export interface ChunkFilters {
  languages?: string[];
  extensions?: string[];
  fileIds?: number[];
}

export interface RankedChunk {
  id: number;
  /** Cosine distance for vector search, normalised rank for full text. */
  value: number;
  /** Full text only: share of the query's term weight (IDF) this chunk contains, in [0, 1]. */
  coverage?: number;
  /** The chunk's file (file-level evidence, test files lowered); absent only in hand-made lists. */
  fileId?: number;
}

/** Keyword hits as fusion input: value score/(score+1) in [0, 1), coverage the IDF share of the question's words held. */
export function keywordHitsAsRanked(ranking: KeywordRanking): RankedChunk[] {
  return ranking.hits.map((hit) => ({
    id: hit.id,
    fileId: hit.fileId,
    value: hit.score / (hit.score + 1),
    coverage: coveredShare(ranking, (index) => hit.termScores[index] > 0),
  }));
}

export interface StoredChunk {
  id: number;
  path: string;
  language: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  kind: string | null;
  content: string;
}

export interface IndexCounts {
  files: number;
  chunks: number;
}

/**
 * The vector index: IVFFlat (cosine). On the 10,000-file benchmark corpus
 * (455,824 vectors of 100 dimensions) it builds in 11 s on a server where
 * HNSW (m 16, ef_construction 64) took 344 s, and at the probes chosen here
 * finds 0.95 of the exact top 10 where that HNSW found 0.80 (docs/benchmarks.md).
 */
export const VECTOR_INDEX = 'chunks_embedding_ivfflat';
/** Vectors per IVFFlat list (pgvector's advice: rows / 1000 lists). */
const VECTORS_PER_LIST = 1000;
/** Share of the lists a query scans: 1/8 kept recall@10 at 0.95 on the benchmark corpus. */
const PROBED_SHARE = 1 / 8;
/** Scanning fewer lists than this saves nothing worth the recall. */
const MIN_PROBES = 10;
/** The lists are trained on the vectors there are when the index is built: once the table has grown this much, they are trained again. */
const RETRAIN_GROWTH = 2;
/** Below this many vectors a project never retrains (a few lists, all probed). */
const RETRAIN_MIN_VECTORS = 10_000;
/** Memory for training the lists (k-means over a sample); only used while the index is built. */
const INDEX_BUILD_MEMORY = '512MB';
/** project_meta key: how the vector index was built (VectorIndexInfo). */
const VECTOR_INDEX_KEY = 'vector_index';

interface VectorIndexInfo {
  kind: 'ivfflat';
  lists: number;
  probes: number;
  /** Vectors in the table when the lists were trained. */
  vectors: number;
}

function vectorIndexPlan(vectors: number): VectorIndexInfo {
  const lists = Math.max(1, Math.round(vectors / VECTORS_PER_LIST));
  return { kind: 'ivfflat', lists, probes: Math.min(lists, Math.max(MIN_PROBES, Math.ceil(lists * PROBED_SHARE))), vectors };
}
/**
 * Bumped in every transaction that changes files or chunks. Readers compare it
 * with the one their caches were built at: another process (server mode) may
 * index the same project while this one searches it.
 */
const BUMP_GENERATION = `INSERT INTO project_meta (key, value) VALUES ('generation', '1')
  ON CONFLICT (key) DO UPDATE SET value = to_jsonb(project_meta.value::text::bigint + 1)`;
/** One index run per project at a time, across processes: a session-level advisory lock in the project's database. */
const INDEX_LOCK_KEYS = [0x63626d69, 1] as const; // 'cbmi'

/** project_meta key: chunks still without vectors (-1: a run is writing chunks whose vectors follow). */
export const EMBEDDINGS_PENDING_KEY = 'embeddings_pending';
/** The chunks still without a vector (chunksWithoutVectors counts them from it; migration 6 adds it to older projects). */
const AWAITING_EMBEDDING_INDEX = 'CREATE INDEX IF NOT EXISTS chunks_awaiting_embedding ON chunks (content_hash) WHERE embedding IS NULL';
/** project_meta key: files changed and files replaced or deleted since the last ANALYZE and VACUUM (see maintenanceDue). */
const MAINTENANCE_BACKLOG_KEY = 'maintenance_backlog';
/** ANALYZE once this many files plus this share of the project changed since the last one (autovacuum's defaults: 50 + 10 %). */
const ANALYZE_MIN_FILES = 50;
const ANALYZE_SHARE = 0.1;
/** VACUUM once this many files plus this share were replaced or deleted (autovacuum's: 50 + 20 % of the rows). */
const VACUUM_MIN_FILES = 50;
const VACUUM_SHARE = 0.2;

/**
 * pgvector text input. Six decimals are far below any model's precision and
 * make the literal (and the database's parsing of it, a large share of the
 * write cost) about half as long as full float printing.
 */
export function toVectorLiteral(vector: ArrayLike<number>): string {
  return `[${Array.from(vector, (value) => (Number.isFinite(value) ? Math.round(value * 1e6) / 1e6 : 0)).join(',')}]`;
}

function whereClause(filters: ChunkFilters, params: unknown[]): string {
  const conditions: string[] = [];
  if (filters.languages?.length) {
    params.push(filters.languages);
    conditions.push(`language = ANY($${params.length}::text[])`);
  }
  if (filters.extensions?.length) {
    params.push(filters.extensions);
    conditions.push(`extension = ANY($${params.length}::text[])`);
  }
  if (filters.fileIds) {
    params.push(filters.fileIds);
    conditions.push(`file_id = ANY($${params.length}::int[])`);
  }
  return conditions.length ? conditions.join(' AND ') : 'true';
}

/** Removes the chunks matching `condition` and takes their lexemes out of the document frequencies. */
function deleteChunksWhere(condition: string): string {
  return `WITH gone AS (DELETE FROM chunks WHERE ${condition} RETURNING search_vector),
    counts AS (SELECT lexeme, count(*)::int AS n FROM gone, unnest(tsvector_to_array(gone.search_vector)) AS lexeme GROUP BY lexeme)
    UPDATE lexeme_stats SET chunk_count = lexeme_stats.chunk_count - counts.n FROM counts WHERE lexeme_stats.lexeme = counts.lexeme`;
}

/** Per batch: how many of its chunks hold each lexeme. */
function lexemeCounts(chunks: ChunkRecord[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const chunk of chunks) for (const lexeme of chunk.lexemes) counts.set(lexeme, (counts.get(lexeme) ?? 0) + 1);
  return counts;
}

const CHUNK_COLUMNS = 'file_id, path, language, extension, start_line, end_line, symbol, kind, content, content_hash, search_vector, embedding';

/** The chunk rows in binary COPY format (binaryCopy.ts): no literal for the database to parse. */
function chunkRowsForCopy(chunks: { file: FileWrite; chunk: ChunkRecord }[], fileIds: number[]): Buffer {
  const writer = new BinaryCopyWriter(chunks.reduce((bytes, { chunk }) => bytes + chunk.content.length + chunk.searchText.length + 600, 4096));
  chunks.forEach(({ file, chunk }, index) => {
    const embedding = typeof chunk.embedding === 'string' ? parseVectorLiteral(chunk.embedding) : chunk.embedding;
    writer
      .row(12)
      .integer(fileIds[index])
      .text(file.path)
      .text(file.language)
      .text(file.extension)
      .integer(chunk.startLine)
      .integer(chunk.endLine)
      .text(chunk.symbol)
      .text(chunk.kind)
      .text(chunk.content)
      .text(chunk.contentHash)
      .tsvector(parseTsvectorLiteral(chunk.searchText))
      .vector(embedding);
  });
  return writer.finish();
}

/** The same rows as one INSERT over arrays, for a client without COPY. */
async function insertChunkRows(tx: SqlClient, chunks: { file: FileWrite; chunk: ChunkRecord }[], fileIds: number[]): Promise<void> {
  await tx.query(
    `INSERT INTO chunks (${CHUNK_COLUMNS})
     SELECT file_id, path, language, extension, start_line, end_line, symbol, kind, content, content_hash,
            search_text::tsvector, embedding::vector
     FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::text[], $8::text[],
                 $9::text[], $10::text[], $11::text[], $12::text[])
       AS t(file_id, path, language, extension, start_line, end_line, symbol, kind,
            content, content_hash, search_text, embedding)`,
    [
      fileIds,
      chunks.map(({ file }) => file.path),
      chunks.map(({ file }) => file.language),
      chunks.map(({ file }) => file.extension),
      chunks.map(({ chunk }) => chunk.startLine),
      chunks.map(({ chunk }) => chunk.endLine),
      chunks.map(({ chunk }) => chunk.symbol),
      chunks.map(({ chunk }) => chunk.kind),
      chunks.map(({ chunk }) => chunk.content),
      chunks.map(({ chunk }) => chunk.contentHash),
      chunks.map(({ chunk }) => chunk.searchText),
      chunks.map(({ chunk }) => (chunk.embedding instanceof Float32Array ? toVectorLiteral(chunk.embedding) : chunk.embedding)),
    ],
  );
}

export class ProjectStore {
  private filePathsCache: { id: number; path: string }[] | null = null;
  private testFileIdsCache: Set<number> | null = null;
  private countsCache: IndexCounts | null = null;
  private statisticsCache: IndexStatistics | null = null;
  /** Champion lists of common lexemes (keywordRanking.ts), valid for one index generation like the statistics. */
  private championCache = new Map<string, Promise<Champions>>();
  private cachedGeneration: string | null = null;
  private probes: number | undefined;
  /** Keyword postings and vectors in memory (inMemoryIndex.ts) for one generation (see noteSearch). */
  private memory: { generation: string; index: InMemoryIndex } | null = null;
  /** The last read of every chunk, kept across writes: the next generation is refreshed from it. */
  private lastFullRead: FullRead | null = null;
  private memoryBuild: Promise<void> | null = null;
  /** How the index was brought into memory so far (tests, diagnostics). */
  readonly memoryReads = { full: 0, refreshed: 0 };
  private searchesThisGeneration = 0;
  /** Whether this store has answered a search since it was opened. */
  private searched = false;
  private closing = false;

  private constructor(private readonly client: SqlClient) {}

  /**
   * Applies pending migrations and returns the store. The backend has already
   * given its connections the search session settings (sessionSettings.ts).
   */
  static async open(client: SqlClient): Promise<ProjectStore> {
    await applyMigrations(client);
    return new ProjectStore(client);
  }

  /**
   * Runs an index job while holding the project's indexing lock, so two
   * processes never index one project at once. Searches are not affected:
   * they never take this lock.
   */
  async withIndexingLock<T>(projectName: string, work: () => Promise<T>): Promise<T> {
    return this.client.session(async (session) => {
      const [{ locked }] = await session.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [...INDEX_LOCK_KEYS]);
      if (!locked) {
        const holder = await this.indexingLockHolder(session);
        throw new UserError(
          'INDEX_IN_PROGRESS',
          `Project '${projectName}' is being indexed by another process${holder ? ` (${holder})` : ''}.`,
          'Wait for that run to finish, or stop it; searches keep working meanwhile.',
        );
      }
      try {
        return await work();
      } finally {
        await session.query('SELECT pg_advisory_unlock($1, $2)', [...INDEX_LOCK_KEYS]);
      }
    });
  }

  private async indexingLockHolder(session: SqlClient): Promise<string | null> {
    const rows = await session
      .query<{ application_name: string | null; backend_start: Date | string | null; pid: number }>(
        `SELECT a.application_name, a.backend_start, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [...INDEX_LOCK_KEYS],
      )
      .catch(() => []);
    const holder = rows[0];
    if (!holder) return null;
    const since = holder.backend_start ? `, connected since ${new Date(holder.backend_start).toISOString()}` : '';
    return `${holder.application_name || `server process ${holder.pid}`}${since}`;
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.memoryBuild;
    await this.client.close();
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    const rows = await this.client.query<{ value: T }>('SELECT value FROM project_meta WHERE key = $1', [key]);
    return rows[0]?.value;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.client.query(
      `INSERT INTO project_meta (key, value) VALUES ($1, $2::jsonb)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
      [key, JSON.stringify(value)],
    );
  }

  async embedder(): Promise<EmbedderInfo | undefined> {
    return this.getMeta<EmbedderInfo>('embedder');
  }

  /**
   * Makes the embedding column match `embedder`. A project keeps one model:
   * a different one is refused unless `rebuild`, which empties the index (in
   * one transaction) so no file is ever left with vectors of another model.
   */
  async prepareForEmbedder(embedder: EmbedderInfo, rebuild: boolean): Promise<void> {
    const current = await this.embedder();
    if (current && current.id === embedder.id && current.dimensions === embedder.dimensions) return;
    if (current && !rebuild) {
      throw new UserError(
        'MODEL_MISMATCH',
        `This project was indexed with embedding model ${current.id} (${current.dimensions} dimensions), but the configured model is ${embedder.id} (${embedder.dimensions} dimensions).`,
        `Re-index with --force (MCP: force: true) to rebuild it with the configured model, or configure the original model again.${defaultModelChangeNote(current.id, embedder.id)}`,
      );
    }
    await this.client.transaction(async (tx) => {
      await tx.exec(
        `DELETE FROM files; DELETE FROM lexeme_stats; DROP INDEX IF EXISTS ${VECTOR_INDEX}; ALTER TABLE chunks DROP COLUMN IF EXISTS embedding;`,
      );
      // Nullable: with a costly embedder chunks are written first (searchable by
      // full text at once) and their vectors filled in afterwards.
      await tx.exec(`ALTER TABLE chunks ADD COLUMN embedding vector(${Math.trunc(embedder.dimensions)})`);
      await tx.exec(AWAITING_EMBEDDING_INDEX);
      await tx.query(
        `INSERT INTO project_meta (key, value) VALUES ('embedder', $1::jsonb)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [JSON.stringify(embedder)],
      );
      await tx.exec(BUMP_GENERATION);
    });
    this.invalidateCaches();
  }

  async fileStates(): Promise<Map<string, StoredFileState>> {
    return this.fileStatesWhere('true', []);
  }

  /** What the index knows of just these files (a search's results), by path. */
  async fileStatesFor(paths: string[]): Promise<Map<string, StoredFileState>> {
    return paths.length === 0 ? new Map() : this.fileStatesWhere('path = ANY($1::text[])', [paths]);
  }

  private async fileStatesWhere(condition: string, params: unknown[]): Promise<Map<string, StoredFileState>> {
    const rows = await this.client.query<{ path: string; content_hash: string; size_bytes: number; mtime_ms: number | null; indexed_at_ms: number }>(
      `SELECT path, content_hash, size_bytes, mtime_ms, (extract(epoch FROM indexed_at) * 1000)::float8 AS indexed_at_ms FROM files WHERE ${condition}`,
      params,
    );
    return new Map(
      rows.map((row) => [
        row.path,
        { contentHash: row.content_hash, sizeBytes: row.size_bytes, mtimeMs: row.mtime_ms, indexedAtMs: Number(row.indexed_at_ms) },
      ]),
    );
  }

  async filePaths(): Promise<{ id: number; path: string }[]> {
    await this.dropStaleCaches();
    this.filePathsCache ??= await this.client.query<{ id: number; path: string }>('SELECT id, path FROM files ORDER BY path');
    return this.filePathsCache;
  }

  /** Files whose paths say they hold tests (scan/testPaths.ts), cached with the paths. */
  async testFileIds(): Promise<Set<number>> {
    const files = await this.filePaths();
    if (this.testFileIdsCache === null) this.testFileIdsCache = new Set(files.filter((file) => isTestPath(file.path)).map((file) => file.id));
    return this.testFileIdsCache;
  }

  /** Stored vectors for chunk hashes already in the index, so unchanged code is never embedded twice. */
  async embeddingsFor(contentHashes: string[]): Promise<Map<string, string>> {
    if (contentHashes.length === 0) return new Map();
    const rows = await this.client.query<{ content_hash: string; embedding: string }>(
      `SELECT DISTINCT ON (content_hash) content_hash, embedding::text AS embedding
       FROM chunks WHERE content_hash = ANY($1::text[])`,
      [contentHashes],
    );
    return new Map(rows.map((row) => [row.content_hash, row.embedding]));
  }

  /** Replaces the given files and their chunks in one transaction: a crash leaves each file old or new, never half. */
  /**
   * Writes files and their chunks in one transaction. `betweenStatements` is
   * awaited between its statements: an index job lets searches of other
   * projects run there (an embedded store's statements run on the main thread).
   */
  async writeFiles(files: FileWrite[], { betweenStatements }: { betweenStatements?: () => Promise<void> } = {}): Promise<void> {
    if (files.length === 0) return;
    const pause = betweenStatements ?? (async () => {});
    await this.client.transaction(async (tx) => {
      const fileRows = await tx.query<{ id: number; path: string }>(
        `INSERT INTO files (path, language, content_hash, size_bytes, line_count, chunk_count, mtime_ms)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::float8[])
         ON CONFLICT (path) DO UPDATE SET
           language = EXCLUDED.language, content_hash = EXCLUDED.content_hash,
           size_bytes = EXCLUDED.size_bytes, line_count = EXCLUDED.line_count,
           chunk_count = EXCLUDED.chunk_count, mtime_ms = EXCLUDED.mtime_ms, indexed_at = now()
         RETURNING id, path`,
        [
          files.map((file) => file.path),
          files.map((file) => file.language),
          files.map((file) => file.contentHash),
          files.map((file) => file.sizeBytes),
          files.map((file) => file.lineCount),
          files.map((file) => file.chunks.length),
          files.map((file) => file.mtimeMs),
        ],
      );
      await tx.exec(BUMP_GENERATION);
      await pause();
      const idByPath = new Map(fileRows.map((row) => [row.path, row.id]));
      await tx.query(deleteChunksWhere('file_id = ANY($1::int[])'), [fileRows.map((row) => row.id)]);
      const chunks = files.flatMap((file) => file.chunks.map((chunk) => ({ file, chunk })));
      if (chunks.length === 0) return;
      await pause();
      const counts = lexemeCounts(chunks.map(({ chunk }) => chunk));
      await tx.query(
        `INSERT INTO lexeme_stats (lexeme, chunk_count) SELECT * FROM unnest($1::text[], $2::int[])
         ON CONFLICT (lexeme) DO UPDATE SET chunk_count = lexeme_stats.chunk_count + EXCLUDED.chunk_count`,
        [[...counts.keys()], [...counts.values()]],
      );
      await pause();
      const fileIds = chunks.map(({ file }) => idByPath.get(file.path) as number);
      if (tx.copyBinaryFrom) await tx.copyBinaryFrom(`chunks (${CHUNK_COLUMNS})`, chunkRowsForCopy(chunks, fileIds));
      else await insertChunkRows(tx, chunks, fileIds);
    });
    this.invalidateCaches();
  }

  /** Files whose content was found unchanged under a new modification time. */
  async updateModificationTimes(mtimes: Map<string, number>): Promise<void> {
    if (mtimes.size === 0) return;
    await this.client.query(
      `UPDATE files SET mtime_ms = t.mtime_ms, indexed_at = now()
       FROM unnest($1::text[], $2::float8[]) AS t(path, mtime_ms) WHERE files.path = t.path`,
      [[...mtimes.keys()], [...mtimes.values()]],
    );
  }

  async deleteFiles(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.client.transaction(async (tx) => {
      await tx.query(deleteChunksWhere('file_id IN (SELECT id FROM files WHERE path = ANY($1::text[]))'), [paths]);
      await tx.query('DELETE FROM files WHERE path = ANY($1::text[])', [paths]);
      await tx.exec(BUMP_GENERATION);
    });
    this.invalidateCaches();
  }

  /** Chunks written without a vector yet, and their distinct contents (what still needs the embedder). */
  async chunksAwaitingEmbedding(limit: number): Promise<{ pending: number; batch: { contentHash: string; content: string }[] }> {
    // Before its first index run a project has no embedding column at all.
    if (!(await this.embedder())) return { pending: 0, batch: [] };
    const pending = await this.chunksWithoutVectors();
    if (pending === 0) return { pending, batch: [] };
    const rows = await this.client.query<{ content_hash: string; content: string }>(
      `SELECT DISTINCT ON (content_hash) content_hash, content FROM chunks
       WHERE embedding IS NULL ORDER BY content_hash LIMIT $1`,
      [limit],
    );
    return { pending, batch: rows.map((row) => ({ contentHash: row.content_hash, content: row.content })) };
  }

  /** How many chunks have no vector yet (from the partial index chunks_awaiting_embedding, empty once all have one). */
  private async chunksWithoutVectors(): Promise<number> {
    const [{ pending }] = await this.client.query<{ pending: number }>('SELECT count(*)::int AS pending FROM chunks WHERE embedding IS NULL');
    return pending;
  }

  /** Fills in vectors for every chunk with these contents that has none yet. */
  async setEmbeddings(vectors: Map<string, string>): Promise<void> {
    if (vectors.size === 0) return;
    // Vectors in memory are read only when none are pending, but never keep them past a change.
    if (this.memory?.index.vectors) this.memory = null;
    if (this.lastFullRead?.vectors) this.lastFullRead = null;
    await this.client.query(
      `UPDATE chunks SET embedding = t.embedding::vector
       FROM unnest($1::text[], $2::text[]) AS t(content_hash, embedding)
       WHERE chunks.content_hash = t.content_hash AND chunks.embedding IS NULL`,
      [[...vectors.keys()], [...vectors.values()]],
    );
  }

  async counts(): Promise<IndexCounts> {
    await this.dropStaleCaches();
    this.countsCache ??= (
      await this.client.query<IndexCounts>(
        'SELECT (SELECT count(*)::int FROM files) AS files, (SELECT count(*)::int FROM chunks) AS chunks',
      )
    )[0];
    return { ...this.countsCache };
  }

  /** Files and chunks per language, most files first (the web page's chart). */
  async languageCounts(): Promise<{ language: string; files: number; chunks: number }[]> {
    return this.client.query<{ language: string; files: number; chunks: number }>(
      'SELECT language, count(*)::int AS files, coalesce(sum(chunk_count), 0)::int AS chunks FROM files GROUP BY language ORDER BY files DESC, language',
    );
  }

  /** Cached per write: search reads file paths and counts on every query. */
  private invalidateCaches(): void {
    this.filePathsCache = null;
    this.testFileIdsCache = null;
    this.countsCache = null;
    this.statisticsCache = null;
    this.championCache.clear();
    this.cachedGeneration = null;
    this.searchesThisGeneration = 0;
    this.memory = null;
  }

  /** Forgets cached reads when any process has written since they were made. */
  private async dropStaleCaches(): Promise<void> {
    if (this.filePathsCache === null && this.countsCache === null) {
      this.cachedGeneration = await this.generation();
      return;
    }
    const current = await this.generation();
    if (current !== this.cachedGeneration) {
      this.invalidateCaches();
      this.cachedGeneration = current;
    }
  }

  private async generation(): Promise<string> {
    const rows = await this.client.query<{ generation: string }>(
      `SELECT value::text AS generation FROM project_meta WHERE key = 'generation'`,
    );
    return rows[0]?.generation ?? '0';
  }

  async hasVectorIndex(): Promise<boolean> {
    const rows = await this.client.query('SELECT 1 FROM pg_indexes WHERE indexname = $1', [VECTOR_INDEX]);
    return rows.length > 0;
  }

  /**
   * Before a bulk load: bulk loads run faster without an approximate vector
   * index (training and filling it once afterwards is cheaper than growing it
   * row by row). An index whose queries probe every list (below ~10k vectors)
   * is kept: each row meets at most MIN_PROBES centroids, and keeping it spares
   * the rebuild, one statement that holds up every search of an embedded
   * store (161 ms on Django).
   */
  async dropVectorIndexForBulkLoad(): Promise<void> {
    const current = await this.getMeta<VectorIndexInfo>(VECTOR_INDEX_KEY);
    if (current && current.probes >= current.lists && (await this.hasVectorIndex())) return;
    await this.client.exec(`DROP INDEX IF EXISTS ${VECTOR_INDEX}`);
  }

  /**
   * Builds the vector index if it is missing, or trains its lists again when
   * the table has grown well past what they were trained on (a project that
   * started small). Either way the new index is built under another name and
   * swapped in, so searches keep using the old one meanwhile; a crash leaves
   * the old one (or none), and the next run builds it.
   */
  async ensureVectorIndex(): Promise<void> {
    const current = await this.getMeta<VectorIndexInfo>(VECTOR_INDEX_KEY);
    const present = await this.hasVectorIndex();
    // Counted as all chunks less those without one: both cheap (the counts are cached, the rest is a partial index).
    const vectors = (await this.counts()).chunks - (await this.chunksWithoutVectors());
    const grown = current !== undefined && vectors >= RETRAIN_MIN_VECTORS && vectors > current.vectors * RETRAIN_GROWTH;
    if (present && current && !grown) return;
    const plan = vectorIndexPlan(vectors);
    const building = `${VECTOR_INDEX}_next`;
    await this.client.exec(`DROP INDEX IF EXISTS ${building}`);
    await this.client.transaction((tx) =>
      tx.exec(
        `SET LOCAL maintenance_work_mem = '${INDEX_BUILD_MEMORY}';
         CREATE INDEX ${building} ON chunks USING ivfflat (embedding vector_cosine_ops) WITH (lists = ${plan.lists})`,
      ),
    );
    await this.client.transaction(async (tx) => {
      await tx.exec(`DROP INDEX IF EXISTS ${VECTOR_INDEX}; ALTER INDEX ${building} RENAME TO ${VECTOR_INDEX}`);
      await tx.query(
        `INSERT INTO project_meta (key, value) VALUES ($1, $2::jsonb) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [VECTOR_INDEX_KEY, JSON.stringify(plan)],
      );
    });
    this.probes = plan.probes;
  }

  /** How many IVFFlat lists a query scans (from how the index was built). */
  private async vectorProbes(): Promise<number> {
    this.probes ??= (await this.getMeta<VectorIndexInfo>(VECTOR_INDEX_KEY))?.probes ?? MIN_PROBES;
    return this.probes;
  }

  /**
   * What an index run that changed `changedFiles` files (`replacedFiles` of
   * them replaced or deleted) owes the database, as autovacuum would judge it
   * (an embedded store has none): nothing until enough changed since the last
   * ANALYZE, then 'analyze', or 'vacuum' (VACUUM (ANALYZE)) once enough rows
   * were replaced. A bulk load always analyzes. Keeps the backlog in
   * project_meta: at 455k chunks VACUUM (ANALYZE) takes 2.5 s, which a saved
   * file should not pay each time.
   */
  async maintenanceDue({ changedFiles, replacedFiles, bulkLoad }: { changedFiles: number; replacedFiles: number; bulkLoad: boolean }): Promise<'analyze' | 'vacuum' | null> {
    const backlog = (await this.getMeta<{ changed: number; replaced: number }>(MAINTENANCE_BACKLOG_KEY)) ?? { changed: 0, replaced: 0 };
    const changed = backlog.changed + changedFiles;
    const replaced = backlog.replaced + replacedFiles;
    const { files } = await this.counts();
    const due = replaced > VACUUM_MIN_FILES + VACUUM_SHARE * files ? 'vacuum' : bulkLoad || changed > ANALYZE_MIN_FILES + ANALYZE_SHARE * files ? 'analyze' : null;
    const left = due === 'vacuum' ? { changed: 0, replaced: 0 } : due === 'analyze' ? { changed: 0, replaced } : { changed, replaced };
    if (left.changed !== backlog.changed || left.replaced !== backlog.replaced) await this.setMeta(MAINTENANCE_BACKLOG_KEY, left);
    return due;
  }

  /**
   * After a run that changed the index: drops spent lexemes and refreshes the
   * planner's statistics; with `vacuum` (rows were replaced or deleted) also
   * makes their space reusable. `betweenStatements` as in writeFiles.
   */
  async analyze({ betweenStatements, vacuum = false }: { betweenStatements?: () => Promise<void>; vacuum?: boolean } = {}): Promise<void> {
    const refresh = vacuum ? 'VACUUM (ANALYZE)' : 'ANALYZE';
    for (const statement of ['DELETE FROM lexeme_stats WHERE chunk_count <= 0', `${refresh} files`, `${refresh} chunks`, `${refresh} lexeme_stats`]) {
      await this.client.exec(statement);
      await betweenStatements?.();
    }
  }

  /**
   * The `limit` chunks nearest to `query` by cosine distance: when this
   * generation's vectors are in memory, their int8 scan picks candidates and
   * the database gives those their exact distances (the same answer as an
   * exact search); else the vector index answers (approximate on large
   * projects). `from` picks one side (tests); 'memory' fails when they are not read.
   */
  async nearestChunks(query: string | ArrayLike<number>, limit: number, filters: ChunkFilters, { from = 'auto' }: { from?: 'auto' | 'memory' | 'sql' } = {}): Promise<RankedChunk[]> {
    const literal = typeof query === 'string' ? query : toVectorLiteral(query);
    if (from !== 'sql' && this.memory) {
      await this.dropStaleCaches();
      const vectors = this.currentMemory()?.vectors;
      if (vectors) {
        const candidates = vectors.nearest(typeof query === 'string' ? parseVectorLiteral(query) : query, rerankedCandidates(limit), filters);
        return this.exactDistances(literal, candidates, limit);
      }
    }
    if (from === 'memory') throw new Error("this generation's vectors are not in memory");
    const params: unknown[] = [literal, limit];
    const where = whereClause(filters, params);
    const probes = Math.trunc(await this.vectorProbes());
    // probes is the index's own (it grows with its lists): set for this query only.
    const rows = await this.client.transaction(async (tx) => {
      await tx.exec(`SET LOCAL ivfflat.probes = ${probes}`);
      return tx.query<{ id: string; file_id: number; distance: number }>(
        `SELECT id, file_id, embedding <=> $1::vector AS distance FROM chunks
         WHERE embedding IS NOT NULL AND ${where} ORDER BY embedding <=> $1::vector LIMIT $2`,
        params,
      );
    });
    return rows
      .map((row) => ({ id: Number(row.id), fileId: Number(row.file_id), value: Number(row.distance) }))
      .sort((a, b) => a.value - b.value);
  }

  /** The `limit` nearest of `candidates` by their stored vectors' exact cosine distance, nearest first, ties by id. */
  private async exactDistances(queryLiteral: string, candidates: RankedChunk[], limit: number): Promise<RankedChunk[]> {
    if (candidates.length === 0) return [];
    const rows = await this.client.query<{ id: string; distance: number }>(
      'SELECT id, embedding <=> $1::vector AS distance FROM chunks WHERE id = ANY($2::bigint[])',
      [queryLiteral, candidates.map((hit) => hit.id)],
    );
    const distances = new Map(rows.map((row) => [Number(row.id), Number(row.distance)]));
    return candidates
      .filter((hit) => distances.has(hit.id))
      .map((hit) => ({ ...hit, value: distances.get(hit.id) as number }))
      .sort((a, b) => a.value - b.value || a.id - b.id)
      .slice(0, limit);
  }

  /** How many chunks hold each lexeme (kept up to date by every write); lexemes no chunk holds are absent. */
  async documentFrequencies(lexemes: string[]): Promise<Map<string, number>> {
    return documentFrequencies(this.client, lexemes);
  }

  /**
   * Full-text retrieval, exact BM25F-style top-k (keywordRanking.ts): each
   * term counts by its rarity (IDF from document frequencies kept at write
   * time) times its field-weighted, saturated, length-normalised frequency.
   * `words` come from searchLexemes.queryTerms; `expansions` (identifier
   * forms of the question's word runs) count only where the index holds them.
   */
  async keywordRanking(words: string[], expansions: KeywordTerm[], limit: number, filters: ChunkFilters, options: RankingOptions = {}): Promise<KeywordRanking> {
    if (words.length === 0) return { hits: [], terms: [], wordWeights: new Map(), scored: 0, exact: true, source: 'sql' };
    const stats = await this.indexStatistics();
    const champions = (lexeme: string) => {
      const key = `${options.championSize ?? ''}:${lexeme}`;
      let list = this.championCache.get(key);
      if (!list) {
        list = computeChampions(this.client, stats, lexeme, options.championSize);
        list.catch(() => this.championCache.delete(key));
        this.championCache.set(key, list);
      }
      return list;
    };
    const postings = options.exhaustive || options.championMinDf || options.championSize ? undefined : this.currentMemory()?.postings;
    return rankKeywords(this.client, stats, words, expansions, limit, (params) => whereClause(filters, params), { ...options, champions, postings, filters });
  }

  /** This generation's index in memory, if read (the caller has just brought cachedGeneration up to date). */
  private currentMemory(): InMemoryIndex | undefined {
    return this.memory && this.memory.generation === this.cachedGeneration ? this.memory.index : undefined;
  }

  /**
   * Called once per search. A process that searches twice in one generation
   * (the service, a benchmark; not a one-shot CLI search) starts reading it
   * into memory in the background; until that is done the SQL answers.
   */
  async noteSearch(): Promise<void> {
    this.searched = true;
    const stats = await this.indexStatistics(); // brings cachedGeneration up to date
    if (this.currentMemory() || !postingsFitInMemory(stats)) return;
    if (++this.searchesThisGeneration >= 2) this.startMemoryBuild();
  }

  private startMemoryBuild(): void {
    const generation = this.cachedGeneration;
    if (generation === null || this.memoryBuild || this.closing) return;
    this.memoryBuild = (async () => {
      const { chunks } = await this.indexStatistics();
      // Vectors only when every chunk has its own (none still being computed) and they fit.
      const embedder = await this.embedder();
      const pending = await this.getMeta<number>(EMBEDDINGS_PENDING_KEY);
      const dimensions = embedder && !pending && chunks * embedder.dimensions <= VECTORS_MAX_VALUES ? embedder.dimensions : null;
      const stop = () => this.closing;
      // The last full read is brought up to date instead of read again, when it has (or lacks) the vectors wanted now.
      const base = this.lastFullRead;
      const refreshed = base && (base.vectors?.dimensions ?? null) === dimensions ? await refreshInMemoryIndex(this.client, base, stop) : null;
      if (!refreshed) this.lastFullRead = null; // not held twice while the next one is read
      const built = refreshed ?? (await buildInMemoryIndex(this.client, stop, dimensions));
      // Kept only if no write committed while the pages were read.
      if (built && !this.closing && (await this.generation()) === generation && this.cachedGeneration === generation) {
        this.memory = { generation, index: built };
        this.lastFullRead = built.fullRead;
        this.memoryReads[refreshed ? 'refreshed' : 'full']++;
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        this.memoryBuild = null;
      });
  }

  /**
   * A long-lived process (the service) calls this after a search and when an
   * index job ends: if the project has been searched, it starts reading the
   * index into memory in the background when it is missing or stale, so the
   * searches that follow do not wait for a second search to start it.
   */
  warmInMemoryIndex(): void {
    if (!this.searched) return; // a project nobody searches (yet) has no use for it
    if (this.memoryBuild || this.currentMemory()) return; // being read, or read
    void this.readIntoMemory().catch(() => undefined);
  }

  /** Reads the current generation into memory now (tests, benchmarks, warm-up); true when it is ready. */
  async readIntoMemory(): Promise<boolean> {
    const stats = await this.indexStatistics(); // brings cachedGeneration up to date
    if (this.closing || this.cachedGeneration === null || !postingsFitInMemory(stats)) return false;
    await this.memoryBuild;
    if (!this.currentMemory()) {
      this.startMemoryBuild();
      await this.memoryBuild;
    }
    return this.currentMemory() !== undefined;
  }

  /** Keyword hits with values in [0, 1) and their coverage of the question's words (see RankedChunk). */
  async matchingChunks(lexemes: string[], limit: number, filters: ChunkFilters, expansions: KeywordTerm[] = []): Promise<RankedChunk[]> {
    const ranking = await this.keywordRanking(lexemes, expansions, limit, filters);
    return keywordHitsAsRanked(ranking);
  }

  /** Cached like counts(): search reads them on every query. */
  private async indexStatistics(): Promise<IndexStatistics> {
    const { chunks } = await this.counts();
    if (!this.statisticsCache) {
      const [{ lexemes }] = await this.client.query<{ lexemes: string | null }>('SELECT sum(chunk_count)::float8 AS lexemes FROM lexeme_stats');
      this.statisticsCache = { chunks, averageLength: Math.max(1, Number(lexemes ?? 0) / Math.max(chunks, 1)) };
    }
    return this.statisticsCache;
  }

  async chunksById(ids: number[]): Promise<Map<number, StoredChunk>> {
    if (ids.length === 0) return new Map();
    const rows = await this.client.query<{
      id: string;
      path: string;
      language: string;
      start_line: number;
      end_line: number;
      symbol: string | null;
      kind: string | null;
      content: string;
    }>(
      `SELECT id, path, language, start_line, end_line, symbol, kind, content FROM chunks WHERE id = ANY($1::bigint[])`,
      [ids],
    );
    return new Map(
      rows.map((row) => [
        Number(row.id),
        {
          id: Number(row.id),
          path: row.path,
          language: row.language,
          startLine: row.start_line,
          endLine: row.end_line,
          symbol: row.symbol,
          kind: row.kind,
          content: row.content,
        },
      ]),
    );
  }
}
