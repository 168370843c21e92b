// The seam between a project watcher and the file system: a FileWatcher
// reports root-relative paths that changed, honouring the scanner's ignore
// rules so ignored directories are never watched at all. The real one is
// chokidar (v4, pure JavaScript over fs.watch); tests inject their own to
// reach paths the file system will not take on request (the watch limit).
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import type { RepositoryIgnores } from '../scan/scanRepository.js';

export interface FileWatcherEvents {
  /** A file or directory at this root-relative path was added, changed or removed (`kind`: chokidar's event name, for metrics). */
  onChange(relativePath: string, kind?: string): void;
  onError(error: NodeJS.ErrnoException): void;
}

export interface FileWatcher {
  /** Resolves when the initial walk is done and every change from then on is reported. */
  readonly ready: Promise<void>;
  /** Root-relative directories with an operating-system watch ('' is the root). */
  watchedDirectories(): string[];
  close(): Promise<void>;
}

export type WatchFactory = (root: string, ignores: RepositoryIgnores, events: FileWatcherEvents) => FileWatcher;

function relativeTo(root: string, absolutePath: string): string {
  return path.relative(root, absolutePath).split(path.sep).join('/');
}

/** chokidar asks about every path it meets, sometimes before it has stat'ed it. */
function ignoredBy(root: string, ignores: RepositoryIgnores) {
  return (absolutePath: string, stats?: { isDirectory(): boolean }): boolean => {
    const relativePath = relativeTo(root, absolutePath);
    if (relativePath === '' || relativePath.startsWith('..')) return false;
    if (stats) return ignores.isIgnored(relativePath, stats.isDirectory());
    const asFile = ignores.isIgnored(relativePath, false);
    const asDirectory = ignores.isIgnored(relativePath, true);
    if (asFile === asDirectory) return asFile;
    try {
      return lstatSync(absolutePath).isDirectory() ? asDirectory : asFile;
    } catch {
      return asFile; // gone: its removal is reported under the name it had
    }
  };
}

export const watchWithChokidar: WatchFactory = (root, ignores, events) => {
  const watcher: FSWatcher = chokidarWatch(root, {
    ignored: ignoredBy(root, ignores),
    ignoreInitial: true,
    followSymlinks: false,
    persistent: true,
    // An unreadable directory is skipped, as the scanner skips it; it must not stop the whole watch.
    ignorePermissionErrors: true,
  });
  watcher.on('all', (event, absolutePath) => {
    const relativePath = relativeTo(root, absolutePath);
    if (relativePath !== '' && !relativePath.startsWith('..')) events.onChange(relativePath, event);
  });
  watcher.on('error', (error) => events.onError(error as NodeJS.ErrnoException));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    watchedDirectories: () =>
      Object.keys(watcher.getWatched())
        .map((directory) => relativeTo(root, directory))
        .filter((directory) => !directory.startsWith('..')),
    close: () => watcher.close(),
  };
};

/**
 * The system's limit on watches was reached: inotify's max_user_watches
 * (ENOSPC from inotify_add_watch), or the open-file limit where every watch is
 * a descriptor (EMFILE). Watching cannot go on; checking periodically can.
 */
export function isWatchLimitError(error: NodeJS.ErrnoException): boolean {
  return error.code === 'ENOSPC' || error.code === 'EMFILE';
}
