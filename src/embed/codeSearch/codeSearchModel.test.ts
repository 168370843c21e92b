import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CodeSearchEmbedder } from './codeSearchEmbedder.js';
import { decodeCodeSearchModel, encodeCodeSearchModel, type FloatCodeSearchModel, quantize } from './codeSearchModel.js';

function tinyModel(): FloatCodeSearchModel {
  const dims = 8;
  const wordBuckets = 64;
  const identifierBuckets = 16;
  const buckets = wordBuckets + identifierBuckets;
  const table = Float32Array.from({ length: buckets * dims }, (_, i) => Math.sin(i * 0.7) * (1 + (i % 5)));
  const projection = new Float32Array(dims * dims);
  for (let i = 0; i < dims; i++) projection[i * dims + i] = 1 + i / 10;
  return {
    header: { id: 'tiny@1', dims, wordBuckets, identifierBuckets, headLineBoost: 2 },
    table,
    codeWeights: Float32Array.from({ length: buckets }, (_, i) => 1 + (i % 3)),
    queryWeights: Float32Array.from({ length: buckets }, (_, i) => 2 - (i % 2)),
    queryProjection: projection,
  };
}

describe('code-search model file', () => {
  test('int8 rows with per-row scales stay within half a step of the floats', () => {
    const model = tinyModel();
    const quantized = quantize(model);
    const dims = model.header.dims;
    for (let row = 0; row < quantized.buckets; row++) {
      let max = 0;
      for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(model.table[row * dims + d]));
      const scale = max / 127;
      for (let d = 0; d < dims; d++) {
        // The stored code weight carries the scale: weight · scale · q ≈ weight · value.
        const restored = (quantized.codeWeights[row] / model.codeWeights[row]) * quantized.table[row * dims + d];
        assert.ok(Math.abs(restored - model.table[row * dims + d]) <= scale / 2 + 1e-6);
      }
    }
  });

  test('encodes and decodes to the same model, and embeds the same after the round trip', async () => {
    const quantized = quantize(tinyModel());
    const decoded = decodeCodeSearchModel(encodeCodeSearchModel(quantized));
    assert.deepEqual(decoded.header, quantized.header);
    assert.deepEqual(Array.from(decoded.table), Array.from(quantized.table));
    assert.deepEqual(Array.from(decoded.queryProjection), Array.from(quantized.queryProjection));
    const text = 'def parse_header(value):\n    return value.split(";")';
    const before = await new CodeSearchEmbedder(quantized).embedDocuments([text]);
    const after = await new CodeSearchEmbedder(decoded).embedDocuments([text]);
    assert.deepEqual(Array.from(after[0]), Array.from(before[0]));
  });

  test('a file that is not a model, or is cut short, is refused with what is wrong', () => {
    assert.throws(() => decodeCodeSearchModel(Buffer.from('not a model at all'), 'x.bin'), /x\.bin is not a code-search model/);
    const bytes = encodeCodeSearchModel(quantize(tinyModel()));
    assert.throws(() => decodeCodeSearchModel(bytes.subarray(0, bytes.length - 4), 'cut.bin'), /cut\.bin is \d+ bytes; its header \(80 × 8\) needs \d+/);
  });
});
