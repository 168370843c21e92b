// One generation of a project's chunks held in memory by a long-lived
// process (the service, a benchmark): keyword postings (keywordPostings.ts)
// and, where they fit, the vectors (chunkVectors.ts), read together a page
// at a time. PostgreSQL stays the store: this holds nothing it does not, and
// it is read again when the generation moves.
//
// Why: on an embedded store every statement runs on the one thread that also
// answers searches. Ranking from memory takes the scoring SQL and the vector
// query off that thread: a search then costs the database one query for its
// results' rows.
import { visitTsvector } from './binaryCopy.js';
import { KeywordPostings, RefreshedPostings, type PostingsIndex } from './keywordPostings.js';
import { ChunkVectors, RefreshedVectors, type VectorsIndex } from './chunkVectors.js';
import type { IndexStatistics } from './keywordRanking.js';
import type { ChunkFilters } from './projectStore.js';
import type { SqlClient } from './sqlClient.js';

/**
 * Projects with more postings (chunk × distinct lexeme pairs) keep the SQL
 * ranking: postings take 6 bytes each (240 MB at this bound), plus the
 * lexemes' map. The 10,000-file benchmark corpus has 25M (455,824 chunks).
 */
export const POSTINGS_MAX_ENTRIES = 40_000_000;

/** Whether a project of this size is read into memory (its postings: chunks × mean distinct lexemes). */
export function postingsFitInMemory(stats: IndexStatistics): boolean {
  return stats.chunks * stats.averageLength <= POSTINGS_MAX_ENTRIES;
}
/**
 * Vectors are held up to this many values (int8, one byte each: 192 MB; 1.5M
 * chunks of 128 dimensions). The scan costs ~9 µs per thousand values on one
 * core here (4.2 ms for the 10k corpus's 455,824 × 128, 40 ms at the bound).
 */
export const VECTORS_MAX_VALUES = 192_000_000;
/** Chunks read per query while building (~15 ms of the thread each), so searches interleave with a build. */
const BUILD_PAGE = 500;
/** Document frequencies read per query before the chunks. */
const LEXEME_PAGE = 20_000;
/** Chunk ids read per query when bringing a read up to date. */
const ID_PAGE = 20_000;
/** Past this share of a full read's chunks changed (deleted plus added), it is read whole again instead of refreshed. */
const REFRESH_MAX_CHANGED_SHARE = 0.2;

export interface ChunkRow {
  id: string | number;
  file_id: number;
  language: string;
  extension: string;
  vector: string;
  /** pgvector text, when the vectors are read too; null for a chunk not embedded yet. */
  embedding?: string | null;
}

/** Per-chunk columns shared by the postings and the vectors: a chunk is a slot, in id order. */
export class ChunkColumns {
  readonly ids: number[] = [];
  readonly fileIds: number[] = [];
  private readonly languages: string[] = [];
  private readonly extensions: string[] = [];
  // One copy of each language and extension string, not one per row read.
  private readonly names = new Map<string, string>();

  /** Another set of columns holding the same chunks, to append to without changing these. */
  copy(): ChunkColumns {
    const copy = new ChunkColumns();
    // A loop: spreading 455k elements into push() overflows the argument limit.
    for (let slot = 0; slot < this.ids.length; slot++) {
      copy.ids.push(this.ids[slot]);
      copy.fileIds.push(this.fileIds[slot]);
      copy.languages.push(this.languages[slot]);
      copy.extensions.push(this.extensions[slot]);
    }
    for (const [name] of this.names) copy.names.set(name, name);
    return copy;
  }

  /** Appends a chunk and returns its slot. */
  push(row: ChunkRow): number {
    this.ids.push(Number(row.id));
    this.fileIds.push(row.file_id);
    this.languages.push(this.shared(row.language));
    this.extensions.push(this.shared(row.extension));
    return this.ids.length - 1;
  }

  private shared(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    this.names.set(name, name);
    return name;
  }

  /** A test of slots against the search filters, or null when nothing is filtered. */
  filter(filters: ChunkFilters): ((slot: number) => boolean) | null {
    const languages = filters.languages?.length ? new Set(filters.languages) : null;
    const extensions = filters.extensions?.length ? new Set(filters.extensions) : null;
    const fileIds = filters.fileIds ? new Set(filters.fileIds) : null;
    if (!languages && !extensions && !fileIds) return null;
    return (slot) =>
      (!languages || languages.has(this.languages[slot])) && (!extensions || extensions.has(this.extensions[slot])) && (!fileIds || fileIds.has(this.fileIds[slot]));
  }
}

export interface InMemoryIndex {
  postings: PostingsIndex;
  /** Null when the vectors were not read (too many, or some still being computed). */
  vectors: VectorsIndex | null;
  /** The read of every chunk this index is, or is refreshed from (refreshInMemoryIndex). */
  fullRead: FullRead;
}

export interface FullRead {
  columns: ChunkColumns;
  postings: KeywordPostings;
  /** The highest chunk id read (0 for none): chunk ids only grow, so later chunks have higher ones. */
  lastId: number;
  /** The vectors read with it, or null. */
  vectors: ChunkVectors | null;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve)); // requests that arrived meanwhile start first

/** The next page of chunks after chunk id `after`, in id order: what the postings (and, with `withVectors`, the vectors) are read from. */
function chunkPage(client: SqlClient, after: number, withVectors: boolean): Promise<ChunkRow[]> {
  // Text: PGlite returns vector_send's bytea slower than the text (2.9 against 1.2 s for 45k chunks).
  const embedding = withVectors ? ', embedding::text AS embedding' : '';
  return client.query<ChunkRow>(
    `SELECT id, file_id, language, extension, search_vector::text AS vector${embedding} FROM chunks WHERE id > $1 ORDER BY id LIMIT ${BUILD_PAGE}`,
    [after],
  );
}

/** Every lexeme's document frequency from lexeme_stats, a page at a time. */
async function readDocumentFrequencies(client: SqlClient, stop: () => boolean): Promise<[string, number][] | null> {
  const frequencies: [string, number][] = [];
  let after = '';
  for (;;) {
    if (stop()) return null;
    const rows = await client.query<{ lexeme: string; df: number }>(
      `SELECT lexeme, chunk_count AS df FROM lexeme_stats WHERE lexeme > $1 AND chunk_count > 0 ORDER BY lexeme LIMIT ${LEXEME_PAGE}`,
      [after],
    );
    for (const row of rows) frequencies.push([row.lexeme, Number(row.df)]);
    if (rows.length < LEXEME_PAGE) return frequencies;
    after = rows[rows.length - 1].lexeme;
    await nextTurn();
  }
}

/**
 * Reads every chunk's tsvector (and, with `dimensions`, its vector), a page
 * at a time (other queries run between pages); null if stopped. Throws
 * PostingsMismatchError when a write came between reading the document
 * frequencies and the chunks (the caller drops such a build anyway).
 */
export async function buildInMemoryIndex(client: SqlClient, stop: () => boolean, dimensions: number | null): Promise<InMemoryIndex | null> {
  const frequencies = await readDocumentFrequencies(client, stop);
  if (!frequencies) return null;
  const columns = new ChunkColumns();
  const postings = new KeywordPostings(columns, frequencies);
  frequencies.length = 0;
  const vectors = dimensions ? new ChunkVectors(columns, dimensions) : null;
  let after = 0;
  for (;;) {
    if (stop()) return null;
    const rows = await chunkPage(client, after, vectors !== null);
    for (const row of rows) {
      const slot = columns.push(row);
      postings.add(slot, row.vector);
      vectors?.add(slot, row.embedding ?? null);
    }
    if (rows.length < BUILD_PAGE) {
      const lastId = columns.ids.length > 0 ? columns.ids[columns.ids.length - 1] : 0;
      postings.seal();
      vectors?.seal();
      return { postings, vectors, fullRead: { columns, postings, lastId, vectors } };
    }
    after = Number(rows[rows.length - 1].id);
    await nextTurn();
  }
}

/**
 * Brings a full read up to the chunks there are now without reading them all
 * again (1.5 s instead of 17 s at 455k chunks): the ids still there,
 * compared with the read's, say which chunks were deleted; the chunks with
 * higher ids are the ones added. The vectors too when the read has them.
 * Null if stopped, or when so much changed (or a chunk appeared below the
 * read's last id, which a restore could do, or an added chunk has no vector
 * yet) that a full read is the better answer.
 */
export async function refreshInMemoryIndex(client: SqlClient, base: FullRead, stop: () => boolean): Promise<InMemoryIndex | null> {
  const { ids } = base.columns;
  const changedAtMost = Math.max(1, Math.floor(ids.length * REFRESH_MAX_CHANGED_SHARE));
  const dead = new Uint8Array(ids.length);
  let deleted = 0;
  let slot = 0;
  for (let after = 0; ; ) {
    if (stop()) return null;
    const rows = await client.query<{ id: string | number }>(`SELECT id FROM chunks WHERE id > $1 AND id <= $2 ORDER BY id LIMIT ${ID_PAGE}`, [after, base.lastId]);
    for (const row of rows) {
      const id = Number(row.id);
      for (; slot < ids.length && ids[slot] < id; slot++, deleted++) dead[slot] = 1;
      if (slot === ids.length || ids[slot] !== id) return null;
      slot++;
    }
    if (deleted > changedAtMost) return null;
    if (rows.length < ID_PAGE) break;
    after = Number(rows[rows.length - 1].id);
    await nextTurn();
  }
  for (; slot < ids.length; slot++, deleted++) dead[slot] = 1;
  const added: ChunkRow[] = [];
  for (let after = base.lastId; ; ) {
    if (stop()) return null;
    const rows = await chunkPage(client, after, base.vectors !== null);
    if (base.vectors && rows.some((row) => !row.embedding)) return null;
    added.push(...rows);
    if (deleted + added.length > changedAtMost) return null;
    if (rows.length < BUILD_PAGE) break;
    after = Number(rows[rows.length - 1].id);
    await nextTurn();
  }
  const columns = base.columns.copy();
  const frequencies = new Map<string, number>();
  for (const row of added) visitTsvector(row.vector, (lexeme) => frequencies.set(lexeme, (frequencies.get(lexeme) ?? 0) + 1));
  const addedPostings = new KeywordPostings(columns, frequencies);
  const addedVectors = base.vectors ? new ChunkVectors(columns, base.vectors.dimensions, columns.ids.length) : null;
  for (const row of added) {
    const slot = columns.push(row);
    addedPostings.add(slot, row.vector);
    addedVectors?.add(slot, row.embedding ?? null);
  }
  const vectors = base.vectors && addedVectors ? new RefreshedVectors(base.vectors, dead, addedVectors.seal()) : null;
  return { postings: new RefreshedPostings(columns, base.postings, dead, addedPostings.seal()), vectors, fullRead: base };
}
