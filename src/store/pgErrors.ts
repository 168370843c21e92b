// Turns the errors of reaching a PostgreSQL server (refused, unknown host,
// bad password, missing database) into messages that say what to check,
// without a stack trace. SQL errors are left alone: those are bugs.
import { UserError } from '../errors/userError.js';
import { redactUrl, serverAddress } from './serverUrl.js';

interface PgLikeError {
  code?: string;
  message?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/** SQLSTATEs of a connection that could not be made or was refused. */
const CONNECTION_SQLSTATES = new Set([
  '28000', // invalid_authorization_specification (no pg_hba.conf entry, role missing)
  '28P01', // invalid_password
  '3D000', // invalid_catalog_name: the database does not exist
  '53300', // too_many_connections
  '57P03', // cannot_connect_now (starting up, shutting down)
  '57P01', // admin_shutdown: the server was stopped or restarted under an open connection
  '57P02', // crash_shutdown
]);

export function isConnectionFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as PgLikeError;
  if (code && (NETWORK_CODES.has(code) || CONNECTION_SQLSTATES.has(code) || code.startsWith('08'))) return true;
  return typeof message === 'string' && /timeout expired|Connection terminated (unexpectedly|due to connection timeout)|Client has encountered a connection error/i.test(message);
}

/** What went wrong reaching `url`, as one sentence. */
export function connectionFailureReason(error: unknown, url: string): string {
  const { code, message } = (error ?? {}) as PgLikeError;
  const address = serverAddress(url);
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing accepts connections on ${address} (connection refused)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host of ${address} cannot be resolved`;
    case '57P01':
    case '57P02':
      return `the server ended the connection (${message ?? code}): it was restarted or shut down`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${address} cannot be reached (${code})`;
    default:
      if (/Client has encountered a connection error/i.test(message ?? '')) return `the server ended the connection (${address}): it was restarted or shut down`;
      return `${address}: ${message ?? String(error)}`;
  }
}

export function connectionFailureHint(error: unknown): string {
  const code = (error as PgLikeError | undefined)?.code;
  if (code === '28P01' || code === '28000') {
    return 'Check the user name and password in the URL (or ~/.pgpass) and that pg_hba.conf lets this role connect from this host.';
  }
  if (code === '3D000') return 'Check the database name in the URL; it must exist (the default "postgres" database does).';
  if (code === '57P01' || code === '57P02' || /Client has encountered a connection error/i.test((error as PgLikeError | undefined)?.message ?? '')) {
    return 'Run the command again once PostgreSQL is back (pg_isready -h HOST -p PORT); an index keeps every batch written before and the next run completes the rest.';
  }
  return 'Check the URL (DATABASE_URL or CODEBASE_MCP_DATABASE_URL): that the host and port are right and that PostgreSQL is running there (pg_isready -h HOST -p PORT). For a local server: scripts/dev-postgres.sh start.';
}

/** A UserError for a connection failure, or the error itself when it is something else. */
export function asConnectionError(error: unknown, url: string): unknown {
  if (error instanceof UserError || !isConnectionFailure(error)) return error;
  const userError = new UserError(
    'DATABASE_UNAVAILABLE',
    `Cannot connect to PostgreSQL at ${redactUrl(url)}: ${connectionFailureReason(error, url)}.`,
    `${connectionFailureHint(error)} Run codebase-mcp doctor to check the whole setup.`,
  );
  // Kept so callers can still tell, say, a missing database from a refused connection.
  return Object.assign(userError, { cause: error });
}

/** The SQLSTATE or errno code of an error, or of the error it wraps. */
export function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  return (cause as PgLikeError | undefined)?.code ?? (error as PgLikeError | undefined)?.code;
}
