// Configuration: defaults < config file < environment < explicit overrides
// (CLI flags). Validated once at start-up; a bad value stops the program with
// a message naming the variable and the value.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { embedderSettingsFromEnv, parseEmbedderSettings, type EmbedderSettings } from '../embed/createEmbedder.js';
import { UserError } from '../errors/userError.js';

const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

const configSchema = z.object({
  home: z.string().min(1),
  cacheDir: z.string().min(1),
  databaseUrl: z
    .string()
    .url()
    .refine((url) => /^postgres(ql)?:\/\//.test(url), 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Server mode: the database that lists the projects, on the DATABASE_URL server. */
  registryDatabase: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL identifier (letters, digits, underscores; at most 63)'),
  /** Server mode: connection pools of at most this many projects stay open (least recently used closed first). */
  maxOpenProjects: z.coerce.number().int().min(1).max(1000),
  /** Server mode: connections per open project. */
  projectPoolSize: z.coerce.number().int().min(2).max(100),
  maxFileBytes: z.coerce.number().int().min(1024).max(64 * 1024 * 1024),
  idleTimeoutMs: z.coerce.number().int().min(0).max(24 * 3600 * 1000),
  logLevel: z.enum(LOG_LEVELS),
  logFile: z.string().min(1).optional(),
  /** Front ends talk to the shared service (false: today's in-process behaviour, for tests and scripts). */
  useService: z.preprocess(
    (value) => (typeof value === 'string' ? ({ '0': false, false: false, off: false, no: false, '1': true, true: true, on: true, yes: true } as Record<string, boolean>)[value.toLowerCase()] ?? value : value),
    z.boolean({ invalid_type_error: 'must be 0 or 1 (also true/false, on/off)' }),
  ),
  /** The service exits after this long with no client connected and no job running. */
  serviceIdleMs: z.coerce.number().int().min(100).max(7 * 24 * 3600 * 1000),
});

type BaseConfig = z.infer<typeof configSchema>;
/** The embedding provider and its settings are validated by src/embed/createEmbedder.ts. */
export type Config = BaseConfig & { embedder: EmbedderSettings };
export type ConfigOverrides = Partial<Config>;

/** Environment variable behind each setting, for messages and docs. */
const ENV_NAMES: Record<keyof BaseConfig, string[]> = {
  home: ['CODEBASE_MCP_HOME'],
  cacheDir: ['CODEBASE_MCP_CACHE_DIR'],
  databaseUrl: ['CODEBASE_MCP_DATABASE_URL', 'DATABASE_URL'],
  registryDatabase: ['CODEBASE_MCP_REGISTRY_DATABASE'],
  maxOpenProjects: ['CODEBASE_MCP_MAX_OPEN_PROJECTS'],
  projectPoolSize: ['CODEBASE_MCP_PROJECT_POOL_SIZE'],
  maxFileBytes: ['CODEBASE_MCP_MAX_FILE_BYTES'],
  idleTimeoutMs: ['CODEBASE_MCP_IDLE_TIMEOUT_MS'],
  logLevel: ['CODEBASE_MCP_LOG_LEVEL'],
  logFile: ['CODEBASE_MCP_LOG_FILE'],
  useService: ['CODEBASE_MCP_SERVICE'],
  serviceIdleMs: ['CODEBASE_MCP_SERVICE_IDLE_MS'],
};

function xdgDir(variable: string, fallback: string, env: NodeJS.ProcessEnv): string {
  const value = env[variable];
  return value && value.startsWith('/') ? value : join(homedir(), fallback);
}

function defaults(env: NodeJS.ProcessEnv): BaseConfig {
  return {
    home: join(xdgDir('XDG_DATA_HOME', '.local/share', env), 'codebase-mcp'),
    cacheDir: join(xdgDir('XDG_CACHE_HOME', '.cache', env), 'codebase-mcp'),
    registryDatabase: 'codebase_mcp_registry',
    maxOpenProjects: 8,
    projectPoolSize: 4,
    maxFileBytes: 1024 * 1024,
    idleTimeoutMs: 60_000,
    logLevel: 'info',
    useService: true,
    serviceIdleMs: 30 * 60_000,
  };
}

function readConfigFile(path: string, required: boolean): Record<string, unknown> {
  if (!existsSync(path)) {
    if (required) {
      throw new UserError('CONFIG_INVALID', `Config file ${path} does not exist.`, 'Fix CODEBASE_MCP_CONFIG or create the file.');
    }
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new UserError(
      'CONFIG_INVALID',
      `Config file ${path} is not valid: ${(error as Error).message}.`,
      'It must be a JSON object, e.g. {"maxFileBytes": 2097152}; see docs/configuration.md.',
    );
  }
}

function fromEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, names] of Object.entries(ENV_NAMES)) {
    const name = names.find((candidate) => env[candidate] !== undefined && env[candidate] !== '');
    if (name) values[key] = env[name] as string;
  }
  return values;
}

function sourceOf(key: string, env: NodeJS.ProcessEnv, configPath: string): string {
  const names = ENV_NAMES[key as keyof BaseConfig] ?? [];
  const name = names.find((candidate) => env[candidate]);
  return name ? `environment variable ${name}` : `"${key}" in ${configPath}`;
}

export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const base = defaults(env);
  const explicitConfigPath = env.CODEBASE_MCP_CONFIG;
  const homeForFile = env.CODEBASE_MCP_HOME || overrides.home || base.home;
  const configPath = explicitConfigPath ?? join(homeForFile, 'config.json');
  const file = readConfigFile(configPath, explicitConfigPath !== undefined);
  const merged = {
    ...base,
    ...file,
    ...fromEnvironment(env),
    ...Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)),
  };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? '');
    const value = (merged as Record<string, unknown>)[key];
    throw new UserError(
      'CONFIG_INVALID',
      `Invalid configuration: ${sourceOf(key, env, configPath)} = ${JSON.stringify(value)}: ${issue.message}.`,
      'Fix or unset that value; docs/configuration.md lists every setting.',
    );
  }
  return {
    ...parsed.data,
    home: resolve(parsed.data.home),
    cacheDir: resolve(parsed.data.cacheDir),
    embedder: overrides.embedder ?? embedderSettings(env, file, configPath),
  };
}

/** CODEBASE_MCP_EMBEDDER and friends win over the file's "embedder" object. */
function embedderSettings(env: NodeJS.ProcessEnv, file: Record<string, unknown>, configPath: string): EmbedderSettings {
  if (env.CODEBASE_MCP_EMBEDDER || file.embedder === undefined) return embedderSettingsFromEnv(env);
  return parseEmbedderSettings(file.embedder, `"embedder" in ${configPath}`);
}
