// Embedder settings: which provider, with what options, from a config file
// (validated by `embedderSettingsSchema`) or from the environment
// (`embedderSettingsFromEnv`), with messages that name what is wrong. Kept apart
// from the embedders themselves so front ends read settings without loading them.

import { z } from 'zod';
import { UserError } from '../errors/userError.js';

export const EMBEDDER_PROVIDERS = ['word-vectors', 'code-search', 'ollama', 'openai', 'transformers'] as const;
export type EmbedderProvider = (typeof EMBEDDER_PROVIDERS)[number];

const positiveInt = z.number().int().positive();
const httpUrl = z
  .string()
  .url()
  .refine((value) => /^https?:\/\//i.test(value), { message: 'must start with http:// or https://' });

const wordVectorSettings = z
  .object({
    provider: z.literal('word-vectors'),
    /** The converted word-vector file (default: in the cache directory). */
    cacheFile: z.string().min(1).optional(),
  })
  .strict();

const codeSearchSettings = z
  .object({
    provider: z.literal('code-search'),
    /** Another model file in the same format (default: the one shipped in assets/models/). */
    modelFile: z.string().min(1).optional(),
  })
  .strict();

const ollamaSettings = z
  .object({
    provider: z.literal('ollama'),
    baseUrl: httpUrl.optional(),
    model: z.string().min(1).optional(),
    timeoutMs: positiveInt.optional(),
    concurrency: positiveInt.max(64).optional(),
    batchSize: positiveInt.max(2048).optional(),
  })
  .strict();

const openAiSettings = z
  .object({
    provider: z.literal('openai'),
    baseUrl: httpUrl.optional(),
    apiKey: z.string().min(1).optional(),
    model: z.string().min(1),
    dimensions: positiveInt.optional(),
    timeoutMs: positiveInt.optional(),
    concurrency: positiveInt.max(64).optional(),
    batchSize: positiveInt.max(2048).optional(),
    maxInputChars: positiveInt.optional(),
  })
  .strict();

const transformersSettings = z
  .object({
    provider: z.literal('transformers'),
    model: z.string().min(1),
    cacheDir: z.string().min(1).optional(),
    dtype: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4']).optional(),
    batchSize: positiveInt.max(1024).optional(),
    pooling: z.enum(['mean', 'cls']).optional(),
  })
  .strict();

export const embedderSettingsSchema = z.discriminatedUnion('provider', [
  wordVectorSettings,
  codeSearchSettings,
  ollamaSettings,
  openAiSettings,
  transformersSettings,
]);

export type EmbedderSettings = z.infer<typeof embedderSettingsSchema>;

/** The offline code-search model trained here: it ranks better than the word vectors on every held-out set (docs/benchmarks.md). */
export const DEFAULT_EMBEDDER_SETTINGS: EmbedderSettings = { provider: 'code-search' };

/** Validates settings from any source; `source` names it in the message. */
export function parseEmbedderSettings(value: unknown, source = 'embedder settings'): EmbedderSettings {
  const parsed = embedderSettingsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'provider'}: ${issue.message}`);
  throw new UserError(
    'CONFIG_INVALID',
    `Invalid ${source}: ${problems.join('; ')}`,
    `provider is one of ${EMBEDDER_PROVIDERS.join(', ')}; see docs/configuration.md for each one's settings.`,
  );
}

/** The environment variables read by `embedderSettingsFromEnv`. */
export const EMBEDDER_ENV = {
  provider: 'CODEBASE_MCP_EMBEDDER',
  model: 'CODEBASE_MCP_EMBEDDING_MODEL',
  ollamaUrl: 'CODEBASE_MCP_OLLAMA_URL',
  ollamaHost: 'OLLAMA_HOST',
  openAiBaseUrl: 'CODEBASE_MCP_OPENAI_BASE_URL',
  openAiApiKey: 'CODEBASE_MCP_OPENAI_API_KEY',
  openAiApiKeyFallback: 'OPENAI_API_KEY',
  dimensions: 'CODEBASE_MCP_EMBEDDING_DIMENSIONS',
  batchSize: 'CODEBASE_MCP_EMBEDDING_BATCH_SIZE',
  concurrency: 'CODEBASE_MCP_EMBEDDING_CONCURRENCY',
  timeoutMs: 'CODEBASE_MCP_EMBEDDING_TIMEOUT_MS',
} as const;

/**
 * Embedder settings from environment variables. Unset means the default
 * (the offline code-search model); a bad value is an error naming its variable.
 */
export function embedderSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): EmbedderSettings {
  const read = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const rawProvider = read(EMBEDDER_ENV.provider)?.toLowerCase() ?? DEFAULT_EMBEDDER_SETTINGS.provider;
  if (!(EMBEDDER_PROVIDERS as readonly string[]).includes(rawProvider)) {
    throw new UserError(
      'CONFIG_INVALID',
      `${EMBEDDER_ENV.provider} must be one of ${EMBEDDER_PROVIDERS.join(', ')}; got "${env[EMBEDDER_ENV.provider]}".`,
    );
  }
  const provider = rawProvider as EmbedderProvider;
  const model = read(EMBEDDER_ENV.model);
  // Which variable each setting came from, for messages.
  const sources: Record<string, string> = {
    model: EMBEDDER_ENV.model,
    dimensions: EMBEDDER_ENV.dimensions,
    batchSize: EMBEDDER_ENV.batchSize,
    concurrency: EMBEDDER_ENV.concurrency,
    timeoutMs: EMBEDDER_ENV.timeoutMs,
  };
  const integer = (name: string) => positiveIntegerFrom(name, read(name));

  let raw: Record<string, unknown>;
  const providerChosen = read(EMBEDDER_ENV.provider) !== undefined;
  if (model && (!providerChosen || provider === 'word-vectors')) {
    // A model name alone would otherwise be read as a code-search model file, or ignored.
    throw new UserError(
      'CONFIG_INVALID',
      providerChosen
        ? `${EMBEDDER_ENV.model} is set to "${model}", but ${EMBEDDER_ENV.provider} is word-vectors, which has no models to choose from.`
        : `${EMBEDDER_ENV.model} is set to "${model}", but ${EMBEDDER_ENV.provider} is not set (the default, code-search, uses the model shipped in assets/models/).`,
      `Set ${EMBEDDER_ENV.provider} to ollama, openai or transformers to use that model (code-search for another model file in its format), or unset ${EMBEDDER_ENV.model}.`,
    );
  }
  switch (provider) {
    case 'word-vectors':
      raw = { provider };
      break;
    case 'code-search':
      // The model variable names another model file in the same format.
      raw = { provider, modelFile: model };
      break;
    case 'ollama': {
      const explicitUrl = read(EMBEDDER_ENV.ollamaUrl);
      const host = read(EMBEDDER_ENV.ollamaHost);
      sources.baseUrl = explicitUrl ? EMBEDDER_ENV.ollamaUrl : EMBEDDER_ENV.ollamaHost;
      raw = {
        provider,
        baseUrl: explicitUrl ?? (host ? ollamaUrlFromHost(host) : undefined),
        model,
        timeoutMs: integer(EMBEDDER_ENV.timeoutMs),
        concurrency: integer(EMBEDDER_ENV.concurrency),
        batchSize: integer(EMBEDDER_ENV.batchSize),
      };
      break;
    }
    case 'openai': {
      if (!model) {
        throw new UserError(
          'CONFIG_INVALID',
          `${EMBEDDER_ENV.provider}=openai needs ${EMBEDDER_ENV.model}, the embedding model's name.`,
          `For OpenAI itself: ${EMBEDDER_ENV.model}=text-embedding-3-small. For another server, the name it lists at GET <base URL>/models.`,
        );
      }
      const explicitKey = read(EMBEDDER_ENV.openAiApiKey);
      sources.baseUrl = EMBEDDER_ENV.openAiBaseUrl;
      sources.apiKey = explicitKey ? EMBEDDER_ENV.openAiApiKey : EMBEDDER_ENV.openAiApiKeyFallback;
      raw = {
        provider,
        baseUrl: read(EMBEDDER_ENV.openAiBaseUrl),
        apiKey: explicitKey ?? read(EMBEDDER_ENV.openAiApiKeyFallback),
        model,
        dimensions: integer(EMBEDDER_ENV.dimensions),
        timeoutMs: integer(EMBEDDER_ENV.timeoutMs),
        concurrency: integer(EMBEDDER_ENV.concurrency),
        batchSize: integer(EMBEDDER_ENV.batchSize),
      };
      break;
    }
    case 'transformers':
      if (!model) {
        throw new UserError(
          'CONFIG_INVALID',
          `${EMBEDDER_ENV.provider}=transformers needs ${EMBEDDER_ENV.model}: a directory holding an ONNX model, or a Hugging Face model id.`,
          `For example ${EMBEDDER_ENV.model}=/models/all-MiniLM-L6-v2 (offline) or Xenova/all-MiniLM-L6-v2 (downloaded once).`,
        );
      }
      raw = { provider, model, batchSize: integer(EMBEDDER_ENV.batchSize) };
      break;
  }
  const defined = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
  const parsed = embedderSettingsSchema.safeParse(defined);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = String(issue.path[0] ?? 'provider');
  const variable = sources[field] ?? EMBEDDER_ENV.provider;
  throw new UserError(
    'CONFIG_INVALID',
    `${variable} is invalid (${issue.message}): "${env[variable] ?? defined[field]}".`,
    'See docs/configuration.md for the embedding settings.',
  );
}

function positiveIntegerFrom(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UserError('CONFIG_INVALID', `${name} must be a positive whole number; got "${value}".`);
  }
  return Number(value);
}

/**
 * Ollama's own reading of OLLAMA_HOST (`host`, `host:port`, `:port`,
 * `scheme://host:port/path`; port 11434 unless a scheme says otherwise) as a
 * URL a client can call: the bind-all address 0.0.0.0 becomes 127.0.0.1.
 */
export function ollamaUrlFromHost(value: string): string {
  let scheme = 'http';
  let rest = value.trim();
  let defaultPort = '11434';
  const separator = rest.indexOf('://');
  if (separator >= 0) {
    scheme = rest.slice(0, separator).toLowerCase();
    rest = rest.slice(separator + 3);
    defaultPort = scheme === 'https' ? '443' : '80';
  }
  const slash = rest.indexOf('/');
  const path = slash >= 0 ? rest.slice(slash) : '';
  const hostPort = slash >= 0 ? rest.slice(0, slash) : rest;
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
  let host = match?.[1] ?? hostPort;
  const port = match?.[2] || defaultPort;
  if (host === '' || host === '0.0.0.0') host = '127.0.0.1';
  if (host === '[::]') host = '[::1]';
  return `${scheme}://${host}:${port}${path.replace(/\/+$/, '')}`;
}
