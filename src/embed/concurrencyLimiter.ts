// Runs at most `concurrency` tasks at once; the rest wait their turn in order.
// Embedding servers serve a few requests in parallel well and many badly.

export interface ConcurrencyLimiter {
  <T>(task: () => Promise<T>): Promise<T>;
  readonly concurrency: number;
}

export function createConcurrencyLimiter(concurrency: number): ConcurrencyLimiter {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  let running = 0;
  const waiting: Array<() => void> = [];

  // A finished task hands its slot straight to the next waiter, so a caller
  // arriving in between cannot take it too.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };

  const limit = async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await task();
    } finally {
      release();
    }
  };
  return Object.assign(limit, { concurrency });
}
