import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latencyStats, percentile } from './latencyStats.js';

test('percentiles are nearest-rank over the sorted samples', () => {
  const samples = Array.from({ length: 100 }, (_, index) => 100 - index); // 100 … 1, unsorted
  const stats = latencyStats(samples);
  assert.deepEqual([stats.p50Ms, stats.p95Ms, stats.p99Ms, stats.minMs, stats.maxMs, stats.meanMs], [50, 95, 99, 1, 100, 50.5]);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
});
