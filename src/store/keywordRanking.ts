// Keyword ranking: exact BM25F-style top-k over the chunks' tsvectors, with
// MaxScore pruning over the document frequencies kept in lexeme_stats.
//
// Score of a chunk: Σ over query terms t of  w_t · r / (r + K · (1 − B + B · len / avglen))
//   r       ts_rank of t alone with the field weights (FIELD_RANK_WEIGHTS): a
//           field-weighted, already saturating term frequency (one mention in
//           the code 0.18, one in a name 0.61, many in a name → 1.0)
//   len     the chunk's distinct lexemes; avglen their mean over the index, so
//           long generated tables and error-code lists do not win on bulk
//   w_t     the term's IDF (an identifier form: at most the IDF of the words it stands for)
//
// Candidate generation (MaxScore): each term's score is bounded by
// w_t · UPPER_BOUND_FACTOR. A first pass scores every chunk holding the
// rarest terms (up to SEED_BUDGET) and chunks holding all terms; the k-th
// best score θ found there is a lower bound of the true k-th best. Terms whose
// bounds, cheapest first, sum below θ are non-essential: a chunk holding only
// those cannot reach θ. The second pass scores every chunk holding an
// essential term. The top k is then exactly the exhaustive ranking's
// (src/search/keywordRanking.test.ts checks it against exhaustive ranking), unless the
// essential terms hold more than WORK_CAP chunks, which the result reports.
import type { SqlClient } from './sqlClient.js';
import type { ChunkFilters } from './projectStore.js';

/** ts_rank weights for D (code), C (comments), B (directories), A (file and symbol names). */
export const FIELD_RANK_WEIGHTS = '{0.3, 0.5, 0.35, 1.0}';
/** Saturation and length normalisation, BM25's k1 and b on the ts_rank scale. */
const K = 0.6;
const B = 0.75;
/**
 * Upper bound of one term's share: ts_rank with normalisation 0 stays below
 * 1.62 × the largest field weight (a series Σ 1/j², see PostgreSQL's
 * calc_rank_or), and len ≥ 1 makes the norm at least K · (1 − B).
 */
const RANK_MAX = 1.62;
const UPPER_BOUND_FACTOR = RANK_MAX / (RANK_MAX + K * (1 - B));
/** Chunks scored in the first pass before the threshold is known. */
const SEED_BUDGET = 1500;
/** Most chunks a second pass scores; beyond it the top k is no longer guaranteed exact. */
export const WORK_CAP = 30_000;

export interface KeywordTerm {
  lexeme: string;
  /** The question's words this term stands for (itself for a word; the words of a join or acronym). */
  covers: string[];
}

export interface KeywordHit {
  id: number;
  fileId: number;
  /** The BM25F sum. */
  score: number;
  /** Each term's share of the score, aligned with KeywordRanking.terms. */
  termScores: number[];
}

export interface KeywordRanking {
  hits: KeywordHit[];
  /** Terms the index holds, with their weights. */
  terms: (KeywordTerm & { weight: number; df: number })[];
  /** IDF of each of the question's words (unknown words included: a chunk that misses them is weaker evidence). */
  wordWeights: Map<string, number>;
  /** Chunks whose score was computed. */
  scored: number;
  /** False when WORK_CAP cut the second pass. */
  exact: boolean;
}

export interface IndexStatistics {
  chunks: number;
  /** Mean distinct lexemes per chunk. */
  averageLength: number;
}

type Scored = KeywordHit;

/** Share of the question's word weight (IDF) held by the terms marked present, in [0, 1]. */
export function coveredShare(ranking: Pick<KeywordRanking, 'terms' | 'wordWeights'>, present: (termIndex: number) => boolean): number {
  const queryWeight = [...ranking.wordWeights.values()].reduce((sum, weight) => sum + weight, 0);
  const covered = new Set<string>();
  ranking.terms.forEach((term, index) => {
    if (present(index)) for (const word of term.covers) covered.add(word);
  });
  const matched = [...covered].reduce((sum, word) => sum + (ranking.wordWeights.get(word) ?? 0), 0);
  return queryWeight > 0 ? Math.min(1, matched / queryWeight) : 0;
}

export async function rankKeywords(
  client: SqlClient,
  stats: IndexStatistics,
  words: string[],
  expansions: KeywordTerm[],
  limit: number,
  filterSql: (params: unknown[]) => string,
  options: { exhaustive?: boolean } = {},
): Promise<KeywordRanking> {
  const candidates = [...words.map((word) => ({ lexeme: word, covers: [word] })), ...expansions];
  const rows = await client.query<{ lexeme: string; df: number }>(
    'SELECT lexeme, chunk_count AS df FROM lexeme_stats WHERE lexeme = ANY($1::text[]) AND chunk_count > 0',
    [candidates.map((term) => term.lexeme)],
  );
  const dfOf = new Map(rows.map((row) => [row.lexeme, Number(row.df)]));
  const total = Math.max(stats.chunks, 1);
  const idf = (df: number) => Math.log(1 + (total - df + 0.5) / (df + 0.5));
  const wordWeights = new Map(words.map((word) => [word, idf(dfOf.get(word) ?? 0)]));
  const terms = candidates
    .filter((term) => dfOf.has(term.lexeme))
    .map((term) => {
      const df = dfOf.get(term.lexeme) as number;
      const own = idf(df);
      // An identifier form says no more than the words it stands for.
      const weight = term.covers.length === 1 && term.covers[0] === term.lexeme ? own : Math.min(own, term.covers.reduce((sum, word) => sum + (wordWeights.get(word) ?? 0), 0));
      return { ...term, df, weight };
    })
    .filter((term) => term.weight > 0);
  if (terms.length === 0) return { hits: [], terms, wordWeights, scored: 0, exact: true };

  const score = async (condition: (param: (value: unknown) => string) => string, cap: number): Promise<Scored[]> => {
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const ranks = terms.map((term) => `ts_rank('${FIELD_RANK_WEIGHTS}', search_vector, ${param(`'${term.lexeme}'`)}::tsquery, 0)`);
    const where = condition(param);
    const filters = filterSql(params);
    const weights = param(terms.map((term) => term.weight));
    const norm = `${K} * (${1 - B} + ${B} * len / ${param(stats.averageLength)}::float8)`;
    const shares = terms.map((_, index) => `(${weights}::float8[])[${index + 1}] * ranks[${index + 1}] / (ranks[${index + 1}] + ${norm})`);
    const result = await client.query<{ id: string; file_id: number; shares: number[] }>(
      `SELECT id, file_id, ARRAY[${shares.join(', ')}] AS shares FROM (
         SELECT id, file_id, length(search_vector) AS len, ARRAY[${ranks.join(', ')}] AS ranks
         FROM chunks WHERE ${where} AND ${filters} LIMIT ${Math.trunc(cap)}) c`,
      params,
    );
    return result.map((row) => {
      const termScores = row.shares.map(Number);
      return { id: Number(row.id), fileId: Number(row.file_id), termScores, score: termScores.reduce((sum, value) => sum + value, 0) };
    });
  };
  const anyOf = (list: typeof terms, param: (value: unknown) => string) => `search_vector @@ ${param(list.map((term) => `'${term.lexeme}'`).join(' | '))}::tsquery`;
  const allOf = (list: typeof terms, param: (value: unknown) => string) => `search_vector @@ ${param(list.map((term) => `'${term.lexeme}'`).join(' & '))}::tsquery`;
  const top = (scored: Scored[]) => {
    const unique = new Map(scored.map((hit) => [hit.id, hit]));
    return [...unique.values()].sort((a, b) => b.score - a.score || a.id - b.id).slice(0, limit);
  };
  const totalDf = terms.reduce((sum, term) => sum + term.df, 0);
  if (options.exhaustive || totalDf <= SEED_BUDGET) {
    const all = await score((param) => anyOf(terms, param), Number.MAX_SAFE_INTEGER);
    return { hits: top(all), terms, wordWeights, scored: all.length, exact: true };
  }

  // First pass: the rarest terms' chunks, and chunks holding every term.
  const byRarity = [...terms].sort((a, b) => a.df - b.df || a.lexeme.localeCompare(b.lexeme));
  const rarest: typeof terms = [];
  let room = SEED_BUDGET;
  for (const term of byRarity) {
    if (rarest.length > 0 && term.df > room) break;
    rarest.push(term);
    room -= term.df;
  }
  const seed = await score((param) => anyOf(rarest, param), Number.MAX_SAFE_INTEGER);
  if (terms.length > rarest.length && terms.length > 1) {
    seed.push(...(await score((param) => `${allOf(terms, param)} AND NOT (${anyOf(rarest, param)})`, SEED_BUDGET)));
  }
  const seeded = top(seed);
  const threshold = seeded.length >= limit ? seeded[seeded.length - 1].score : 0;

  // Non-essential: the cheapest bounds that together stay below the threshold.
  const byBound = [...terms].sort((a, b) => a.weight - b.weight || b.df - a.df);
  let bound = 0;
  const essential: typeof terms = [];
  for (const term of byBound) {
    if (essential.length === 0 && bound + term.weight * UPPER_BOUND_FACTOR < threshold) bound += term.weight * UPPER_BOUND_FACTOR;
    else essential.push(term);
  }
  const inSeed = new Set(rarest.map((term) => term.lexeme));
  const remaining = essential.filter((term) => !inSeed.has(term.lexeme));
  if (remaining.length === 0) return { hits: seeded, terms, wordWeights, scored: seed.length, exact: true };
  // Sharper than "any essential term": a chunk without the rarest terms can
  // reach θ only if the bounds of the terms it holds sum to θ, so ask for
  // exactly those term sets (their minimal ones), when they are few.
  const others = terms.filter((term) => !inSeed.has(term.lexeme));
  const sets = threshold > 0 ? qualifyingSets(others.map((term) => term.weight * UPPER_BOUND_FACTOR), threshold) : null;
  if (sets?.length === 0) return { hits: seeded, terms, wordWeights, scored: seed.length, exact: true };
  const condition = (param: (value: unknown) => string) =>
    sets
      ? `search_vector @@ ${param(sets.map((set) => `(${set.map((index) => `'${others[index].lexeme}'`).join(' & ')})`).join(' | '))}::tsquery`
      : anyOf(remaining, param);
  const second = await score((param) => `${condition(param)} AND NOT (${anyOf(rarest, param)})`, WORK_CAP);
  return { hits: top([...seed, ...second]), terms, wordWeights, scored: seed.length + second.length, exact: second.length < WORK_CAP };
}

const MAX_SET_TERMS = 14;
const MAX_SETS = 64;

/**
 * The minimal sets of term indexes whose bounds sum to at least `threshold`
 * (a chunk must hold one of them to reach it), or null when there are too
 * many terms or sets to write as one tsquery.
 */
export function qualifyingSets(bounds: number[], threshold: number): number[][] | null {
  if (bounds.length > MAX_SET_TERMS) return null;
  const sets: number[][] = [];
  for (let mask = 1; mask < 1 << bounds.length; mask++) {
    let sum = 0;
    let smallest = Infinity;
    const members: number[] = [];
    bounds.forEach((bound, index) => {
      if (mask & (1 << index)) {
        sum += bound;
        smallest = Math.min(smallest, bound);
        members.push(index);
      }
    });
    // Minimal: it reaches the threshold, and without its smallest member it would not.
    if (sum >= threshold && sum - smallest < threshold) {
      sets.push(members);
      if (sets.length > MAX_SETS) return null;
    }
  }
  return sets;
}
