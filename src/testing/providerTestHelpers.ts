// Assertions shared by the embedding provider tests.
import assert from 'node:assert/strict';

/** Fast retries for tests: a handful of milliseconds between attempts. */
export const QUICK_RETRY = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 2_000 };

export function assertUnitVector(vector: Float32Array, dimensions: number): void {
  assert.equal(vector.length, dimensions);
  assert.ok(vector.every(Number.isFinite), 'every component is finite');
  assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5, `length ${Math.hypot(...vector)} is 1`);
}

/** `actual` points the same way as `expected` (any length), component by component. */
export function assertSameDirection(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  assert.equal(actual.length, expected.length);
  const norm = Math.hypot(...Array.from(expected));
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i] / norm) < 1e-5, `component ${i}: ${actual[i]} vs ${expected[i] / norm}`);
  }
}
