// The tsvector text form and ts_rank as the postings in memory read them (the
// whole ranking is compared with the SQL one in src/search/keywordRanking.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTsvector, singleLexemeRank } from './keywordPostings.js';

test("a tsvector's text form: quoted and escaped lexemes, weights, lexemes without positions", () => {
  const seen: [string, number[]][] = [];
  parseTsvector("'a\\\\b':1 'it''s':2A,7,9C 'plain' 'x':3B", (lexeme, codes) => seen.push([lexeme, codes]));
  assert.deepEqual(seen, [
    ['a\\b', [0]],
    ["it's", [3, 0, 1]],
    ['plain', []],
    ['x', [2]],
  ]);
});

test("one lexeme's rank is PostgreSQL's ts_rank('{0.3, 0.5, 0.35, 1.0}', vector, lexeme, 0)", () => {
  // From PostgreSQL: ts_rank('{0.3,0.5,0.35,1}', 'a:1A,2,3B b'::tsvector, 'a') and (…, 'b').
  assert.equal(singleLexemeRank([3, 0, 2]), Math.fround(0.6771633));
  assert.equal(singleLexemeRank([]), Math.fround(0.18237814));
});
