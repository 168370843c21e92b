// Configuration: defaults < config file < environment < explicit overrides
// (CLI flags). Validated once at start-up; a bad value stops the program with
// a message naming the variable and the value.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { embedderSettingsFromEnv, parseEmbedderSettings, type EmbedderSettings } from '../embed/embedderSettings.js';
import { UserError } from '../errors/userError.js';

const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** On/off settings as people write them in an environment variable or a JSON file. */
const onOff = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(word)) return true;
  if (['0', 'false', 'off', 'no'].includes(word)) return false;
  return value;
}, z.boolean({ message: 'must be 1 or 0 (true/false, on/off)' }));

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
  /** Snapshots kept per project before schema migrations (0: none taken). */
  snapshotKeep: z.coerce.number().int().min(0).max(100),
  /** Most megabytes one project's pre-migration snapshots may take together (the newest is always kept). */
  snapshotMaxMb: z.coerce.number().int().min(1).max(10_000_000),
  /** Long-lived hosts (serve, the service) watch project roots and apply changes; 0 turns it off everywhere. */
  watch: onOff,
  /** Quiet time after the last file event before the changes are applied as one batch. */
  watchDebounceMs: z.coerce.number().int().min(0).max(60_000),
  /** Without file events (watching off for the system's watch limit): how often the files are checked by size and mtime. */
  pollIntervalMs: z.coerce.number().int().min(100).max(24 * 3600 * 1000),
  /** Config file only: per-project settings, e.g. {"big-monorepo": {"watch": false}}. */
  projects: z.record(z.string(), z.object({ watch: onOff.optional() }).strict()).default({}),
  /** Outside a git repository, apply .gitignore files too (ripgrep's --no-require-git). */
  noRequireGit: z.preprocess(booleanSetting, z.boolean({ invalid_type_error: 'must be true or false (or 1/0)' })),
  /** Front ends talk to the shared service (false: today's in-process behaviour, for tests and scripts). */
  useService: onOff,
  /** The service exits after this long with no client connected and no job running. */
  serviceIdleMs: z.coerce.number().int().min(100).max(7 * 24 * 3600 * 1000),
});

/** Booleans from JSON, or from the environment as 1/0, true/false, yes/no. */
function booleanSetting(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const normalised = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalised)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(normalised)) return false;
  return value;
}

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
  snapshotKeep: ['CODEBASE_MCP_SNAPSHOT_KEEP'],
  snapshotMaxMb: ['CODEBASE_MCP_SNAPSHOT_MAX_MB'],
  watch: ['CODEBASE_MCP_WATCH'],
  watchDebounceMs: ['CODEBASE_MCP_WATCH_DEBOUNCE_MS'],
  pollIntervalMs: ['CODEBASE_MCP_POLL_INTERVAL_MS'],
  projects: [],
  noRequireGit: ['CODEBASE_MCP_NO_REQUIRE_GIT'],
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
    snapshotKeep: 3,
    snapshotMaxMb: 2048,
    watch: true,
    watchDebounceMs: 200,
    pollIntervalMs: 10_000,
    projects: {},
    noRequireGit: false,
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
