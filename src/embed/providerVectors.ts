// Checks each vector a provider returns before it can reach the index: the
// right number of dimensions, finite values, not all zero — then scales it to
// unit length. A bad vector is an error, never something stored quietly.

import { UserError } from '../errors/userError.js';
import { malformedResponse } from './embeddingHttp.js';

/**
 * `values` (one vector from a JSON answer) as a unit-length Float32Array.
 * `position` is the input's index in the request, for the message.
 */
export function unitVectorFrom(
  values: unknown,
  expectedDimensions: number,
  provider: string,
  position: number,
): Float32Array {
  if (!(Array.isArray(values) || values instanceof Float32Array) || values.length === 0) {
    throw malformedResponse(provider, `embedding #${position} is not a list of numbers`);
  }
  if (values.length !== expectedDimensions) {
    throw wrongDimensions(provider, values.length, expectedDimensions);
  }
  let norm = 0;
  for (const value of values) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new UserError(
        'EMBEDDER_UNAVAILABLE',
        `${provider} returned a vector with a non-numeric value (${JSON.stringify(value)}) for input #${position}`,
        'The model or server is misbehaving; check its log and try another model version.',
      );
    }
    norm += value * value;
  }
  norm = Math.sqrt(norm);
  if (!(norm > 1e-12)) {
    throw new UserError(
      'EMBEDDER_UNAVAILABLE',
      `${provider} returned an all-zero vector for input #${position}`,
      'The model or server is misbehaving; check its log and try another model version.',
    );
  }
  return Float32Array.from(values as ArrayLike<number>, (value) => value / norm);
}

export function wrongDimensions(provider: string, actual: number, expected: number): UserError {
  return new UserError(
    'EMBEDDER_UNAVAILABLE',
    `${provider} returned ${actual}-dimensional vectors, expected ${expected}`,
    'The model behind this name changed, or the server ignores the requested dimensions. Check the model setting; a project indexed with another model must be re-indexed with --force.',
  );
}
