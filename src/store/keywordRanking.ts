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
// Candidate generation, exact (docs/architecture.md, Search): a common term
// (held by more than CHAMPION_MIN_DF chunks) has a champion list, its
// CHAMPIONS chunks of highest share, computed once per index generation and
// cached by the store; its floor, the best share outside the list, bounds
// every other chunk. Rare terms' chunks are scored in full, then champions in
// falling order of their bounds, then the chunks holding each set of common
// terms in falling order of the set's bound (the sum of its terms' floors),
// until the next bound is below the k-th best score found: the top k is then
// exactly the exhaustive ranking's (src/search/keywordRanking.test.ts checks
// it), unless more than WORK_CAP chunks needed scoring, which the result
// reports.
import type { SqlClient } from './sqlClient.js';
import type { ChunkFilters } from './projectStore.js';
import type { PostingsIndex } from './keywordPostings.js';

/** ts_rank weights for D (code), C (comments), B (directories), A (file and symbol names). */
export const FIELD_RANK_WEIGHTS = '{0.3, 0.5, 0.35, 1.0}';
/** Saturation and length normalisation, BM25's k1 and b on the ts_rank scale. */
const K = 0.6;
const B = 0.75;
/** Below this many matches in all, every matching chunk is scored. */
const SEED_BUDGET = 1500;
/** A scoring pass that may score more chunks than this takes the form built for many rows. */
const LARGE_PASS_ROWS = 500;
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
  /** Whether the postings in memory (keywordPostings.ts) or the scoring SQL ranked. */
  source: 'postings' | 'sql';
}

export interface RankingOptions {
  /** Score every match (the reference the pruned ranking must equal). */
  exhaustive?: boolean;
  /** Tests: champion lists for terms held by more chunks than this (default CHAMPION_MIN_DF)… */
  championMinDf?: number;
  /** …of this many chunks (default CHAMPIONS). */
  championSize?: number;
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

/** A term's share of a chunk's score: weight · rank / (rank + norm), as the scoring SQL computes it. */
export function scoreShare(weight: number, rank: number, length: number, averageLength: number): number {
  return (weight * rank) / (rank + K * (1 - B + (B * length) / averageLength));
}

export interface RankingSources {
  /** Champion lists of common terms, cached per index generation. */
  champions?: (lexeme: string) => Promise<Champions>;
  /** When ready: the generation's postings in memory, which rank exhaustively without scoring SQL. */
  postings?: PostingsIndex;
  filters?: ChunkFilters;
}

/** How many chunks hold each lexeme (kept by every write); lexemes no chunk holds are absent. */
export async function documentFrequencies(client: SqlClient, lexemes: string[]): Promise<Map<string, number>> {
  const rows = await client.query<{ lexeme: string; df: number }>(
    'SELECT lexeme, chunk_count AS df FROM lexeme_stats WHERE lexeme = ANY($1::text[]) AND chunk_count > 0',
    [lexemes],
  );
  return new Map(rows.map((row) => [row.lexeme, Number(row.df)]));
}

export async function rankKeywords(
  client: SqlClient,
  stats: IndexStatistics,
  words: string[],
  expansions: KeywordTerm[],
  limit: number,
  filterSql: (params: unknown[]) => string,
  options: RankingOptions & RankingSources = {},
): Promise<KeywordRanking> {
  const candidates = [...words.map((word) => ({ lexeme: word, covers: [word] })), ...expansions];
  // The postings hold the same counts as lexeme_stats (a posting list per lexeme a chunk holds).
  const dfOf = options.postings
    ? options.postings.documentFrequencies(candidates.map((term) => term.lexeme))
    : await documentFrequencies(client, candidates.map((term) => term.lexeme));
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
  if (terms.length === 0) return { hits: [], terms, wordWeights, scored: 0, exact: true, source: 'sql' };
  if (options.postings) {
    const { hits, scored } = options.postings.rank(terms, stats, limit, options.filters ?? {});
    return { hits, terms, wordWeights, scored, exact: true, source: 'postings' };
  }

  // A pass that may score many chunks (`rows`: at most the sum of its terms' document frequencies)
  // decompresses each tsvector once, not once per term's ts_rank, and returns only its best chunks
  // (a margin over `limit`: the final order is the JS sums') with the count it scored: moving
  // thousands of rows out of the database cost more than scoring them. A small pass keeps the plain
  // query, which plans faster (about 2 ms a search on a 100-chunk project).
  const keep = limit * 2 + 20;
  let scoredCount = 0;
  const score = async (condition: (param: (value: unknown) => string) => string, cap: number, rows: number): Promise<Scored[]> => {
    const large = Math.min(cap, rows) > LARGE_PASS_ROWS;
    const params: unknown[] = [];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const vector = large ? 'v' : 'search_vector';
    const ranks = terms.map((term) => `ts_rank('${FIELD_RANK_WEIGHTS}', ${vector}, ${param(`'${term.lexeme}'`)}::tsquery, 0)`);
    const where = condition(param);
    const filters = filterSql(params);
    const weights = param(terms.map((term) => term.weight));
    const norm = `${K} * (${1 - B} + ${B} * len / ${param(stats.averageLength)}::float8)`;
    const shares = terms.map((_, index) => `(${weights}::float8[])[${index + 1}] * ranks[${index + 1}] / (ranks[${index + 1}] + ${norm})`);
    const matching = `chunks WHERE ${where} AND ${filters} LIMIT ${Math.trunc(cap)}`;
    // Decompressed once per row (the concatenation), not once per ts_rank: 40 % off on Django.
    // OFFSET 0 keeps the planner from inlining `ranks` into every share, which evaluated each
    // ts_rank once per reference (22 times for 11 terms): 230 -> 110 ms on an 11-term Django question.
    const source = large ? `(SELECT id, file_id, search_vector || ''::tsvector AS v FROM ${matching}) d` : matching;
    const scoring = `SELECT id, file_id, ARRAY[${shares.join(', ')}] AS shares, ${shares.join(' + ')} AS total FROM (
       SELECT id, file_id, length(${vector}) AS len, ARRAY[${ranks.join(', ')}] AS ranks FROM ${source} OFFSET 0) c`;
    const result = await client.query<{ id: string; file_id: number; shares: number[]; scored?: string }>(
      large ? `SELECT id, file_id, shares, count(*) OVER () AS scored FROM (${scoring}) s ORDER BY total DESC, id LIMIT ${keep}` : scoring,
      params,
    );
    scoredCount += large ? Number(result[0]?.scored ?? 0) : result.length;
    return result.map(scoredHit);
  };
  const anyOf = (list: typeof terms, param: (value: unknown) => string) => `search_vector @@ ${param(list.map((term) => `'${term.lexeme}'`).join(' | '))}::tsquery`;
  const top = (hits: Scored[]) => {
    const unique = new Map(hits.map((hit) => [hit.id, hit]));
    return [...unique.values()].sort((a, b) => b.score - a.score || a.id - b.id).slice(0, limit);
  };
  const totalDf = terms.reduce((sum, term) => sum + term.df, 0);
  if (options.exhaustive || totalDf <= SEED_BUDGET || !options.champions) {
    const all = await score((param) => anyOf(terms, param), Number.MAX_SAFE_INTEGER, totalDf);
    return { hits: top(all), terms, wordWeights, scored: scoredCount, exact: true, source: 'sql' };
  }

  // First every chunk holding a rare term; then each common term's champions
  // (its CHAMPIONS chunks of highest share), in falling order of their
  // bounds — the shares known from the champion lists, each other common
  // term's floor (the best share outside its champions) — until the next
  // bound is below the k-th best score found (θ).
  const common = terms.map((term, index) => ({ term, index })).filter(({ term }) => term.df > (options.championMinDf ?? CHAMPION_MIN_DF));
  const rare = terms.filter((term) => term.df <= (options.championMinDf ?? CHAMPION_MIN_DF));
  const lists: Champions[] = [];
  for (const { term } of common) lists.push(await options.champions!(term.lexeme));
  const withoutRare = (param: (value: unknown) => string) => (rare.length ? ` AND NOT (${anyOf(rare, param)})` : '');
  const rareDf = rare.reduce((sum, term) => sum + term.df, 0);
  const pool = rare.length ? await score((param) => anyOf(rare, param), Number.MAX_SAFE_INTEGER, rareDf) : [];
  let best = top(pool);
  let threshold = best.length >= limit ? best[best.length - 1].score : 0;
  const shares = lists.map((list) => new Map(list.ids.map((id, position) => [id, list.shares[position]])));
  const floors = common.map(({ term }, position) => term.weight * lists[position].floor);
  const championBounds = [...new Set(lists.flatMap((list) => list.ids))]
    .map((id) => ({ id, bound: common.reduce((sum, { term }, position) => sum + (shares[position].has(id) ? term.weight * (shares[position].get(id) as number) : floors[position]), 0) }))
    .sort((a, b) => b.bound - a.bound || a.id - b.id);
  for (let start = 0; start < championBounds.length; start += CHAMPION_BATCH) {
    if (best.length >= limit && championBounds[start].bound < threshold) break;
    const batch = championBounds.slice(start, start + CHAMPION_BATCH).map((entry) => entry.id);
    pool.push(...(await score((param) => `id = ANY(${param(batch)}::bigint[])${withoutRare(param)}`, Number.MAX_SAFE_INTEGER, batch.length)));
    best = top(pool);
    threshold = best.length >= limit ? best[best.length - 1].score : 0;
  }

  // Then best first over sets of the common terms: every chunk left out holds
  // exactly one set of them (of the heaviest ones), and its score is at most
  // the sum of their floors. Sets are scored in falling bound order, a few
  // per query, until the next set's bound is below the k-th best score found
  // (θ): no chunk left can reach it, and the top k is the exhaustive ranking's.
  const plan = termSetPlan(floors);
  const lexemes = common.map(({ term }) => term.lexeme);
  let next = 0;
  while (next < plan.sets.length) {
    if (best.length >= limit && plan.sets[next].bound < threshold) return { hits: best, terms, wordWeights, scored: scoredCount, exact: true, source: 'sql' };
    if (scoredCount >= WORK_CAP) break;
    const round = plan.sets.slice(next, next + SETS_PER_ROUND);
    next += round.length;
    const query = round.map((set) => setQuery(set.members, plan.heavy, lexemes)).join(' | ');
    // Champions found again here are dropped by top(): cheaper than excluding them in SQL.
    pool.push(...(await score((param) => `search_vector @@ ${param(query)}::tsquery${withoutRare(param)}`, WORK_CAP - scoredCount + 1, totalDf)));
    best = top(pool);
    threshold = best.length >= limit ? best[best.length - 1].score : 0;
  }
  // Every set scored, or WORK_CAP reached: then the sets left (the weakest) were not scored.
  return { hits: best, terms, wordWeights, scored: scoredCount, exact: next >= plan.sets.length && scoredCount <= WORK_CAP, source: 'sql' };
}

function scoredHit(row: { id: string; file_id: number; shares: number[] }): Scored {
  const termScores = row.shares.map(Number);
  return { id: Number(row.id), fileId: Number(row.file_id), termScores, score: termScores.reduce((sum, value) => sum + value, 0) };
}

/** A common term's chunks of highest share (unweighted: rank / (rank + norm)), and the best share outside them. */
export interface Champions {
  ids: number[];
  /** Each champion's share, aligned with ids. */
  shares: number[];
  floor: number;
}

/** Terms held by more chunks than this get champion lists; rarer ones are scored in full. */
export const CHAMPION_MIN_DF = 2000;
/** Chunks in a champion list. */
export const CHAMPIONS = 1000;
/** Champions scored per query. */
const CHAMPION_BATCH = 200;

/** Ranks every chunk holding `lexeme` by its unweighted share, once per index generation (ProjectStore caches it). */
export async function computeChampions(client: SqlClient, stats: IndexStatistics, lexeme: string, size = CHAMPIONS): Promise<Champions> {
  const rows = await client.query<{ id: string; share: number }>(
    `SELECT id, r / (r + ${K} * (${1 - B} + ${B} * len / $2::float8)) AS share FROM (
       SELECT id, ts_rank('${FIELD_RANK_WEIGHTS}', search_vector, $1::tsquery, 0) AS r, length(search_vector) AS len
       FROM chunks WHERE search_vector @@ $1::tsquery) c
     ORDER BY share DESC, id LIMIT ${size + 1}`,
    [`'${lexeme}'`, stats.averageLength],
  );
  const champions = rows.slice(0, size);
  return { ids: champions.map((row) => Number(row.id)), shares: champions.map((row) => Number(row.share)), floor: rows.length > size ? Number(rows[size].share) : 0 };
}

/** Term sets scored per query. */
const SETS_PER_ROUND = 1;
/** Most terms whose sets are enumerated; lighter ones only add their bounds to every set. */
const MAX_SET_TERMS = 10;

export interface TermSet {
  /** Indexes (into the terms) of the heavy terms a chunk of this set holds; it holds no other heavy term. */
  members: number[];
  /** Upper bound of the score of any chunk in this set (its members' bounds, plus every light term's). */
  bound: number;
}

/**
 * The sets of the heaviest terms (at most MAX_SET_TERMS) a chunk can hold,
 * strongest bound first. Lighter terms are not enumerated: each set's bound
 * counts them all, and its query ignores them, so the plan stays exact.
 */
export function termSetPlan(bounds: number[]): { heavy: number[]; sets: TermSet[] } {
  const order = bounds.map((_, index) => index).sort((a, b) => bounds[b] - bounds[a] || a - b);
  const heavy = order.slice(0, MAX_SET_TERMS);
  const light = order.slice(MAX_SET_TERMS).reduce((sum, index) => sum + bounds[index], 0);
  const sets: TermSet[] = [];
  // The empty set (no heavy term) matters only with light terms.
  for (let mask = light > 0 ? 0 : 1; mask < 1 << heavy.length; mask++) {
    const members = heavy.filter((_, position) => mask & (1 << position));
    sets.push({ members, bound: light + members.reduce((sum, index) => sum + bounds[index], 0) });
  }
  sets.sort((a, b) => b.bound - a.bound || a.members.length - b.members.length);
  return { heavy, sets };
}

/** The tsquery of chunks holding exactly `members` among the heavy terms (and, for the empty set, some light term). */
export function setQuery(members: number[], heavy: number[], lexemes: string[]): string {
  const quoted = (index: number) => `'${lexemes[index]}'`;
  const absent = heavy.filter((index) => !members.includes(index)).map((index) => `!${quoted(index)}`);
  const present = members.length > 0 ? members.map(quoted) : [`(${lexemes.filter((_, index) => !heavy.includes(index)).map((lexeme) => `'${lexeme}'`).join(' | ')})`];
  return `(${[...present, ...absent].join(' & ')})`;
}
