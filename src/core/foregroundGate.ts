// Searches first. An embedded store runs PostgreSQL (WASM) on the service's
// main thread, so every statement an index job runs holds up every search of
// every project until it returns; and a chain of awaited statements never lets
// the event loop read a new request. So a background job calls `yield()`
// between its steps: that lets waiting I/O in (a search that just arrived
// starts), then waits while any search runs. The wait is bounded, so a steady
// stream of searches slows a job down but never stops it.

import type { Foreground } from '../indexer/indexRepository.js';

/** Longest a background step waits for searches before it runs anyway. */
const MAX_WAIT_MS = 250;

export class ForegroundGate implements Foreground {
  private running = 0;
  private lastBusyAt = -Infinity;
  private waiters: (() => void)[] = [];

  constructor(private readonly maxWaitMs = MAX_WAIT_MS) {}

  /** Runs foreground work (a search); background steps wait for it. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    this.lastBusyAt = performance.now();
    try {
      return await work();
    } finally {
      this.running--;
      this.lastBusyAt = performance.now();
      if (this.running === 0) this.releaseWaiters();
    }
  }

  /** For background work between two steps: lets pending requests start, then waits while foreground work runs (bounded). */
  async yield(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.running === 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve();
      };
      const timer = setTimeout(done, this.maxWaitMs);
      this.waiters.push(done);
    });
  }

  /** Whether foreground work runs now or ran within the last `ms`. */
  busyWithin(ms: number): boolean {
    return this.running > 0 || performance.now() - this.lastBusyAt < ms;
  }

  private releaseWaiters(): void {
    for (const waiter of this.waiters.slice()) waiter();
  }
}
