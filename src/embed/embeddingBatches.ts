// Splits many texts into requests a provider accepts (a bound on inputs and on
// characters per request), sends them through a concurrency limiter and puts
// the vectors back in input order.

import type { ConcurrencyLimiter } from './concurrencyLimiter.js';

export interface BatchLimits {
  /** Inputs per request. */
  maxInputs: number;
  /** Characters per request, summed over its inputs (a stand-in for the provider's token budget). */
  maxChars: number;
}

export interface BatchRange {
  start: number;
  end: number;
}

/** Contiguous ranges of `texts`, each within both limits (a single over-long text gets a range of its own). */
export function planBatches(texts: readonly string[], limits: BatchLimits): BatchRange[] {
  const ranges: BatchRange[] = [];
  let start = 0;
  let chars = 0;
  for (let i = 0; i < texts.length; i++) {
    const length = texts[i].length;
    const full = i - start >= limits.maxInputs || (i > start && chars + length > limits.maxChars);
    if (full) {
      ranges.push({ start, end: i });
      start = i;
      chars = 0;
    }
    chars += length;
  }
  if (start < texts.length) ranges.push({ start, end: texts.length });
  return ranges;
}

/**
 * Embeds `texts` batch by batch, as many at once as the limiter allows. Each
 * worker queues its next batch only when the last one is done, so other work
 * through the same limiter (a search query) waits for one batch, not for the
 * whole backlog. After the first failed batch no further batch starts: a dead
 * server costs one round of retries, not one per batch.
 */
export async function embedInBatches(
  texts: readonly string[],
  limits: BatchLimits,
  limit: ConcurrencyLimiter,
  embedBatch: (batch: string[]) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  const ranges = planBatches(texts, limits);
  const vectors = new Array<Float32Array>(texts.length);
  let next = 0;
  let failure: { error: unknown } | undefined;

  const worker = async () => {
    while (next < ranges.length && !failure) {
      const { start, end } = ranges[next++];
      try {
        const batch = texts.slice(start, end);
        const embedded = await limit(() => embedBatch(batch));
        if (embedded.length !== batch.length) {
          throw new Error(`embedBatch returned ${embedded.length} vectors for ${batch.length} texts`);
        }
        embedded.forEach((vector, i) => (vectors[start + i] = vector));
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  // Every worker finishes before the caller hears of a failure: nothing is still running then.
  await Promise.all(Array.from({ length: Math.min(limit.concurrency, ranges.length) }, worker));
  if (failure) throw failure.error;
  return vectors;
}
