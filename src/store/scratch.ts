// Scratch data: databases and data directories a command makes for a while
// (a restore's staging copy, doctor's test project, a project being deleted).
// Each says who made it — the process and, on a server, the registry — so a
// crash's leftovers can be found and removed later (`projects drop-orphans`)
// without ever touching another process's work in progress or another
// registry's databases.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { processIsAlive } from './projectLock.js';

/** Embedded mode keeps scratch directories here, under the home directory. */
export const SCRATCH_DIR = 'scratch';
/** Leftovers from another host can't be checked for a live owner; after this long they count as abandoned. */
const FOREIGN_OWNER_TIMEOUT_MS = 24 * 3600 * 1000;

export interface ScratchOwner {
  pid: number;
  host: string;
  /** ISO time of creation. */
  at: string;
}

export function currentOwner(): ScratchOwner {
  return { pid: process.pid, host: hostname(), at: new Date().toISOString() };
}

export function ownerIsGone(owner: ScratchOwner, now = Date.now()): boolean {
  if (owner.host === hostname()) return !processIsAlive(owner.pid);
  return now - Date.parse(owner.at) > FOREIGN_OWNER_TIMEOUT_MS;
}

/** `<purpose>-<pid>-<hex>`: a scratch directory's name carries its owner (the home is local to this host). */
export function scratchEntryName(purpose: string): string {
  return `${purpose.replace(/[^A-Za-z0-9._-]+/g, '_')}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function parseScratchEntry(name: string): { purpose: string; pid: number } | null {
  const match = /^(.+)-(\d+)-[0-9a-f]{8}$/.exec(name);
  return match ? { purpose: match[1], pid: Number(match[2]) } : null;
}

/**
 * The COMMENT ON DATABASE of a scratch database. `registry` is the registry
 * id, or the registry database's name where there may be no registry yet
 * (doctor): either way, whose clean-up it is.
 */
export function scratchDatabaseComment(purpose: string, registry: string, owner: ScratchOwner = currentOwner()): string {
  return `codebase-mcp scratch "${purpose.replace(/"/g, "'")}" (registry ${registry}) pid ${owner.pid} on ${owner.host} at ${owner.at}`;
}

export function parseScratchDatabaseComment(comment: string | null): { purpose: string; registry: string; owner: ScratchOwner } | null {
  const match = /^codebase-mcp scratch "([^"]*)" \(registry ([^)]+)\) pid (\d+) on (\S+) at (\S+)$/.exec(comment ?? '');
  if (!match) return null;
  return { purpose: match[1], registry: match[2], owner: { pid: Number(match[3]), host: match[4], at: match[5] } };
}
