// The tsvector text form and ts_rank as the postings in memory read them (the
// whole ranking is compared with the SQL one in src/search/keywordRanking.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tsvectorPosition, visitTsvector } from './binaryCopy.js';
import { singleLexemeRank } from './keywordPostings.js';

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
