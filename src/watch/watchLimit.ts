// The inotify watch limit (Linux): what it is, and what to tell a user who hit it.
import { readFileSync } from 'node:fs';

const MAX_USER_WATCHES = '/proc/sys/fs/inotify/max_user_watches';

/** fs.inotify.max_user_watches, or null where there is no inotify. */
export function readWatchLimit(file = MAX_USER_WATCHES): number | null {
  try {
    const value = Number(readFileSync(file, 'utf8').trim());
    return Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/** A limit comfortably above `needed` (at least 524,288, the common recommendation). */
export function suggestedWatchLimit(needed: number): number {
  return Math.max(524_288, 2 ** Math.ceil(Math.log2(Math.max(1, needed) * 2)));
}

export function watchLimitFix(needed: number): string {
  const limit = suggestedWatchLimit(needed);
  return (
    `raise the limit: sudo sysctl fs.inotify.max_user_watches=${limit} ` +
    `(to keep it across reboots: echo fs.inotify.max_user_watches=${limit} | sudo tee /etc/sysctl.d/40-codebase-mcp.conf), ` +
    'then restart the server; or turn watching off for the largest projects ({"projects": {"NAME": {"watch": false}}} in the config file)'
  );
}
