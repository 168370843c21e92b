// Keyword postings in memory: the same BM25F ranking as keywordRanking.ts,
// from an inverted index the long-lived process reads once per index
// generation out of the chunks' tsvectors, instead of recomputing ts_rank
// over every matching chunk in SQL on every search.
//
// Why: on Django (6k chunks) a question's terms match 2–4k chunks, and
// scoring them in SQL costs 60–130 ms of the database's one thread a search,
// which caps a service at ~10 searches/s. Here each term's share needs only
// its posting list: a few ms. PostgreSQL stays the store: the postings hold
// nothing it does not, they are rebuilt when the generation moves, and the
// SQL ranking serves every search until they are ready (and for projects
// larger than POSTINGS_MAX_CHUNKS, where they would cost too much memory).
import type { ChunkFilters } from './projectStore.js';
import { FIELD_RANK_WEIGHTS, scoreShare, type IndexStatistics, type KeywordHit } from './keywordRanking.js';
import type { SqlClient } from './sqlClient.js';
import { visitTsvector } from './binaryCopy.js';

/** Projects with more chunks keep the SQL ranking: sealed postings take ~8 bytes per (chunk, lexeme), ~55 while read. */
export const POSTINGS_MAX_CHUNKS = 150_000;
/** Chunks read per query while building, so searches interleave with a build. */
const BUILD_PAGE = 2000;

/** ts_rank's weights as float4, indexed by the position's weight code (D 0, C 1, B 2, A 3). */
const RANK_WEIGHTS = Float32Array.from(FIELD_RANK_WEIGHTS.replace(/[{}]/g, '').split(',').map(Number));
const f32 = Math.fround;

/**
 * ts_rank(FIELD_RANK_WEIGHTS, vector, 'lexeme', 0) from the lexeme's positions
 * (tsvectorPosition's encoding: the weight code in the top two bits), step by
 * step in float4 as PostgreSQL's calc_rank_or computes it (a lexeme without
 * positions counts as one position of weight D).
 */
export function singleLexemeRank(positions: number[]): number {
  const codes = positions.length > 0 ? positions.map((position) => position >>> 14) : [0];
  let sum = 0;
  let best = -1;
  let bestAt = 0;
  for (let j = 0; j < codes.length; j++) {
    const weight = RANK_WEIGHTS[codes[j]];
    sum = f32(sum + f32(weight / ((j + 1) * (j + 1))));
    if (weight > best) {
      best = weight;
      bestAt = j;
    }
  }
  const rank = f32(f32(f32(best + sum) - f32(best / ((bestAt + 1) * (bestAt + 1)))) / 1.64493406685);
  return rank < 0 ? 1e-20 : rank;
}

/** One lexeme's postings while they are read: chunk slots (indexes into the per-chunk arrays) and the lexeme's ts_rank in each. */
interface GrowingPosting {
  slots: number[];
  ranks: number[];
}

export interface ChunkRow {
  id: string | number;
  file_id: number;
  language: string;
  extension: string;
  vector: string;
}

/**
 * An inverted index of one generation of a project's chunks. Read with add(),
 * then sealed into flat typed arrays (~8 bytes a posting, against ~55 as JS
 * arrays): lexeme → a range of `slots` (sorted) and `ranks` (float4, exactly
 * ts_rank's values).
 */
export class KeywordPostings {
  private readonly ids: number[] = [];
  private readonly fileIds: number[] = [];
  private readonly languages: string[] = [];
  private readonly extensions: string[] = [];
  /** Distinct lexemes per chunk: length(search_vector). */
  private readonly lengths: number[] = [];
  private growing: Map<string, GrowingPosting> | null = new Map();
  private readonly ranges = new Map<string, number>();
  private starts = new Int32Array(1);
  private slots = new Int32Array(0);
  private ranks = new Float32Array(0);

  get chunkCount(): number {
    return this.ids.length;
  }

  add(row: ChunkRow): void {
    const growing = this.growing;
    if (!growing) throw new Error('the keyword postings are sealed');
    const slot = this.ids.length;
    let length = 0;
    visitTsvector(row.vector, (lexeme, positions) => {
      length++;
      let posting = growing.get(lexeme);
      if (!posting) growing.set(lexeme, (posting = { slots: [], ranks: [] }));
      posting.slots.push(slot);
      posting.ranks.push(singleLexemeRank(positions));
    });
    this.ids.push(Number(row.id));
    this.fileIds.push(row.file_id);
    this.languages.push(row.language);
    this.extensions.push(row.extension);
    this.lengths.push(length);
  }

  /** Packs the postings read so far into the flat arrays rank() reads. */
  seal(): this {
    const growing = this.growing ?? new Map<string, GrowingPosting>();
    let total = 0;
    for (const posting of growing.values()) total += posting.slots.length;
    this.starts = new Int32Array(growing.size + 1);
    this.slots = new Int32Array(total);
    this.ranks = new Float32Array(total);
    let at = 0;
    let range = 0;
    for (const [lexeme, posting] of growing) {
      this.ranges.set(lexeme, range);
      this.starts[range++] = at;
      this.slots.set(posting.slots, at);
      this.ranks.set(posting.ranks, at);
      at += posting.slots.length;
    }
    this.starts[range] = at;
    this.growing = null;
    return this;
  }

  /**
   * The exhaustive ranking of every chunk holding one of the terms (weights
   * from rankKeywords), best `limit` first, with the same scores as the SQL
   * ranking's: each share is weight · rank / (rank + norm), summed in term order.
   */
  rank(terms: { lexeme: string; weight: number }[], stats: IndexStatistics, limit: number, filters: ChunkFilters): { hits: KeywordHit[]; scored: number } {
    const allowed = this.filter(filters);
    const totals = new Map<number, number>();
    const share = (term: { weight: number }, at: number, slot: number) => scoreShare(term.weight, this.ranks[at], this.lengths[slot], stats.averageLength);
    for (const term of terms) {
      const range = this.ranges.get(term.lexeme);
      if (range === undefined) continue;
      for (let at = this.starts[range]; at < this.starts[range + 1]; at++) {
        const slot = this.slots[at];
        if (allowed && !allowed(slot)) continue;
        totals.set(slot, (totals.get(slot) ?? 0) + share(term, at, slot));
      }
    }
    const best = [...totals].sort((a, b) => b[1] - a[1] || this.ids[a[0]] - this.ids[b[0]]).slice(0, limit);
    const hits = best.map(([slot]) => {
      const termScores = terms.map((term) => {
        const range = this.ranges.get(term.lexeme);
        const at = range === undefined ? -1 : binarySearch(this.slots, this.starts[range], this.starts[range + 1], slot);
        return at < 0 ? 0 : share(term, at, slot);
      });
      return { id: this.ids[slot], fileId: this.fileIds[slot], termScores, score: termScores.reduce((sum, value) => sum + value, 0) };
    });
    return { hits, scored: totals.size };
  }

  private filter(filters: ChunkFilters): ((slot: number) => boolean) | null {
    const languages = filters.languages?.length ? new Set(filters.languages) : null;
    const extensions = filters.extensions?.length ? new Set(filters.extensions) : null;
    const fileIds = filters.fileIds ? new Set(filters.fileIds) : null;
    if (!languages && !extensions && !fileIds) return null;
    return (slot) =>
      (!languages || languages.has(this.languages[slot])) && (!extensions || extensions.has(this.extensions[slot])) && (!fileIds || fileIds.has(this.fileIds[slot]));
  }
}

/** Slots are appended in increasing order, so each lexeme's range of them is sorted. */
function binarySearch(sorted: Int32Array, from: number, to: number, value: number): number {
  let low = from;
  let high = to - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (sorted[middle] === value) return middle;
    if (sorted[middle] < value) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** Reads every chunk's tsvector, a page at a time (other queries run between pages); null if stopped. */
export async function buildKeywordPostings(client: SqlClient, stop: () => boolean): Promise<KeywordPostings | null> {
  const postings = new KeywordPostings();
  let after = 0;
  for (;;) {
    if (stop()) return null;
    const rows = await client.query<ChunkRow>(
      `SELECT id, file_id, language, extension, search_vector::text AS vector FROM chunks WHERE id > $1 ORDER BY id LIMIT ${BUILD_PAGE}`,
      [after],
    );
    for (const row of rows) postings.add(row);
    if (rows.length < BUILD_PAGE) return postings.seal();
    after = Number(rows[rows.length - 1].id);
  }
}
