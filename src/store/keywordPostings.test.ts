// The tsvector text form and ts_rank as the postings in memory read them (the
// whole ranking is compared with the SQL one in src/search/keywordRanking.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tsvectorPosition, visitTsvector } from './binaryCopy.js';
import { ChunkColumns } from './inMemoryIndex.js';
import { KeywordPostings, PostingsMismatchError, RankColumn, singleLexemeRank } from './keywordPostings.js';

test("a tsvector's text form: quoted and escaped lexemes, weights, lexemes without positions", () => {
  const seen: [string, number[]][] = [];
  visitTsvector("'a\\\\b':1 'it''s':2A,7,9C 'plain' 'x':3B", (lexeme, positions) => seen.push([lexeme, positions]));
  assert.deepEqual(seen, [
    ['a\\b', [tsvectorPosition(1, 'D')]],
    ["it's", [tsvectorPosition(2, 'A'), tsvectorPosition(7, 'D'), tsvectorPosition(9, 'C')]],
    ['plain', []],
    ['x', [tsvectorPosition(3, 'B')]],
  ]);
});

test("one lexeme's rank is PostgreSQL's ts_rank('{0.3, 0.5, 0.35, 1.0}', vector, lexeme, 0)", () => {
  // From PostgreSQL: ts_rank('{0.3,0.5,0.35,1}', 'a:1A,2,3B b'::tsvector, 'a') and (…, 'b').
  assert.equal(singleLexemeRank([tsvectorPosition(1, 'A'), tsvectorPosition(2, 'D'), tsvectorPosition(3, 'B')]), Math.fround(0.6771633));
  assert.equal(singleLexemeRank([]), Math.fround(0.18237814));
});

function postingsOf(chunks: string[], frequencies: [string, number][]): KeywordPostings {
  const columns = new ChunkColumns();
  const postings = new KeywordPostings(columns, frequencies);
  chunks.forEach((vector, index) => postings.add(columns.push({ id: index + 1, file_id: index + 1, language: 'python', extension: 'py', vector }), vector));
  return postings.seal();
}

test('rank keeps the best `limit` chunks, higher score first and the lower id on a tie, the same as ranking them all', () => {
  // Chunks 1 and 3 are identical (a tie): the term in their names outweighs both terms in code (2); 4 holds only the rarer one.
  const chunks = ["'cache':1A 'get':2", "'cache':1 'get':2A 'user':3", "'cache':1A 'get':2", "'user':1", "'get':1"];
  const postings = postingsOf(chunks, [['cache', 3], ['get', 4], ['user', 2]]);
  const terms = [
    { lexeme: 'cache', weight: 1.2 },
    { lexeme: 'user', weight: 0.9 },
  ];
  const stats = { chunks: chunks.length, averageLength: 2 };
  const all = postings.rank(terms, stats, 10, {});
  assert.equal(all.scored, 4);
  assert.deepEqual(all.hits.map((hit) => hit.id), [1, 3, 2, 4]);
  assert.ok(all.hits[0].score === all.hits[1].score);
  for (const limit of [0, 1, 2, 3]) {
    assert.deepEqual(postings.rank(terms, stats, limit, {}).hits, all.hits.slice(0, limit), `limit ${limit}`);
  }
  // Sums start from zero again on the next ranking.
  assert.deepEqual(postings.rank(terms, stats, 10, {}), all);
  assert.deepEqual(postings.rank(terms, stats, 10, { fileIds: [3, 4] }).hits.map((hit) => hit.id), [3, 4]);
});

test('postings laid out from lexeme_stats refuse chunks that disagree with it (a write between the reads)', () => {
  assert.throws(() => postingsOf(["'cache':1 'new':2"], [['cache', 1]]), PostingsMismatchError);
  assert.throws(() => postingsOf(["'cache':1", "'cache':2"], [['cache', 1]]), PostingsMismatchError);
  assert.throws(() => postingsOf(["'cache':1"], [['cache', 1], ['gone', 1]]), PostingsMismatchError);
  assert.deepEqual(postingsOf(["'cache':1", "'cache':2 'x':3"], [['cache', 2], ['x', 1]]).documentFrequencies(['cache', 'x', 'y']), new Map([['cache', 2], ['x', 1]]));
});

test('ranks are kept as codes of their distinct values, and as float4 values once there are more than codes', () => {
  const ranks = [0.25, 0.5, 0.25, 0.125, 0.5, 0.75, 0.0625].map(Math.fround);
  for (const distinct of [65_536, 3]) {
    const column = new RankColumn(ranks.length, distinct);
    ranks.forEach((rank, at) => column.set(at, rank));
    assert.deepEqual(ranks.map((_, at) => column.get(at)), ranks, `${distinct} codes`);
  }
});
