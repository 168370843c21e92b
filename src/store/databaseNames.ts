// Names of the databases server mode creates, and how they are marked so a
// registry can tell its own databases from everyone else's on a shared server.
import { randomBytes } from 'node:crypto';

export const PROJECT_DATABASE_PREFIX = 'cb_proj_';
/** PostgreSQL truncates identifiers beyond 63 bytes. */
const MAX_IDENTIFIER_BYTES = 63;
const SUFFIX_HEX = 8;
const SLUG_MAX = MAX_IDENTIFIER_BYTES - PROJECT_DATABASE_PREFIX.length - 1 - SUFFIX_HEX;

/**
 * `cb_proj_<slug>_<8 random hex>`: readable in psql, unique per creation, so
 * a project removed and created again never inherits an old database.
 */
export function projectDatabaseName(projectName: string, suffix = randomBytes(SUFFIX_HEX / 2).toString('hex')): string {
  const slug =
    projectName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .slice(0, SLUG_MAX)
      .replace(/^_+|_+$/g, '') || 'project';
  return `${PROJECT_DATABASE_PREFIX}${slug}_${suffix}`;
}

export function isProjectDatabaseName(name: string): boolean {
  return name.startsWith(PROJECT_DATABASE_PREFIX);
}

/** Scratch databases (doctor's checks) carry this prefix and a scratch comment (scratch.ts). */
export const SCRATCH_DATABASE_PREFIX = 'cb_doctor_';

/** A scratch database for `doctor`: never mistaken for a project's. */
export function scratchDatabaseName(purpose: string): string {
  return `${SCRATCH_DATABASE_PREFIX}${purpose}_${randomBytes(4).toString('hex')}`;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * The comment every project database carries (COMMENT ON DATABASE): which
 * project of which registry it belongs to. Drift checks use it to leave alone
 * the databases of other registries sharing the server.
 */
export function projectDatabaseComment(projectName: string, registryId: string): string {
  return `codebase-mcp project "${projectName}" (registry ${registryId})`;
}

export function parseProjectDatabaseComment(comment: string | null): { project: string; registryId: string } | null {
  const match = /^codebase-mcp project "([^"]+)" \(registry ([0-9a-f-]+)\)$/.exec(comment ?? '');
  return match ? { project: match[1], registryId: match[2] } : null;
}
