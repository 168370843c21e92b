import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FUSION, fuse } from './hybridSearcher.js';

// Vector hits carry cosine distances (lower is better); text hits a normalised
// rank and the share of the query they cover.
const vectorHits = [
  { id: 1, value: 0.1 },
  { id: 2, value: 0.2 },
  { id: 3, value: 0.5 },
];

describe('fuse', () => {
  it('follows the keyword ranking when the best keyword hit covers the whole question', () => {
    const textHits = [
      { id: 3, value: 0.9, coverage: 1 },
      { id: 2, value: 0.5, coverage: 1 },
    ];
    const fused = fuse(vectorHits, textHits, 10);
    assert.deepEqual(fused.map((hit) => hit.id), [3, 2, 1]);
    // A keyword share of 1 (FUSION, fitted by scripts/fit-fusion.mjs) times the normalised 0.9 / 0.9,
    // plus nothing from the vector list, which it then no longer has a say in.
    assert.equal(fused[0].score, 1);
    assert.equal(fused[2].score, 0);
  });

  it('follows the embeddings when keyword hits share only an incidental word', () => {
    const textHits = [
      { id: 3, value: 0.9, coverage: 0.1 },
      { id: 4, value: 0.8, coverage: 0.1 },
    ];
    const fused = fuse(vectorHits, textHits, 10);
    assert.deepEqual(fused.map((hit) => hit.id).slice(0, 2), [1, 2]);
  });

  it('uses one list alone when the other is empty, and honours the limit', () => {
    assert.deepEqual(fuse([], [{ id: 7, value: 0.4, coverage: 0.5 }], 10), [{ id: 7, score: 1 }]);
    const squared = { ...FUSION, coveragePower: 2 };
    assert.deepEqual(fuse([], [{ id: 7, value: 0.4, coverage: 0.5 }], 10, squared), [{ id: 7, score: 0.25 }], 'coverage weighs each keyword hit when asked to');
    assert.deepEqual(fuse(vectorHits, [], 2).map((hit) => hit.id), [1, 2]);
    assert.equal(fuse(vectorHits, [], 2)[0].score, 1);
  });
});
