// Full-text analysis done in JavaScript rather than by PostgreSQL's
// to_tsvector: the same stop words and the same (Porter2 / Snowball English)
// stemming as the `english` configuration, but computed where the chunker
// already runs, so the database only parses a ready tsvector. Indexing and
// queries both go through here, so they always agree.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Pinned in package.json: stored tsvectors hold its stems, so a stemmer that
// stems differently needs a migration that marks files for re-analysis (as 3 did).
const porter2 = require('wink-porter2-stemmer') as (word: string) => string;

/** PostgreSQL's english.stop (127 words): too common to say anything about a chunk. */
const ENGLISH_STOP_WORDS = new Set(
  `i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers herself
   it its itself they them their theirs themselves what which who whom this that these those am is are was were be
   been being have has had having do does did doing a an the and but if or because as until while of at by for with
   about against between into through during before after above below to from up down in out on off over under again
   further then once here there when where why how all any both each few more most other some such no nor not only
   own same so than too very s t can will just don should now`.split(/\s+/),
);

/** Longer tokens (generated names, encoded blobs) are not worth a lexeme. */
const MAX_LEXEME_LENGTH = 100;
/** PostgreSQL keeps at most 256 positions per lexeme and positions up to 16383. */
const MAX_POSITIONS_PER_LEXEME = 256;
const MAX_POSITION = 16383;

const lexemeCache = new Map<string, string | null>();
const LEXEME_CACHE_LIMIT = 200_000;

/**
 * The lexeme a code token is indexed and searched under, or null for a stop
 * word. Words are stemmed (`signed` → `sign`); tokens with digits (`utf8`)
 * are kept as they are. Whole snake_case identifiers are left out, as the
 * `english` parser did: their words are indexed, and keeping every compound
 * multiplied the vocabulary (and the write cost) several times over.
 * Memoised per token: a corpus repeats a small vocabulary millions of times.
 */
export function lexemeOf(token: string): string | null {
  let lexeme = lexemeCache.get(token);
  if (lexeme === undefined) {
    lexeme = lexemeUncached(token);
    if (lexemeCache.size >= LEXEME_CACHE_LIMIT) lexemeCache.clear();
    lexemeCache.set(token, lexeme);
  }
  return lexeme;
}

function lexemeUncached(token: string): string | null {
  if (token.length === 0 || token.length > MAX_LEXEME_LENGTH || ENGLISH_STOP_WORDS.has(token)) return null;
  if (!/^[a-z]+$/.test(token)) return /^[a-z0-9]+$/.test(token) ? token : null;
  return porter2(token);
}

/** Distinct lexemes of a query's tokens, in first-seen order. */
export function queryLexemes(tokens: string[]): string[] {
  const lexemes = new Set<string>();
  for (const token of tokens) {
    const lexeme = lexemeOf(token);
    if (lexeme) lexemes.add(lexeme);
  }
  return [...lexemes];
}

export interface WeightedText {
  /** tsvector input text, e.g. `'sign':1A '2':2B,5D`. */
  searchText: string;
  /** Its distinct lexemes (for document frequencies). */
  lexemes: string[];
}

/**
 * The fields of a chunk, weighted separately (BM25F-style) through the
 * tsvector weights: A the file's name and the chunk's symbols (with their
 * compounds, identifierCompounds), B the directories of its path, C its
 * comments and docstrings, D the rest of its code.
 */
export interface ChunkFields {
  name: string[];
  directories: string[];
  comments: string[];
  body: string[];
}

/** The weight letter of each field, in the order they are numbered. */
const FIELD_WEIGHTS = [
  ['name', 'A'],
  ['directories', 'B'],
  ['comments', 'C'],
  ['body', 'D'],
] as const;

/**
 * A tsvector literal for a chunk, its fields numbered as one sequence like
 * `setweight(…,'A') || setweight(…,'B') || …` would.
 */
export function fieldTsvector(fields: ChunkFields): WeightedText {
  const positions = new Map<string, string[]>();
  let position = 0;
  for (const [field, weight] of FIELD_WEIGHTS) {
    for (const token of fields[field]) {
      position++;
      const lexeme = lexemeOf(token);
      if (!lexeme) continue;
      let list = positions.get(lexeme);
      if (!list) positions.set(lexeme, (list = []));
      if (list.length < MAX_POSITIONS_PER_LEXEME) list.push(`${Math.min(position, MAX_POSITION)}${weight}`);
    }
  }
  const parts: string[] = [];
  for (const [lexeme, list] of positions) parts.push(`'${lexeme}':${list.join(',')}`);
  return { searchText: parts.join(' '), lexemes: [...positions.keys()] };
}

/** Identifiers with more pieces than this get no compounds (generated names). */
const MAX_COMPOUND_PIECES = 6;

/**
 * Every run of two or more consecutive pieces of a declared name, joined:
 * `parse_retry_after` → parseretry, parseretryafter, retryafter. Indexed for
 * symbol and file names only (not every identifier in a body, which would
 * multiply the vocabulary); queries form the same joins from consecutive
 * words (queryTerms), so "parse the retry-after header" meets the function
 * whose name says exactly that, and `getUserById` meets "get user by id".
 */
export function identifierCompounds(pieces: string[]): string[] {
  if (pieces.length < 2 || pieces.length > MAX_COMPOUND_PIECES) return [];
  const compounds: string[] = [];
  for (let start = 0; start < pieces.length - 1; start++) {
    for (let end = start + 2; end <= pieces.length; end++) compounds.push(pieces.slice(start, end).join(''));
  }
  return compounds;
}

export interface QueryExpansion {
  lexeme: string;
  /** Lexemes of the question's words it stands for. */
  covers: string[];
}

export interface QueryTerms {
  /** Lexemes of the question's own words. */
  words: string[];
  /**
   * Joins of consecutive words (`retryafter`, `getuserbyid`) and initials of
   * three or four consecutive words ("out of memory" → `oom`): how code names
   * things, to be used only where the index holds them.
   */
  expansions: QueryExpansion[];
}

const PLAIN = /^(?:[a-z]+|[0-9]+)$/;
const MAX_EXPANSIONS = 60;

/** A question's lexemes, and the identifier forms its word sequences could take. */
export function queryTerms(tokens: string[], maxWords = Infinity): QueryTerms {
  const words = queryLexemes(tokens).slice(0, maxWords);
  const known = new Set(words);
  const expansions = new Map<string, QueryExpansion>();
  const add = (token: string, run: string[]) => {
    const lexeme = lexemeOf(token);
    if (!lexeme || known.has(lexeme) || expansions.has(lexeme)) return;
    const covers = queryLexemes(run).filter((word) => known.has(word));
    if (covers.length > 0) expansions.set(lexeme, { lexeme, covers });
  };
  // Only plain words: whole identifiers the tokenizer kept are already lexemes.
  const sequence = tokens.filter((token) => PLAIN.test(token));
  for (let start = 0; start < sequence.length; start++) {
    for (let length = 2; length <= 4 && start + length <= sequence.length; length++) {
      const run = sequence.slice(start, start + length);
      add(run.join(''), run);
      if (length >= 3 && run.every((word) => /^[a-z]/.test(word))) add(run.map((word) => word[0]).join(''), run);
    }
  }
  return { words, expansions: [...expansions.values()].slice(0, MAX_EXPANSIONS) };
}

/** tsquery text OR-ing the lexemes (already safe: [a-z0-9]). */
export function anyOf(lexemes: string[]): string {
  return lexemes.map((lexeme) => `'${lexeme}'`).join(' | ');
}

/** tsquery text AND-ing the lexemes. */
export function allOf(lexemes: string[]): string {
  return lexemes.map((lexeme) => `'${lexeme}'`).join(' & ');
}
