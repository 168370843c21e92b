import { fnv1a } from './fnv1a.js';

/** Scales a vector to unit length; undefined for a zero vector. */
export function normalized(vector: Float64Array | Float32Array): Float32Array | undefined {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  if (!(norm > 1e-12)) return undefined;
  return Float32Array.from(vector, (value) => value / norm);
}

/**
 * A text with no known word still needs a valid unit vector (pgvector's cosine on
 * a zero vector is NaN). A pseudo-random direction seeded by the text is
 * deterministic, and nearly orthogonal to everything else, so it matches nothing
 * by accident — only the same text.
 */
export function fallbackVector(text: string, dimensions: number): Float32Array {
  let state = fnv1a(text.trim());
  const next = () => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const vector = Float64Array.from({ length: dimensions }, () => next() - 0.5);
  return normalized(vector) ?? Float32Array.from({ length: dimensions }, () => 1 / Math.sqrt(dimensions));
}
