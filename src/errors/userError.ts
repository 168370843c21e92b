// Errors a user can act on. Every adapter (CLI, MCP) shows `message` and
// `hint` as they are, without a stack trace; anything else is a bug.

export type UserErrorCode =
  | 'INVALID_INPUT'
  | 'PATH_NOT_FOUND'
  | 'NOT_A_DIRECTORY'
  | 'UNKNOWN_PROJECT'
  | 'NO_PROJECT_FOR_DIRECTORY'
  | 'PROJECT_LOCKED'
  | 'PROJECT_EXISTS'
  | 'NOT_INDEXED'
  | 'MODEL_MISMATCH'
  | 'UNKNOWN_JOB'
  | 'INDEX_IN_PROGRESS'
  | 'DATABASE_UNAVAILABLE'
  | 'EMBEDDER_UNAVAILABLE'
  | 'CONFIG_INVALID'
  | 'ROOT_NOT_ALLOWED'
  | 'REMOTE_FAILED'
  | 'SNAPSHOT_INVALID'
  | 'SCHEMA_TOO_NEW'
  | 'MIGRATION_FAILED'
  | 'RESTORE_FAILED'
  | 'INVALID_GLOB'
  | 'PATH_UNREADABLE'
  | 'STORAGE_FULL'
  | 'STORAGE_READ_ONLY'
  | 'SERVICE_UNAVAILABLE'
  | 'SERVICE_RUNNING'
  | 'SERVICE_CONFIG_MISMATCH'
  | 'SERVICE_SOCKET_UNSAFE';

/** Codes that mean the input was wrong (CLI exit 2), as opposed to a failure while doing the work. */
const BAD_INPUT_CODES: ReadonlySet<UserErrorCode> = new Set<UserErrorCode>([
  'INVALID_INPUT',
  'INVALID_GLOB',
  'PATH_NOT_FOUND',
  'NOT_A_DIRECTORY',
  'PATH_UNREADABLE',
  'CONFIG_INVALID',
]);

// Record, not a list: the compiler insists every code is here.
const USER_ERROR_CODES: Record<UserErrorCode, true> = {
  INVALID_INPUT: true,
  PATH_NOT_FOUND: true,
  NOT_A_DIRECTORY: true,
  UNKNOWN_PROJECT: true,
  NO_PROJECT_FOR_DIRECTORY: true,
  PROJECT_LOCKED: true,
  PROJECT_EXISTS: true,
  NOT_INDEXED: true,
  MODEL_MISMATCH: true,
  UNKNOWN_JOB: true,
  INDEX_IN_PROGRESS: true,
  DATABASE_UNAVAILABLE: true,
  EMBEDDER_UNAVAILABLE: true,
  CONFIG_INVALID: true,
  ROOT_NOT_ALLOWED: true,
  REMOTE_FAILED: true,
  SNAPSHOT_INVALID: true,
  SCHEMA_TOO_NEW: true,
  MIGRATION_FAILED: true,
  RESTORE_FAILED: true,
  INVALID_GLOB: true,
  PATH_UNREADABLE: true,
  STORAGE_FULL: true,
  STORAGE_READ_ONLY: true,
  SERVICE_UNAVAILABLE: true,
  SERVICE_RUNNING: true,
  SERVICE_CONFIG_MISMATCH: true,
  SERVICE_SOCKET_UNSAFE: true,
};

/** For errors that crossed a process boundary (the service socket) as plain data. */
export function isUserErrorCode(code: string): code is UserErrorCode {
  return Object.hasOwn(USER_ERROR_CODES, code);
}

/** Marks a UserError from any copy of this module (the CLI bundle holds one, the in-process modules another). */
const USER_ERROR_BRAND = Symbol.for('codebase-mcp.UserError');

export class UserError extends Error {
  readonly [USER_ERROR_BRAND] = true;
  readonly code: UserErrorCode;
  /** What to do about it, phrased as an instruction. */
  readonly hint: string | undefined;

  constructor(code: UserErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.hint = hint;
  }

  /** instanceof checks the brand, so it holds across the bundle boundary (scripts/bundle-cli.mjs). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as { [USER_ERROR_BRAND]?: unknown })[USER_ERROR_BRAND] === true;
  }

  /** One paragraph for people: what happened, then what to do. */
  describe(): string {
    return this.hint ? `${this.message}\n${this.hint}` : this.message;
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

export function isBadInput(error: unknown): boolean {
  return error instanceof UserError && BAD_INPUT_CODES.has(error.code);
}

/** Message for any thrown value, never a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof UserError) return error.describe();
  if (error instanceof Error) return error.message;
  return String(error);
}
