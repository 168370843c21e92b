import assert from 'node:assert/strict';
import { test } from 'node:test';
import { goldRank, qualityScores } from './retrievalMetrics.js';

test('the gold rank counts each file once, in order of first appearance', () => {
  assert.equal(goldRank(['a.py', 'a.py', 'b.py', 'c.py'], 'b.py'), 2);
  assert.equal(goldRank(['a.py'], 'z.py'), null);
});

test('scores match a hand-checked example', () => {
  // ranks 1, 2, 4 and a miss: MRR = (1 + 0.5 + 0.25 + 0) / 4 = 0.4375
  const scores = qualityScores([1, 2, 4, null]);
  assert.equal(scores.mrrAt10, 0.438);
  assert.equal(scores.recallAt1, 0.25);
  assert.equal(scores.recallAt5, 0.75);
  assert.equal(scores.recallAt10, 0.75);
  // nDCG: (1 + 1/log2(3) + 1/log2(5) + 0) / 4 = (1 + 0.6309 + 0.4307) / 4 = 0.5154
  assert.equal(scores.ndcgAt10, 0.515);
});

test('a rank beyond 10 counts as a miss for the @10 metrics', () => {
  assert.deepEqual(qualityScores([11]), { queries: 1, mrrAt10: 0, recallAt1: 0, recallAt5: 0, recallAt10: 0, ndcgAt10: 0 });
});
