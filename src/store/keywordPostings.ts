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

/** One lexeme's postings while they are read: chunk slots (indexes into the per-chunk arrays) and the lexeme's ts_rank in each. */
interface GrowingPosting {
  slots: number[];
  ranks: number[];
}

/**
 * An inverted index of one generation of a project's chunks. Read with add(),
 * then sealed into flat typed arrays (~8 bytes a posting, against ~55 as JS
 * arrays): lexeme → a range of `slots` (sorted) and `ranks` (float4, exactly
 * ts_rank's values).
 */
export class KeywordPostings {
  /** Distinct lexemes per chunk: length(search_vector). */
  private readonly lengths: number[] = [];
  private growing: Map<string, GrowingPosting> | null = new Map();
  private readonly ranges = new Map<string, number>();
  private starts = new Int32Array(1);
  private slots = new Int32Array(0);
  private ranks = new Float32Array(0);

  constructor(private readonly chunks: ChunkColumns) {}

  /** Reads the tsvector text of the chunk in `slot` (slots are added in increasing order). */
  add(slot: number, tsvector: string): void {
    const growing = this.growing;
    if (!growing) throw new Error('the keyword postings are sealed');
    let length = 0;
    visitTsvector(tsvector, (lexeme, positions) => {
      length++;
      let posting = growing.get(lexeme);
      if (!posting) growing.set(lexeme, (posting = { slots: [], ranks: [] }));
      posting.slots.push(slot);
      posting.ranks.push(singleLexemeRank(positions));
    });
    this.lengths[slot] = length;
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

  /** How many chunks hold each of `lexemes` (the lengths of their posting lists); lexemes no chunk holds are absent. */
  documentFrequencies(lexemes: string[]): Map<string, number> {
    const frequencies = new Map<string, number>();
    for (const lexeme of lexemes) {
      const range = this.ranges.get(lexeme);
      if (range !== undefined) frequencies.set(lexeme, this.starts[range + 1] - this.starts[range]);
    }
    return frequencies;
  }

  /**
   * The exhaustive ranking of every chunk holding one of the terms (weights
   * from rankKeywords), best `limit` first, with the same scores as the SQL
   * ranking's: each share is weight · rank / (rank + norm), summed in term order.
   */
  rank(terms: { lexeme: string; weight: number }[], stats: IndexStatistics, limit: number, filters: ChunkFilters): { hits: KeywordHit[]; scored: number } {
    const allowed = this.chunks.filter(filters);
    const { ids, fileIds } = this.chunks;
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
    const best = [...totals].sort((a, b) => b[1] - a[1] || ids[a[0]] - ids[b[0]]).slice(0, limit);
    const hits = best.map(([slot]) => {
      const termScores = terms.map((term) => {
        const range = this.ranges.get(term.lexeme);
        const at = range === undefined ? -1 : binarySearch(this.slots, this.starts[range], this.starts[range + 1], slot);
        return at < 0 ? 0 : share(term, at, slot);
      });
      return { id: ids[slot], fileId: fileIds[slot], termScores, score: termScores.reduce((sum, value) => sum + value, 0) };
    });
    return { hits, scored: totals.size };
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
