import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WORD_VECTOR_EMBEDDER_ID } from '../embed/wordVectorEmbedder.js';
import { CODE_SEARCH_EMBEDDER_ID } from '../embed/codeSearch/codeSearchEmbedder.js';
import { FUSION, fuse, fusionFor, WORD_VECTOR_FUSION } from './hybridSearcher.js';

// Vector hits carry cosine distances (lower is better); text hits a normalised
// rank and the share of the query they cover.
const vectorHits = [
  { id: 1, value: 0.1 },
  { id: 2, value: 0.2 },
  { id: 3, value: 0.5 },
];

describe('fuse', () => {
  it('gives keyword matches the larger share when the best keyword hit covers the whole question, the vectors keep a say', () => {
    const textHits = [
      { id: 3, value: 0.9, coverage: 1 },
      { id: 2, value: 0.5, coverage: 1 },
    ];
    const fused = fuse(vectorHits, textHits, 10);
    // FUSION (fitted by scripts/fit-fusion.mjs): keyword share min(0.6, 0.8 × 1) = 0.6, vectors 0.4.
    // Normalised similarities 1, 0.75, 0: hit 2, in both lists, leads; hit 3, the best keyword hit
    // but the vectors' last, still beats hit 1, the vectors' best with no keyword match.
    assert.deepEqual(fused.map((hit) => hit.id), [2, 3, 1]);
    assert.ok(Math.abs(fused[0].score - (0.4 * 0.75 + (0.6 * 0.5) / 0.9)) < 1e-9);
    assert.ok(Math.abs(fused[1].score - 0.6) < 1e-9);
    assert.ok(Math.abs(fused[2].score - 0.4) < 1e-9);
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
    assert.deepEqual(fuse([], [{ id: 7, value: 0.4, coverage: 0.5 }], 10), [{ id: 7, score: 0.5 }], 'FUSION weighs each keyword hit by its coverage');
    assert.deepEqual(fuse([], [{ id: 7, value: 0.4, coverage: 0.5 }], 10, { ...FUSION, coveragePower: 0 }), [{ id: 7, score: 1 }]);
    const squared = { ...FUSION, coveragePower: 2 };
    assert.deepEqual(fuse([], [{ id: 7, value: 0.4, coverage: 0.5 }], 10, squared), [{ id: 7, score: 0.25 }], 'coverage weighs each keyword hit when asked to');
    assert.deepEqual(fuse(vectorHits, [], 2).map((hit) => hit.id), [1, 2]);
    assert.equal(fuse(vectorHits, [], 2)[0].score, 1);
  });

  it('uses the fusion fitted for the embedder a project was indexed with', () => {
    assert.equal(fusionFor(CODE_SEARCH_EMBEDDER_ID), FUSION);
    assert.equal(fusionFor(WORD_VECTOR_EMBEDDER_ID), WORD_VECTOR_FUSION);
    assert.equal(fusionFor('ollama:nomic-embed-text'), FUSION, 'an embedder without a fit of its own gets the default one');
    const textHits = [
      { id: 3, value: 0.9, coverage: 1 },
      { id: 2, value: 0.5, coverage: 1 },
    ];
    // The word vectors' fit hands a fully covering keyword list the whole say.
    assert.deepEqual(fuse(vectorHits, textHits, 10, WORD_VECTOR_FUSION).map((hit) => hit.id), [3, 2, 1]);
  });
});
