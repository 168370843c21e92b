// query ─► embed ─┬─► vector top-K ───┐
//                 └─► full-text top-K ┴─► fuse (coverage-weighted scores) ─► filter ─► snippets within a token budget
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import type { ChunkFilters, ProjectStore, RankedChunk, StoredChunk } from '../store/projectStore.js';
import { EMBEDDINGS_PENDING_KEY } from '../store/projectStore.js';
import { isUserError, UserError } from '../errors/userError.js';
import { codeTokens } from '../tokens/codeTokens.js';
import { queryTerms } from '../tokens/searchLexemes.js';
import type { KeywordTerm } from '../store/keywordRanking.js';
import { withFileEvidence } from './fileEvidence.js';
import { asksAboutTests, lowerTestFiles } from './testFiles.js';
import { WORD_VECTOR_EMBEDDER_ID } from '../embed/wordVectorEmbedder.js';

import type { SearchMode } from './searchModes.js';
export { SEARCH_MODES, type SearchMode } from './searchModes.js';

export interface SearchRequest {
  query: string;
  mode: SearchMode;
  limit: number;
  languages?: string[];
  extensions?: string[];
  /** Glob over repository-relative paths; a plain directory name matches everything below it. */
  path?: string;
  /** Budget for all snippets together, in estimated tokens. */
  maxTokens: number;
  /** Lines of the file shown around each chunk. */
  contextLines?: number;
  /** Hybrid only: also return both candidate lists before fusion (bench quality --candidates, to re-fit the fusion offline). */
  traceCandidates?: boolean;
  /** Hybrid only: how the two lists are fused (default FUSION; fusionFor gives the one fitted for an embedder). */
  fusion?: FusionParameters;
}

/** A candidate of one list, before fusion: what scripts/fit-fusion.mjs replays. */
export interface TracedCandidate {
  id: number;
  path: string;
  value: number;
  coverage?: number;
}

export interface SearchHit {
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  kind: string | null;
  language: string;
  /** In [0, 1]; higher is better. Comparable within one response. */
  score: number;
  snippet: string;
  /** First line of `snippet` (differs from startLine when context lines were added). */
  snippetStartLine: number;
  /** True when the snippet was cut to fit the token budget. */
  truncated: boolean;
}

export interface SearchResponse {
  mode: SearchMode;
  results: SearchHit[];
  /** Results that matched but were left out to stay within maxTokens. */
  omittedForBudget: number;
  /** Why results may be incomplete (embeddings still being computed, provider down). */
  notices: string[];
  estimatedTokens: number;
  /** With traceCandidates in hybrid mode: the vector and keyword lists that were fused. */
  candidates?: { vector: TracedCandidate[]; keyword: TracedCandidate[] };
}

const MAX_QUERY_TOKENS = 40;
const TOKENS_PER_RESULT_OVERHEAD = 30;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/** The query's distinct full-text lexemes (code-aware tokens, stop words dropped, words stemmed). */
export function fullTextTerms(query: string): string[] {
  return fullTextQuery(query).words;
}

/** The query's lexemes, and the identifier forms of its word runs (joins, acronyms) with the words each stands for. */
export function fullTextQuery(query: string): { words: string[]; expansions: KeywordTerm[] } {
  const tokens = codeTokens(query, true);
  const { words, expansions } = queryTerms(tokens, MAX_QUERY_TOKENS);
  return { words, expansions: expansions.filter((term) => term.covers.length > 0) };
}

/** Keyword candidates ranked per chunk before file evidence re-ranks them: enough for several chunks of each strong file. */
const KEYWORD_CANDIDATES_MIN = 100;

/**
 * A matcher for a path filter. Unbalanced brackets, braces or parentheses are
 * refused (INVALID_GLOB) rather than matching nothing: `[[[` answering "no
 * results" would send a user looking for code that is there.
 */
export function pathMatcher(glob: string): (path: string) => boolean {
  const trimmed = glob.replace(/^\.\//, '').replace(/\/+$/, '');
  try {
    const matchers = [picomatch(trimmed, { dot: true, strictBrackets: true }), picomatch(`${trimmed}/**`, { dot: true, strictBrackets: true })];
    return (path) => matchers.some((matches) => matches(path));
  } catch (error) {
    throw new UserError(
      'INVALID_GLOB',
      `Invalid path glob ${JSON.stringify(glob)}: ${(error as Error).message}.`,
      'Balance the brackets, braces and parentheses, or escape them with a backslash to match them literally (e.g. src/\\[id\\]).',
    );
  }
}

async function filtersFor(store: ProjectStore, request: SearchRequest): Promise<ChunkFilters | null> {
  const filters: ChunkFilters = {
    languages: request.languages?.map((language) => language.toLowerCase()),
    extensions: request.extensions?.map((extension) => extension.replace(/^\./, '').toLowerCase()),
  };
  if (request.path) {
    const matches = pathMatcher(request.path);
    const files = await store.filePaths();
    const ids = files.filter((file) => matches(file.path)).map((file) => file.id);
    if (ids.length === 0) return null;
    if (ids.length < files.length) filters.fileIds = ids;
  }
  return filters;
}

export interface FusionParameters {
  /** Share of the fused score given to keyword matches: the base, plus this much per unit of the best hit's query coverage… */
  base: number;
  perCoverage: number;
  /** …but never all of it: the meaning-based list always keeps a say. */
  max: number;
  /** Each keyword hit is weighted by its coverage to this power. */
  coveragePower: number;
  /** Normalised vector similarities are raised to this power (above 1: only the nearest few count). */
  vectorPower: number;
}

/**
 * Fitted by scripts/fit-fusion.mjs over every labelled set, leave one set out
 * (docs/benchmarks.md), with the default embedder, code-search-v1: keyword
 * share 0.8 × the best hit's coverage, at most 0.6; each keyword hit weighted
 * by its coverage; vector similarities as they are. Used for every embedder
 * without a fit of its own.
 */
export const FUSION: FusionParameters = { base: 0, perCoverage: 0.8, max: 0.6, coveragePower: 1, vectorPower: 1 };

/** The word vectors' own fit (same script and sets): they need the keyword side to lead. */
export const WORD_VECTOR_FUSION: FusionParameters = { base: 0, perCoverage: 1.6, max: 1, coveragePower: 0, vectorPower: 4 };

/** The fusion fitted for the embedder a project was indexed with (its model id). */
export function fusionFor(embedderId: string | undefined): FusionParameters {
  return embedderId === WORD_VECTOR_EMBEDDER_ID ? WORD_VECTOR_FUSION : FUSION;
}

/**
 * Score fusion of the two candidate lists, each normalised to [0, 1] within
 * itself. How far keyword matches are trusted depends on how much of the
 * question the best of them covers: when the code contains the question's
 * words, keyword ranking is the sharper signal; when it shares only an
 * incidental word, the embeddings decide. Each keyword hit is further
 * weighted by its own coverage to a fitted power. The parameters are fitted
 * per embedder, leave one labelled set out (docs/benchmarks.md); with them
 * hybrid is above keyword-only search on every held-out set, which reciprocal
 * rank fusion was not.
 */
export function fuse(vectorHits: RankedChunk[], textHits: RankedChunk[], limit: number, parameters: FusionParameters = FUSION): { id: number; score: number }[] {
  const bestCoverage = Math.max(0, ...textHits.map((hit) => hit.coverage ?? 0));
  const lexicalShare =
    vectorHits.length === 0 ? 1 : textHits.length === 0 ? 0 : Math.min(parameters.max, parameters.base + parameters.perCoverage * bestCoverage);
  const scores = new Map<number, number>();
  const add = (id: number, score: number) => scores.set(id, (scores.get(id) ?? 0) + score);
  // Cosine distance → similarity, min-max normalised over the list.
  const similarities = vectorHits.map((hit) => 1 - hit.value);
  const [low, high] = [Math.min(...similarities), Math.max(...similarities)];
  vectorHits.forEach((hit, index) => add(hit.id, (1 - lexicalShare) * (high > low ? (similarities[index] - low) / (high - low) : 1) ** parameters.vectorPower));
  const bestText = Math.max(0, ...textHits.map((hit) => hit.value));
  for (const hit of textHits) add(hit.id, lexicalShare * (bestText > 0 ? hit.value / bestText : 1) * (hit.coverage ?? 1) ** parameters.coveragePower);
  return [...scores.entries()]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || a.id - b.id)
    .slice(0, limit);
}

export type QueryEmbedder = (query: string) => Promise<Float32Array>;

async function rankedIds(
  store: ProjectStore,
  embedQuery: QueryEmbedder,
  request: SearchRequest,
  filters: ChunkFilters,
  notices: string[],
  trace: (vector: RankedChunk[], keyword: RankedChunk[]) => void,
): Promise<{ id: number; score: number }[]> {
  const candidates = Math.max(request.limit * 4, 40);
  // The same keyword list in both modes, so lexical mode is hybrid's keyword side.
  const keywordCandidates = Math.max(candidates, KEYWORD_CANDIDATES_MIN);
  const semantic = async (count: number) =>
    store.nearestChunks(await embedQuery(request.query), count, filters);
  const lexical = async (count: number) => {
    const { words, expansions } = fullTextQuery(request.query);
    return withFileEvidence(await store.keywordRanking(words, expansions, count, filters));
  };
  // Every mode ranks more candidates than it returns, so test files lowered
  // (testFiles.ts) leave room for the code they test.
  const testFiles = asksAboutTests(request.query) ? new Set<number>() : await store.testFileIds();
  const best = (ranked: { id: number; score: number }[], fileOf: Map<number, number | undefined>) =>
    lowerTestFiles(ranked, (hit) => fileOf.get(hit.id), testFiles).slice(0, request.limit);
  const filesOf = (...lists: RankedChunk[][]) => new Map(lists.flat().map((hit) => [hit.id, hit.fileId]));
  switch (request.mode) {
    case 'semantic': {
      const vectorHits = await semantic(testFiles.size > 0 ? candidates : request.limit);
      return best(vectorHits.map((hit) => ({ id: hit.id, score: Math.max(0, Math.min(1, 1 - hit.value)) })), filesOf(vectorHits));
    }
    case 'lexical': {
      const textHits = await lexical(keywordCandidates);
      return best(textHits.map((hit) => ({ id: hit.id, score: hit.value })), filesOf(textHits));
    }
    case 'hybrid': {
      // Keyword search needs no embedder: when the provider is down, hybrid
      // degrades to lexical results and says so instead of failing.
      const vectorSearch = semantic(candidates).catch((error: unknown) => {
        if (!isUserError(error) || error.code !== 'EMBEDDER_UNAVAILABLE') throw error;
        notices.push(`The embedding provider is unavailable (${error.message}); these are keyword (lexical) results only.`);
        return [];
      });
      const [vectorHits, textHits] = await Promise.all([vectorSearch, lexical(keywordCandidates)]);
      trace(vectorHits, textHits);
      return best(fuse(vectorHits, textHits, Infinity, request.fusion), filesOf(vectorHits, textHits));
    }
  }
}

async function withContext(root: string, chunk: StoredChunk, contextLines: number): Promise<{ text: string; firstLine: number }> {
  if (contextLines <= 0) return { text: chunk.content, firstLine: chunk.startLine };
  try {
    const lines = (await readFile(join(root, chunk.path), 'utf8')).split('\n');
    const first = Math.max(1, chunk.startLine - contextLines);
    const last = Math.min(lines.length, chunk.endLine + contextLines);
    return { text: lines.slice(first - 1, last).join('\n'), firstLine: first };
  } catch {
    return { text: chunk.content, firstLine: chunk.startLine }; // file changed or gone since indexing
  }
}

function cutToTokens(text: string, tokens: number): string {
  const lines = text.split('\n');
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    used += estimateTokens(`${line}\n`);
    if (used > tokens) break;
    kept.push(line);
  }
  return kept.length ? kept.join('\n') : text.slice(0, Math.max(0, tokens * 4));
}

export async function searchChunks(
  store: ProjectStore,
  embedQuery: QueryEmbedder,
  root: string,
  request: SearchRequest,
): Promise<SearchResponse> {
  await store.noteSearch();
  const filters = await filtersFor(store, request);
  const notices: string[] = [];
  const pending = await store.getMeta<number>(EMBEDDINGS_PENDING_KEY);
  if (pending && request.mode !== 'lexical') {
    notices.push(
      `Vectors are still being computed for ${pending > 0 ? `${pending} chunks` : 'part of the index'}: meaning-based matches cover only what is embedded so far; keyword matches are complete.`,
    );
  }
  let traced: { vector: RankedChunk[]; keyword: RankedChunk[] } | null = null;
  const ranked = filters
    ? await rankedIds(store, embedQuery, request, filters, notices, (vector, keyword) => {
        if (request.traceCandidates) traced = { vector, keyword };
      })
    : [];
  const chunks = await store.chunksById(ranked.map((hit) => hit.id));
  const results: SearchHit[] = [];
  let budget = request.maxTokens;
  let omittedForBudget = 0;
  for (const hit of ranked) {
    const chunk = chunks.get(hit.id);
    if (!chunk) continue;
    if (budget <= TOKENS_PER_RESULT_OVERHEAD) {
      omittedForBudget++;
      continue;
    }
    const { text, firstLine } = await withContext(root, chunk, request.contextLines ?? 0);
    const cost = estimateTokens(text) + TOKENS_PER_RESULT_OVERHEAD;
    let snippet = text;
    if (cost > budget) {
      if (results.length > 0) {
        omittedForBudget++;
        continue;
      }
      snippet = cutToTokens(text, budget - TOKENS_PER_RESULT_OVERHEAD);
    }
    budget -= estimateTokens(snippet) + TOKENS_PER_RESULT_OVERHEAD;
    results.push({
      path: chunk.path,
      startLine: chunk.startLine,
      endLine: chunk.endLine,
      symbol: chunk.symbol,
      kind: chunk.kind,
      language: chunk.language,
      score: Math.round(hit.score * 10000) / 10000,
      snippet,
      snippetStartLine: firstLine,
      truncated: snippet !== text,
    });
  }
  const response: SearchResponse = { mode: request.mode, results, omittedForBudget, estimatedTokens: request.maxTokens - budget, notices };
  if (traced) response.candidates = await withPaths(store, traced);
  return response;
}

async function withPaths(store: ProjectStore, lists: { vector: RankedChunk[]; keyword: RankedChunk[] }): Promise<NonNullable<SearchResponse['candidates']>> {
  const chunks = await store.chunksById([...new Set([...lists.vector, ...lists.keyword].map((hit) => hit.id))]);
  const traced = (hits: RankedChunk[]) =>
    hits.map((hit) => ({ id: hit.id, path: chunks.get(hit.id)?.path ?? '', value: hit.value, ...(hit.coverage !== undefined ? { coverage: hit.coverage } : {}) }));
  return { vector: traced(lists.vector), keyword: traced(lists.keyword) };
}
