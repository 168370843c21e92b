// Keyword postings in memory: the same BM25F ranking as keywordRanking.ts,
// from an inverted index the long-lived process reads once per index
// generation out of the chunks' tsvectors, instead of recomputing ts_rank
// over every matching chunk in SQL on every search.
//
// Why: on Django (6k chunks) a question's terms match 2–4k chunks, and
// scoring them in SQL costs 60–130 ms of the database's one thread a search,
// which caps a service at ~10 searches/s; at 455k chunks the SQL ranking
// takes 150–900 ms. Here each term's share needs only its posting list: a few
// ms. PostgreSQL stays the store: the postings hold nothing it does not, they
// are rebuilt when the generation moves, and the SQL ranking serves every
// search until they are ready (and for projects with more than
// POSTINGS_MAX_ENTRIES postings, where they would cost too much memory).
// Read by buildInMemoryIndex (inMemoryIndex.ts), with the vectors.
import type { ChunkFilters } from './projectStore.js';
import { FIELD_RANK_WEIGHTS, scoreShare, type IndexStatistics, type KeywordHit } from './keywordRanking.js';
import { visitTsvector } from './binaryCopy.js';
import type { ChunkColumns } from './inMemoryIndex.js';

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

/**
 * An inverted index of one generation of a project's chunks, in flat typed
 * arrays (6 bytes a posting): lexeme → a range of `slots` (sorted) and
 * `ranks` (exactly ts_rank's float4 values, RankColumn). The ranges are laid out up
 * front from the document frequencies lexeme_stats keeps, so reading fills
 * them in place: a 455k-chunk project's 25M postings never exist as JS
 * arrays (~55 bytes a posting) or twice over while being packed.
 */
export class KeywordPostings {
  /** Distinct lexemes per chunk: length(search_vector). */
  private lengths = new Int32Array(1024);
  private readonly ranges = new Map<string, number>();
  private readonly starts: Int32Array;
  /** While reading: where each range's next posting goes; null once sealed. */
  private next: Int32Array | null;
  private readonly slots: Int32Array;
  private readonly ranks: RankColumn;

  /** `frequencies`: how many chunks hold each lexeme, as lexeme_stats says; add() must then bring exactly those. */
  constructor(
    private readonly chunks: ChunkColumns,
    frequencies: Iterable<readonly [string, number]>,
  ) {
    const counts: number[] = [];
    for (const [lexeme, count] of frequencies) {
      if (count <= 0 || this.ranges.has(lexeme)) continue;
      this.ranges.set(lexeme, counts.length);
      counts.push(count);
    }
    this.starts = new Int32Array(counts.length + 1);
    for (let range = 0; range < counts.length; range++) this.starts[range + 1] = this.starts[range] + counts[range];
    this.next = this.starts.slice(0, counts.length);
    this.slots = new Int32Array(this.starts[counts.length]);
    this.ranks = new RankColumn(this.starts[counts.length]);
  }

  /** Reads the tsvector text of the chunk in `slot` (slots are added in increasing order). */
  add(slot: number, tsvector: string): void {
    const next = this.next;
    if (!next) throw new Error('the keyword postings are sealed');
    let length = 0;
    visitTsvector(tsvector, (lexeme, positions) => {
      length++;
      const range = this.ranges.get(lexeme);
      if (range === undefined || next[range] === this.starts[range + 1]) throw new PostingsMismatchError(lexeme);
      const at = next[range]++;
      this.slots[at] = slot;
      this.ranks.set(at, singleLexemeRank(positions));
    });
    if (slot >= this.lengths.length) {
      const grown = new Int32Array(Math.max(slot + 1, this.lengths.length * 2));
      grown.set(this.lengths);
      this.lengths = grown;
    }
    this.lengths[slot] = length;
  }

  /** Ends the reading: every range must be full (the chunks held what lexeme_stats counted). */
  seal(): this {
    const next = this.next;
    if (!next) return this;
    for (const [lexeme, range] of this.ranges) {
      if (next[range] !== this.starts[range + 1]) throw new PostingsMismatchError(lexeme);
    }
    this.next = null;
    return this;
  }

  /** How many chunks hold each of `lexemes` (the lengths of their posting lists); lexemes no chunk holds are absent. */
  documentFrequencies(lexemes: string[]): Map<string, number> {
    return this.liveFrequencies(lexemes, null);
  }

  /** documentFrequencies, not counting the chunks in `dead` slots. */
  liveFrequencies(lexemes: string[], dead: Uint8Array | null, into = new Map<string, number>()): Map<string, number> {
    for (const lexeme of lexemes) {
      const range = this.ranges.get(lexeme);
      if (range === undefined) continue;
      let count = this.starts[range + 1] - this.starts[range];
      if (dead) for (let at = this.starts[range]; at < this.starts[range + 1]; at++) count -= dead[this.slots[at]];
      if (count > 0) into.set(lexeme, (into.get(lexeme) ?? 0) + count);
    }
    return into;
  }

  /**
   * The exhaustive ranking of every chunk holding one of the terms (weights
   * from rankKeywords), best `limit` first, with the same scores as the SQL
   * ranking's: each share is weight · rank / (rank + norm), summed in term
   * order. Term at a time into a dense array of sums, then the best `limit`
   * kept in a heap: at 455k chunks a common term holds ~100k postings.
   */
  rank(terms: RankedTerm[], stats: IndexStatistics, limit: number, filters: ChunkFilters): { hits: KeywordHit[]; scored: number } {
    return rankLayers(this.chunks, [{ postings: this, dead: null }], terms, stats, limit, filters);
  }

  /** Adds each term's share into `totals` for every chunk of these lists that holds it, except `dead` ones and those `allowed` refuses; first-touched slots go to `touched`. */
  accumulate(terms: RankedTerm[], averageLength: number, totals: Float64Array, touched: number[], allowed: ((slot: number) => boolean) | null, dead: Uint8Array | null): void {
    for (const term of terms) {
      const range = this.ranges.get(term.lexeme);
      if (range === undefined) continue;
      for (let at = this.starts[range]; at < this.starts[range + 1]; at++) {
        const slot = this.slots[at];
        if ((dead && dead[slot]) || (allowed && !allowed(slot))) continue;
        if (totals[slot] === 0) touched.push(slot);
        totals[slot] += scoreShare(term.weight, this.ranks.get(at), this.lengths[slot], averageLength);
      }
    }
  }

  /** One term's share of the chunk in `slot`; 0 when these lists do not have it holding the term. */
  shareOf(term: RankedTerm, slot: number, averageLength: number): number {
    const range = this.ranges.get(term.lexeme);
    const at = range === undefined ? -1 : binarySearch(this.slots, this.starts[range], this.starts[range + 1], slot);
    return at < 0 ? 0 : scoreShare(term.weight, this.ranks.get(at), this.lengths[slot], averageLength);
  }
}

type RankedTerm = { lexeme: string; weight: number };

/** What the ranking reads: one read of the chunks, or one with the changes since on top (RefreshedPostings). */
export interface PostingsIndex {
  documentFrequencies(lexemes: string[]): Map<string, number>;
  rank(terms: RankedTerm[], stats: IndexStatistics, limit: number, filters: ChunkFilters): { hits: KeywordHit[]; scored: number };
}

/** Per-slot score sums, reused by every ranking (zeroed after each through the slots it touched; rankings are synchronous). */
let sharedTotals = new Float64Array(0);

/** Ranks over posting lists whose slots are disjoint (a chunk is in one layer), all numbered in `columns`. */
function rankLayers(
  columns: ChunkColumns,
  layers: { postings: KeywordPostings; dead: Uint8Array | null }[],
  terms: RankedTerm[],
  stats: IndexStatistics,
  limit: number,
  filters: ChunkFilters,
): { hits: KeywordHit[]; scored: number } {
  const allowed = columns.filter(filters);
  const { ids, fileIds } = columns;
  if (sharedTotals.length < ids.length) sharedTotals = new Float64Array(ids.length);
  const totals = sharedTotals;
  const touched: number[] = [];
  for (const { postings, dead } of layers) postings.accumulate(terms, stats.averageLength, totals, touched, allowed, dead);
  const best = bestSlots(touched, totals, ids, limit);
  for (const slot of touched) totals[slot] = 0;
  const hits = best.map((slot) => {
    const termScores = terms.map((term) => {
      let share = 0;
      for (const { postings } of layers) share ||= postings.shareOf(term, slot, stats.averageLength);
      return share;
    });
    return { id: ids[slot], fileId: fileIds[slot], termScores, score: termScores.reduce((sum, value) => sum + value, 0) };
  });
  return { hits, scored: touched.length };
}

/**
 * A full read of the chunks (`base`) brought up to a later generation without
 * reading it all again: the chunks deleted since are `dead` slots, those
 * added since (higher ids: ids only grow) are `added`'s, numbered after the
 * base's in `columns`. Ranks exactly as a full read of that generation would.
 */
export class RefreshedPostings implements PostingsIndex {
  constructor(
    private readonly columns: ChunkColumns,
    private readonly base: KeywordPostings,
    private readonly dead: Uint8Array,
    private readonly added: KeywordPostings,
  ) {}

  documentFrequencies(lexemes: string[]): Map<string, number> {
    return this.added.liveFrequencies(lexemes, null, this.base.liveFrequencies(lexemes, this.dead));
  }

  rank(terms: RankedTerm[], stats: IndexStatistics, limit: number, filters: ChunkFilters): { hits: KeywordHit[]; scored: number } {
    return rankLayers(this.columns, [{ postings: this.base, dead: this.dead }, { postings: this.added, dead: null }], terms, stats, limit, filters);
  }
}

/**
 * Each posting's ts_rank as a 16-bit code into a table of the distinct values
 * (a corpus has few: 867 among the 10k corpus's 25M postings), 2 bytes a
 * posting instead of 4. A corpus with more distinct values than codes gets
 * its float4 values kept as they are.
 */
export class RankColumn {
  private codes: Uint16Array | null;
  private values: Float32Array | null = null;
  private readonly table: Float64Array;
  private readonly codeOf = new Map<number, number>();
  // Most postings repeat the one before's rank (one position in the code): no map lookup then.
  private lastRank = Number.NaN;
  private lastCode = 0;

  /** `distinct`: how many values get a code (fewer in tests). */
  constructor(size: number, distinct = 1 << 16) {
    this.codes = new Uint16Array(size);
    this.table = new Float64Array(Math.min(distinct, 1 << 16));
  }

  set(at: number, rank: number): void {
    if (this.codes) {
      if (rank === this.lastRank) {
        this.codes[at] = this.lastCode;
        return;
      }
      let code = this.codeOf.get(rank);
      if (code === undefined && this.codeOf.size < this.table.length) {
        code = this.codeOf.size;
        this.table[code] = rank;
        this.codeOf.set(rank, code);
      }
      if (code !== undefined) {
        this.codes[at] = code;
        this.lastRank = rank;
        this.lastCode = code;
        return;
      }
      this.widen();
    }
    (this.values as Float32Array)[at] = rank;
  }

  get(at: number): number {
    return this.codes ? this.table[this.codes[at]] : (this.values as Float32Array)[at];
  }

  private widen(): void {
    const codes = this.codes as Uint16Array;
    const values = new Float32Array(codes.length);
    for (let at = 0; at < codes.length; at++) values[at] = this.table[codes[at]];
    this.values = values;
    this.codes = null;
  }
}

/** The chunks read do not hold what lexeme_stats counts (a write between the two reads): the build is abandoned. */
export class PostingsMismatchError extends Error {
  constructor(lexeme: string) {
    super(`the chunks' lexemes disagree with lexeme_stats (at '${lexeme}')`);
  }
}

/** Higher score first, then lower chunk id: the order the SQL ranking sorts by. */
function before(a: number, b: number, totals: Float64Array, ids: number[]): boolean {
  return totals[a] > totals[b] || (totals[a] === totals[b] && ids[a] < ids[b]);
}

/** The `limit` best of `slots`, best first, through a heap whose top is the worst kept. */
function bestSlots(slots: number[], totals: Float64Array, ids: number[], limit: number): number[] {
  const heap: number[] = [];
  const worse = (i: number, j: number) => before(heap[j], heap[i], totals, ids);
  const swap = (i: number, j: number) => {
    const held = heap[i];
    heap[i] = heap[j];
    heap[j] = held;
  };
  const siftDown = (from: number) => {
    for (let i = from; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let worst = i;
      if (left < heap.length && worse(left, worst)) worst = left;
      if (right < heap.length && worse(right, worst)) worst = right;
      if (worst === i) return;
      swap(i, worst);
      i = worst;
    }
  };
  for (const slot of slots) {
    if (heap.length < limit) {
      heap.push(slot);
      for (let i = heap.length - 1; i > 0 && worse(i, (i - 1) >> 1); i = (i - 1) >> 1) swap(i, (i - 1) >> 1);
    } else if (limit > 0 && before(slot, heap[0], totals, ids)) {
      heap[0] = slot;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => (before(a, b, totals, ids) ? -1 : 1));
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
