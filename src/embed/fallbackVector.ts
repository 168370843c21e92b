import { fnv1a } from './fnv1a.js';

/** Scales a vector to unit length; undefined for a zero vector. */
export function normalized(vector: Float64Array | Float32Array): Float32Array | undefined {
  // Index loops: an iterator and Float32Array.from's callback cost more than the arithmetic here.
  const length = vector.length;
  let norm = 0;
  for (let i = 0; i < length; i++) norm += vector[i] * vector[i];
  norm = Math.sqrt(norm);
  if (!(norm > 1e-12)) return undefined;
  const unit = new Float32Array(length);
  for (let i = 0; i < length; i++) unit[i] = vector[i] / norm;
  return unit;
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
