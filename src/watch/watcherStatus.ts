// What a project's watcher reports (status, doctor, MCP): apart from the watcher
// itself so front ends can describe it without loading chokidar and the scanner.

export const WATCHER_STATES = ['starting', 'watching', 'paused', 'polling', 'error', 'off'] as const;
export type WatcherState = (typeof WATCHER_STATES)[number];

export interface WatcherStatus {
  state: WatcherState;
  /** Why the state is what it is, for anything but plain watching. */
  detail: string | null;
  /** What to do about it (the watch limit), or null. */
  fix: string | null;
  /** Paths seen changed and not yet in the index (queued or being applied); null when nothing watches. */
  pendingChanges: number | null;
  /** When the last change was applied (or the last check found nothing to apply). */
  lastSyncAt: string | null;
  /** Batches applied since the watcher started: a branch switch is one. */
  batchesApplied: number;
  /** Paths in the last batch applied ('all': a full check by size and mtime). */
  lastBatchPaths: number | 'all' | null;
}

/** Told what watchers see and how far behind the index was (the service's Prometheus metrics). */
export interface WatchObserver {
  /** One file-system event (`kind`: add, change, unlink, addDir, unlinkDir). */
  event(project: string, kind: string): void;
  /** A batch reached the index `lagSeconds` after its first change was seen. */
  applied(project: string, lagSeconds: number): void;
}
