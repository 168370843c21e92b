// Settings of the HTTP front end: where it listens and how much it accepts.
// Read from the environment once at start-up and validated with zod, so a bad
// value stops `serve --http` with a message naming the variable.
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors/userError.js';

export interface ListenAddress {
  host: string;
  port: number;
  /** Whether the host was named (a non-loopback bind needs an explicit token). */
  hostGiven: boolean;
}

export interface HttpLimits {
  /** Largest request body accepted, in bytes (413 beyond). */
  maxBodyBytes: number;
  /** Sustained requests per second per client, and the burst above it (429 beyond). */
  ratePerSecond: number;
  burst: number;
  /** Open MCP sessions at most; the least recently used one is closed to make room. */
  maxSessions: number;
  /** An MCP session nobody used for this long is closed. */
  sessionIdleMs: number;
}

export interface HttpSettings extends HttpLimits {
  /** CODEBASE_MCP_HTTP_TOKEN, when set. */
  token: string | undefined;
  /** Directories `index_repository` may index over HTTP; undefined: the roots of the indexed projects. */
  allowedRoots: string[] | undefined;
  /** Origins accepted besides the server's own (e.g. a reverse proxy's https://code.example.com). */
  allowedOrigins: string[];
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  maxBodyBytes: 1024 * 1024,
  ratePerSecond: 50,
  burst: 100,
  maxSessions: 200,
  sessionIdleMs: 30 * 60_000,
};

const ENV = {
  token: 'CODEBASE_MCP_HTTP_TOKEN',
  allowedRoots: 'CODEBASE_MCP_ALLOWED_ROOTS',
  allowedOrigins: 'CODEBASE_MCP_HTTP_ALLOWED_ORIGINS',
  maxBodyBytes: 'CODEBASE_MCP_HTTP_MAX_BODY_BYTES',
  ratePerSecond: 'CODEBASE_MCP_HTTP_RATE',
  burst: 'CODEBASE_MCP_HTTP_BURST',
  maxSessions: 'CODEBASE_MCP_HTTP_MAX_SESSIONS',
  sessionIdleMs: 'CODEBASE_MCP_HTTP_SESSION_IDLE_MS',
} as const;

const listOf = (item: z.ZodString) =>
  z
    .string()
    .transform((value) => value.split(/[,\n]/).map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(item));

const settingsSchema = z.object({
  token: z.string().min(16, 'use at least 16 characters').max(512).regex(/^[\x21-\x7e]+$/, 'use printable ASCII without spaces').optional(),
  allowedRoots: z
    .string()
    .transform((value) => value.split(':').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isAbsolute, 'every root must be an absolute path (separate roots with ":")')))
    .optional(),
  allowedOrigins: listOf(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin is scheme://host[:port], e.g. https://code.example.com')).optional(),
  maxBodyBytes: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).optional(),
  ratePerSecond: z.coerce.number().min(0.1).max(100_000).optional(),
  burst: z.coerce.number().int().min(1).max(100_000).optional(),
  maxSessions: z.coerce.number().int().min(1).max(10_000).optional(),
  sessionIdleMs: z.coerce.number().int().min(1000).max(7 * 24 * 3600_000).optional(),
});

/** Only the HTTP settings of an environment: what a front end hands the service that will listen. */
export function httpEnvironment(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(
    Object.values(ENV)
      .map((name) => [name, env[name]])
      .filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

export const HTTP_ENV_NAMES: readonly string[] = Object.values(ENV);

export function httpSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): HttpSettings {
  const raw = Object.fromEntries(
    Object.entries(ENV)
      .map(([key, name]) => [key, env[name]])
      .filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]) as keyof typeof ENV;
    const shown = key === 'token' ? '(hidden)' : JSON.stringify(raw[key]);
    throw new UserError(
      'CONFIG_INVALID',
      `Invalid configuration: environment variable ${ENV[key]} = ${shown}: ${issue.message}.`,
      'Fix or unset that value; docs/configuration.md lists every HTTP setting.',
    );
  }
  const values = parsed.data;
  return {
    ...DEFAULT_HTTP_LIMITS,
    ...Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)),
    token: values.token,
    allowedRoots: values.allowedRoots?.map((root) => resolve(root)),
    allowedOrigins: values.allowedOrigins ?? [],
  };
}

/** `PORT`, `HOST:PORT` or `[IPv6]:PORT`; 127.0.0.1 unless a host is named. */
export function parseListenAddress(value: string): ListenAddress {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):)?(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[2]) : NaN;
  if (!match || port > 65535) {
    throw new UserError(
      'INVALID_INPUT',
      `Invalid --http address ${JSON.stringify(value)}.`,
      'Give a port (8765) or host and port (127.0.0.1:8765, 0.0.0.0:8765, [::1]:8765); port 0 picks a free one.',
    );
  }
  const host = match[1] ? match[1].replace(/^\[|\]$/g, '') : '127.0.0.1';
  return { host, port, hostGiven: match[1] !== undefined };
}

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}
