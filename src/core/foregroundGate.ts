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

export class ForegroundGate {
  /** Searches running now, per project. */
  private readonly running = new Map<string, number>();
  private lastBusyAt = -Infinity;
  private waiters: { except?: string; done: () => void }[] = [];

  constructor(private readonly maxWaitMs = MAX_WAIT_MS) {}

  /** Runs foreground work (a search of `project`); background steps wait for it. */
  async run<T>(project: string, work: () => Promise<T>): Promise<T> {
    this.running.set(project, (this.running.get(project) ?? 0) + 1);
    this.lastBusyAt = performance.now();
    try {
      return await work();
    } finally {
      const left = (this.running.get(project) ?? 1) - 1;
      if (left > 0) this.running.set(project, left);
      else this.running.delete(project);
      this.lastBusyAt = performance.now();
      this.releaseWaiters();
    }
  }

  /**
   * For background work between two steps: lets pending requests start, then
   * waits while foreground work runs (bounded) — except searches of `except`:
   * a job inside one of that project's transactions would only hold them up
   * by waiting (an embedded store runs one transaction or query at a time).
   */
  async yield(except?: string): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!this.busy(except)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter.done !== done);
        resolve();
      };
      const timer = setTimeout(done, this.maxWaitMs);
      this.waiters.push({ except, done });
    });
  }

  /** The Foreground an index job of `project` yields to. */
  forJob(project: string): Foreground {
    return {
      yield: ({ insideTransaction } = {}) => this.yield(insideTransaction ? project : undefined),
      busyWithin: (ms) => this.busyWithin(ms),
    };
  }

  /** Whether foreground work runs now or ran within the last `ms`. */
  busyWithin(ms: number): boolean {
    return this.running.size > 0 || performance.now() - this.lastBusyAt < ms;
  }

  private busy(except?: string): boolean {
    for (const project of this.running.keys()) if (project !== except) return true;
    return false;
  }

  private releaseWaiters(): void {
    for (const waiter of this.waiters.slice()) if (!this.busy(waiter.except)) waiter.done();
  }
}
