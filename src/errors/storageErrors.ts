// Disk full and read-only homes surface as raw errno text (`ENOSPC: no space
// left on device, copyfile …`) from Node, or as PostgreSQL's own wording from
// the database. Both are the user's to fix, so they become UserErrors that say
// where and how.
import { accessSync, constants } from 'node:fs';
import { isUserError, UserError } from './userError.js';

const DISK_FULL = /ENOSPC|No space left on device|could not extend file|disk full/i;
const READ_ONLY = /EROFS|read-only file system/i;

/** True when `directory` (or its nearest existing parent) cannot be written. */
function notWritable(directory: string): boolean {
  for (let candidate = directory; ; candidate = candidate.replace(/\/[^/]*$/, '') || '/') {
    try {
      accessSync(candidate, constants.W_OK);
      return false;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return true;
    }
    if (candidate === '/') return false;
  }
}

function messageChain(error: unknown): string {
  const parts: string[] = [];
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth += 1) {
    parts.push(String((current as { code?: unknown }).code ?? ''), current instanceof Error ? current.message : String(current));
  }
  return parts.join(' ');
}

/** A storage failure under `home` as a UserError naming the fix, or null when the error is something else. */
export function storageError(error: unknown, home: string): UserError | null {
  if (isUserError(error)) return null;
  const text = messageChain(error);
  if (DISK_FULL.test(text)) {
    return new UserError(
      'STORAGE_FULL',
      `No space left on the device that holds ${home} (${firstLine(text)}).`,
      'Free space there, or set CODEBASE_MCP_HOME to a folder on a disk with room. Every batch written before stays indexed; the next run completes the rest.',
    );
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (READ_ONLY.test(text) || ((code === 'ENOENT' || code === 'EACCES' || code === 'EPERM') && text.includes(home) && notWritable(home))) {
    return new UserError(
      'STORAGE_READ_ONLY',
      `${home} cannot be written (${firstLine(text)}).`,
      'Make it writable (remount it read-write, fix its permissions), or set CODEBASE_MCP_HOME to a writable folder.',
    );
  }
  return null;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0].slice(0, 300);
}
