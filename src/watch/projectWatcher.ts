// Keeps one project's index following its files. File events are collected
// into one set and applied after a quiet moment, so a burst (a branch switch,
// a git pull, a formatter run over the tree) becomes one change, not one per
// file. Where the system will not give more watches, the project is checked
// periodically by size and mtime instead, and its status says why and how
// to fix it.
import { basename } from 'node:path';
import { describeError, isUserError } from '../errors/userError.js';
import type { Logger } from '../logging/logger.js';
import { IGNORE_FILE_NAMES } from '../scan/ignoreRules.js';
import { RepositoryIgnores } from '../scan/scanRepository.js';
import { isWatchLimitError, type FileWatcher, type WatchFactory } from './fileWatcher.js';
import { readWatchLimit, watchLimitFix } from './watchLimit.js';
import type { WatchObserver, WatcherState, WatcherStatus } from './watcherStatus.js';

export { WATCHER_STATES, type WatcherState, type WatcherStatus } from './watcherStatus.js';

/** `paths` root-relative, or 'all': look at every file (by size and mtime). */
export type ChangeBatch = string[] | 'all';

export interface ApplyContext {
  /** The batch waits (another job runs, or another process holds the project); shown as `paused`. */
  paused(detail: string): void;
}

export interface ProjectWatcherOptions {
  root: string;
  debounceMs: number;
  /** A burst that never goes quiet is still applied after this long. */
  maxWaitMs: number;
  pollIntervalMs: number;
  /** Applies one batch; throws when it could not (the batch is kept and retried). */
  apply: (batch: ChangeBatch, context: ApplyContext) => Promise<void>;
  watchFactory: WatchFactory;
  logger: Logger;
  /** After a failed batch, the next try comes this much later. */
  retryMs?: number;
  observer?: WatchObserver;
}

/** A project that keeps failing (its root gone, say) is retried at least this often. */
const MAX_RETRY_MS = 60_000;

/** Failures that mean "busy, try again later" rather than "broken". */
const BUSY_CODES = new Set(['PROJECT_LOCKED', 'INDEX_IN_PROGRESS']);

export class ProjectWatcher {
  private state: WatcherState = 'starting';
  private detail: string | null = null;
  private fix: string | null = null;
  private watcher: FileWatcher | null = null;
  private ignores: RepositoryIgnores;
  private pending = new Set<string>();
  private fullCheckPending = false;
  private inFlight = 0;
  private applying: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private firstPendingAt = 0;
  private pollTimer: NodeJS.Timeout | null = null;
  private lastSyncAt: string | null = null;
  private batchesApplied = 0;
  /** When the oldest change not yet in the index was seen (null: none pending). */
  private oldestChangeAt: number | null = null;
  private lastBatchPaths: number | 'all' | null = null;
  private closed = false;
  private pausedDetail: string | null = null;
  /** Batches failed in a row: each retry waits twice as long, up to MAX_RETRY_MS. */
  private failures = 0;

  constructor(
    readonly name: string,
    private readonly options: ProjectWatcherOptions,
  ) {
    this.ignores = new RepositoryIgnores(options.root);
  }

  /** Starts watching, then looks once at every file for what changed while nobody watched. */
  async start(): Promise<void> {
    await this.openWatcher().catch((error: unknown) => this.failed(error as NodeJS.ErrnoException));
    this.requestFullCheck();
  }

  private async openWatcher(): Promise<void> {
    this.ignores = new RepositoryIgnores(this.options.root);
    const watcher = this.options.watchFactory(this.options.root, this.ignores, {
      onChange: (path, kind) => {
        this.options.observer?.event(this.name, kind ?? 'change');
        this.changed(path);
      },
      onError: (error) => this.failed(error),
    });
    this.watcher = watcher;
    await watcher.ready;
    if (this.watcher === watcher && this.state === 'starting') this.setState('watching');
  }

  status(): WatcherStatus {
    const watching = this.state === 'watching' || this.state === 'polling';
    const paused = watching && this.pausedDetail !== null;
    return {
      state: paused ? 'paused' : this.state,
      detail: paused ? this.pausedDetail : this.detail,
      fix: this.fix,
      pendingChanges: this.pending.size + this.inFlight,
      lastSyncAt: this.lastSyncAt,
      batchesApplied: this.batchesApplied,
      lastBatchPaths: this.lastBatchPaths,
    };
  }

  /** Directories under an OS watch (root-relative); empty while polling. */
  watchedDirectories(): string[] {
    return this.watcher?.watchedDirectories() ?? [];
  }

  /** A full sync is about to cover everything seen so far. */
  clearPending(): void {
    this.pending.clear();
    this.fullCheckPending = false;
  }

  /** Resolves when nothing is queued or being applied. */
  async settled(): Promise<void> {
    while (this.applying || this.timer) {
      await (this.applying ?? new Promise((resolve) => setTimeout(resolve, 20)));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    const watcher = this.watcher;
    this.watcher = null;
    await watcher?.close();
    await this.applying?.catch(() => {});
    this.setState('off', 'stopped');
  }

  private setState(state: WatcherState, detail: string | null = null, fix: string | null = null): void {
    this.state = state;
    this.detail = detail;
    this.fix = fix;
  }

  private changed(path: string): void {
    if (this.closed) return;
    if ((IGNORE_FILE_NAMES as readonly string[]).includes(basename(path))) {
      // Other rules decide what is watched and indexed: watch anew and look at every file.
      void this.rewatch();
      return;
    }
    this.pending.add(path);
    this.oldestChangeAt ??= Date.now();
    this.schedule();
  }

  private async rewatch(): Promise<void> {
    const old = this.watcher;
    this.watcher = null;
    await old?.close();
    if (this.closed || this.state === 'polling' || this.state === 'error') {
      this.requestFullCheck();
      return;
    }
    this.state = 'starting';
    await this.openWatcher().catch((error: unknown) => this.failed(error as NodeJS.ErrnoException));
    this.requestFullCheck();
  }

  private failed(error: NodeJS.ErrnoException): void {
    if (this.closed || this.state === 'polling') return;
    const old = this.watcher;
    this.watcher = null;
    void old?.close().catch(() => {});
    if (isWatchLimitError(error)) {
      const limit = readWatchLimit();
      this.setState(
        'polling',
        `the system's file-watch limit was reached (${error.code}${limit !== null ? `; fs.inotify.max_user_watches = ${limit}` : ''}): checking files every ${this.options.pollIntervalMs / 1000} s instead of watching`,
        watchLimitFix(limit ?? 0),
      );
      this.options.logger.warn(`project ${this.name}: ${this.detail}; fix: ${this.fix}`);
    } else {
      this.setState('error', `watching failed: ${describeError(error)}; checking files every ${this.options.pollIntervalMs / 1000} s instead`);
      this.options.logger.warn(`project ${this.name}: ${this.detail}`);
    }
    // Events may have been lost: look at everything now, then periodically.
    this.pollTimer = setInterval(() => this.requestFullCheck(), this.options.pollIntervalMs);
    this.pollTimer.unref();
    this.requestFullCheck();
  }

  private requestFullCheck(): void {
    if (this.closed) return;
    this.fullCheckPending = true;
    this.schedule();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Debounce: apply once events have been quiet for debounceMs (or after maxWaitMs of a burst). */
  private schedule(delay = this.options.debounceMs, retrying = false): void {
    if (this.closed) return;
    const now = Date.now();
    if (!this.timer) this.firstPendingAt = now;
    this.clearTimer();
    const wait = retrying ? delay : Math.max(0, Math.min(delay, this.firstPendingAt + this.options.maxWaitMs - now));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, wait);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    if (this.applying || this.closed) {
      // Applied after the batch in progress (which reschedules).
      return;
    }
    if (this.pending.size === 0 && !this.fullCheckPending) return;
    const batch: ChangeBatch = this.fullCheckPending ? 'all' : [...this.pending];
    const paths = [...this.pending];
    this.pending = new Set();
    this.fullCheckPending = false;
    const oldestChangeAt = this.oldestChangeAt;
    this.oldestChangeAt = null;
    this.inFlight = paths.length;
    const run = (async () => {
      try {
        await this.options.apply(batch, { paused: (detail) => (this.pausedDetail = detail) });
        this.pausedDetail = null;
        this.failures = 0;
        this.lastSyncAt = new Date().toISOString();
        this.batchesApplied++;
        this.lastBatchPaths = batch === 'all' ? 'all' : batch.length;
        if (oldestChangeAt !== null) this.options.observer?.applied(this.name, (Date.now() - oldestChangeAt) / 1000);
        if (this.state === 'error' && this.watcher) this.setState('watching');
      } catch (error) {
        // Kept for the next try: nothing seen is ever dropped.
        for (const path of paths) this.pending.add(path);
        if (oldestChangeAt !== null) this.oldestChangeAt = Math.min(oldestChangeAt, this.oldestChangeAt ?? oldestChangeAt);
        if (batch === 'all') this.fullCheckPending = true;
        this.failures++;
        if (isUserError(error) && BUSY_CODES.has(error.code)) {
          this.pausedDetail = `waiting: ${error.message}`;
        } else {
          this.pausedDetail = `applying changes failed (${describeError(error)}); retrying`;
          this.options.logger.warn(`project ${this.name}: ${this.pausedDetail}`);
        }
      } finally {
        this.inFlight = 0;
      }
    })();
    this.applying = run;
    await run;
    this.applying = null;
    if (this.pending.size > 0 || this.fullCheckPending) {
      const retry = Math.min(MAX_RETRY_MS, (this.options.retryMs ?? 2000) * 2 ** Math.max(0, this.failures - 1));
      if (this.failures > 0) this.schedule(retry, true);
      else this.schedule();
    }
  }
}
