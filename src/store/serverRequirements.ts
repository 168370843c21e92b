// What server mode needs from PostgreSQL, and the exact fix for each thing
// that can be missing. Shared by `doctor` and by the errors of project
// creation, so both say the same thing.
import { UserError } from '../errors/userError.js';
import { quoteIdentifier } from './databaseNames.js';
import { redactUrl } from './serverUrl.js';

export const MIN_SERVER_VERSION_NUM = 140000;
export const MIN_SERVER_VERSION = '14';
/** ivfflat.iterative_scan (filtered vector search that still fills the limit) arrived in pgvector 0.8.0. */
export const MIN_PGVECTOR_VERSION = '0.8.0';

export function createDbFix(role: string): string {
  return `As a superuser, run: ALTER ROLE ${quoteIdentifier(role)} CREATEDB;  (or use a role that has CREATEDB)`;
}

export const PGVECTOR_INSTALL_FIX =
  'Install pgvector 0.8 or newer on the database server (Debian/Ubuntu with the PGDG repository: apt install postgresql-<major>-pgvector; from source: https://github.com/pgvector/pgvector; for the local dev server: sudo scripts/dev-postgres.sh install), then run codebase-mcp doctor again.';

export const PGVECTOR_CREATE_FIX =
  'pgvector is not a trusted extension, so only a superuser may create it. As a superuser, run: psql -d template1 -c "CREATE EXTENSION IF NOT EXISTS vector;"  (every database created afterwards has it, including project databases), or connect as a superuser.';

export function serverVersionFix(): string {
  return `Upgrade the server to PostgreSQL ${MIN_SERVER_VERSION} or newer, or point DATABASE_URL at one.`;
}

/** Compares dotted versions numerically: '0.10.0' > '0.8.0'. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const parts = (text: string) => text.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
  const [have, need] = [parts(version), parts(minimum)];
  for (let i = 0; i < Math.max(have.length, need.length); i++) {
    if ((have[i] ?? 0) !== (need[i] ?? 0)) return (have[i] ?? 0) > (need[i] ?? 0);
  }
  return true;
}

interface PgLikeError {
  code?: string;
  message?: string;
}

export function isCreateDatabaseDenied(error: unknown): boolean {
  const { code, message } = (error ?? {}) as PgLikeError;
  return code === '42501' && /create database/i.test(message ?? '');
}

export function isExtensionCreateDenied(error: unknown): boolean {
  const { code, message } = (error ?? {}) as PgLikeError;
  return code === '42501' && /extension/i.test(message ?? '');
}

/** The extension's files are not installed on the server (PostgreSQL 15: 58P01; 16+: 0A000). */
export function isExtensionMissing(error: unknown): boolean {
  const { code, message } = (error ?? {}) as PgLikeError;
  return (code === '58P01' || code === '0A000') && /extension/i.test(message ?? '');
}

/**
 * Errors of creating a database or its schema, as UserErrors that carry the
 * fix; anything else is returned unchanged.
 */
export function asSetupError(error: unknown, serverUrl: string, role: string, what: string): unknown {
  const server = redactUrl(serverUrl);
  if (isCreateDatabaseDenied(error)) {
    return new UserError('DATABASE_UNAVAILABLE', `Cannot create ${what} on ${server}: role "${role}" may not create databases.`, createDbFix(role));
  }
  if (isExtensionCreateDenied(error)) {
    return new UserError(
      'DATABASE_UNAVAILABLE',
      `Cannot create the pgvector extension for ${what} on ${server}: role "${role}" is not allowed to (${(error as Error).message}).`,
      PGVECTOR_CREATE_FIX,
    );
  }
  if (isExtensionMissing(error)) {
    return new UserError('DATABASE_UNAVAILABLE', `pgvector is not installed on ${server} (${(error as Error).message}).`, PGVECTOR_INSTALL_FIX);
  }
  return error;
}
