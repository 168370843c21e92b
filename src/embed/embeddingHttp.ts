// JSON POSTs to an embedding server, made robust: a timeout per request,
// bounded retries with exponential backoff and full jitter on 429, 5xx,
// dropped connections and timeouts, and errors that say what went wrong and
// what to do about it. Provider modules add what only they know (an Ollama
// 404 means "pull the model", an OpenAI 429 can mean "no quota left").

import { UserError } from '../errors/userError.js';

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** Backoff before retry n (from 0) is random in [0, min(maxDelayMs, baseDelayMs · 2ⁿ)). */
  baseDelayMs: number;
  /** Also caps how long a server's Retry-After can make us wait. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000 };

/** An HTTP error answer, as a provider's `explainHttpError` sees it. */
export interface HttpFailure {
  status: number;
  /** The provider's own error message when the body has one, else the body's start. */
  errorText: string;
  /** Parsed JSON body, or undefined when it was not JSON. */
  body: unknown;
}

export interface RetryNotice {
  attempt: number;
  delayMs: number;
  reason: string;
}

/** Settings every HTTP embedding provider takes (each adds its own). */
export interface HttpEmbedderOptions {
  /** Where the provider listens (each provider documents its form and default). */
  baseUrl?: string;
  /** Per request. */
  timeoutMs?: number;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Texts per request. */
  batchSize?: number;
  retry?: Partial<RetryPolicy>;
  onRetry?: (notice: RetryNotice) => void;
}

export interface EmbeddingEndpoint {
  /** Who answers, for messages: 'Ollama', 'OpenAI-compatible API'. */
  provider: string;
  url: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  retry: RetryPolicy;
  hints: {
    /** What to do when nothing answers at `url`. */
    unreachable: string;
    /** What to do about a 401 / 403. */
    unauthorized: string;
  };
  /**
   * Provider-specific reading of an error answer: a UserError fails at once,
   * 'retry' retries, undefined leaves it to the generic rules.
   */
  explainHttpError?: (failure: HttpFailure) => UserError | 'retry' | undefined;
  onRetry?: (notice: RetryNotice) => void;
  /** Injected by tests to make jitter deterministic. */
  random?: () => number;
}

/** Connection-level failure codes (Node and undici) that a retry may cure. */
const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

// Why an attempt failed in a way worth another try.
type RetryableFailure =
  | { kind: 'timeout' }
  | { kind: 'connection'; code: string }
  | { kind: 'http'; failure: HttpFailure; retryAfterMs: number | undefined };

/** POSTs `body` as JSON and returns the parsed JSON answer, retrying what is worth retrying. */
export async function postJson(endpoint: EmbeddingEndpoint, body: unknown): Promise<unknown> {
  const payload = JSON.stringify(body);
  const { maxAttempts } = endpoint.retry;
  let last: RetryableFailure | undefined;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    if (attempt > 0 && last) {
      const delayMs = retryDelayMs(attempt - 1, endpoint.retry, retryAfterOf(last), endpoint.random);
      endpoint.onRetry?.({ attempt, delayMs, reason: describeRetryable(last) });
      await sleep(delayMs);
    }
    const outcome = await attemptOnce(endpoint, payload);
    if (outcome.ok) return outcome.json;
    last = outcome.failure;
  }
  throw exhausted(endpoint, last!, maxAttempts);
}

type AttemptOutcome = { ok: true; json: unknown } | { ok: false; failure: RetryableFailure };

async function attemptOnce(endpoint: EmbeddingEndpoint, payload: string): Promise<AttemptOutcome> {
  let response: Response;
  let text: string;
  try {
    // The signal also covers reading the body: a server that sends headers
    // and then stalls times out too.
    response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...endpoint.headers },
      body: payload,
      signal: AbortSignal.timeout(endpoint.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    if (isTimeout(error)) return { ok: false, failure: { kind: 'timeout' } };
    const code = connectionErrorCode(error);
    if (code) return { ok: false, failure: { kind: 'connection', code } };
    throw new UserError(
      'EMBEDDER_UNAVAILABLE',
      `${endpoint.provider} at ${endpoint.url} could not be called: ${(error as Error).message ?? String(error)}`,
      endpoint.hints.unreachable,
    );
  }

  const body = parseJson(text);
  if (response.ok) {
    if (body === undefined) {
      throw malformedResponse(endpoint.provider, `the answer is not JSON: ${preview(text)}`);
    }
    return { ok: true, json: body };
  }

  const failure: HttpFailure = { status: response.status, errorText: errorTextOf(body, text), body };
  const verdict = endpoint.explainHttpError?.(failure);
  if (verdict instanceof UserError) throw verdict;
  if (verdict === 'retry' || isRetryableStatus(response.status)) {
    return {
      ok: false,
      failure: { kind: 'http', failure, retryAfterMs: parseRetryAfter(response.headers.get('retry-after')) },
    };
  }
  throw nonRetryableHttpError(endpoint, failure);
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function nonRetryableHttpError(endpoint: EmbeddingEndpoint, failure: HttpFailure): UserError {
  const { provider, url } = endpoint;
  const detail = failure.errorText ? `: ${failure.errorText}` : '';
  if (failure.status === 401 || failure.status === 403) {
    return new UserError(
      'EMBEDDER_UNAVAILABLE',
      `${provider} at ${url} rejected the API key (HTTP ${failure.status})${detail}`,
      endpoint.hints.unauthorized,
    );
  }
  if (failure.status === 404) {
    return new UserError(
      'EMBEDDER_UNAVAILABLE',
      `${provider} at ${url} answered 404 Not Found${detail}`,
      'Check the model name and the base URL (it should be the API root, e.g. ending in /v1 for OpenAI-compatible servers).',
    );
  }
  return new UserError(
    'EMBEDDER_UNAVAILABLE',
    `${provider} at ${url} refused the request (HTTP ${failure.status})${detail}`,
    'Check the embedding settings (model, dimensions, batch size) against what the server accepts.',
  );
}

function exhausted(endpoint: EmbeddingEndpoint, last: RetryableFailure, attempts: number): UserError {
  const { provider, url } = endpoint;
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  switch (last.kind) {
    case 'timeout':
      return new UserError(
        'EMBEDDER_UNAVAILABLE',
        `${provider} at ${url} did not answer within ${formatSeconds(endpoint.timeoutMs)} s (${tries})`,
        'The server may be overloaded or still loading the model: raise CODEBASE_MCP_EMBEDDING_TIMEOUT_MS, or lower CODEBASE_MCP_EMBEDDING_BATCH_SIZE / CODEBASE_MCP_EMBEDDING_CONCURRENCY.',
      );
    case 'connection':
      return new UserError(
        'EMBEDDER_UNAVAILABLE',
        `Cannot reach ${provider} at ${url} (${last.code}, ${tries}): is it running?`,
        endpoint.hints.unreachable,
      );
    case 'http': {
      const detail = last.failure.errorText ? `: ${last.failure.errorText}` : '';
      if (last.failure.status === 429) {
        return new UserError(
          'EMBEDDER_UNAVAILABLE',
          `${provider} at ${url} is rate limiting: still HTTP 429 after ${tries}${detail}`,
          'Lower CODEBASE_MCP_EMBEDDING_CONCURRENCY or CODEBASE_MCP_EMBEDDING_BATCH_SIZE, or raise the rate limit of your account, then index again: finished work is kept.',
        );
      }
      return new UserError(
        'EMBEDDER_UNAVAILABLE',
        `${provider} at ${url} kept failing: HTTP ${last.failure.status} after ${tries}${detail}`,
        'Check the server (its log usually says why), then index again: finished work is kept.',
      );
    }
  }
}

function describeRetryable(failure: RetryableFailure): string {
  switch (failure.kind) {
    case 'timeout':
      return 'timed out';
    case 'connection':
      return failure.code;
    case 'http':
      return `HTTP ${failure.failure.status}`;
  }
}

function retryAfterOf(failure: RetryableFailure): number | undefined {
  return failure.kind === 'http' ? failure.retryAfterMs : undefined;
}

/**
 * Milliseconds to wait before retry `retry` (0 for the first retry): the
 * server's Retry-After when it gave one, else full jitter — uniformly random up
 * to the exponential bound, so many clients that failed together do not come
 * back together. Both are capped by `maxDelayMs`.
 */
export function retryDelayMs(
  retry: number,
  policy: RetryPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(Math.max(0, retryAfterMs), policy.maxDelayMs);
  const bound = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * bound);
}

/** A Retry-After header (delay in seconds, or an HTTP date) in milliseconds from `now`. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The provider's own words from an error body: OpenAI `{error:{message}}`, Ollama `{error}`, vLLM `{message}`. */
function errorTextOf(body: unknown, text: string): string {
  if (body && typeof body === 'object') {
    const record = body as Record<string, unknown>;
    const error = record.error;
    if (typeof error === 'string') return error;
    if (error && typeof error === 'object' && typeof (error as Record<string, unknown>).message === 'string') {
      return (error as Record<string, string>).message;
    }
    if (typeof record.message === 'string') return record.message;
    if (typeof record.detail === 'string') return record.detail;
  }
  return preview(text);
}

export function malformedResponse(provider: string, detail: string): UserError {
  return new UserError(
    'EMBEDDER_UNAVAILABLE',
    `${provider} returned a malformed response: ${detail}`,
    'Check that the base URL points at the embedding API itself (not a proxy page or another service).',
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function preview(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function connectionErrorCode(error: unknown): string | undefined {
  // fetch wraps the socket error: TypeError('fetch failed', { cause }).
  for (let current: unknown = error, depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  if (error instanceof TypeError && error.message === 'fetch failed') return 'connection failed';
  return undefined;
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return String(Number(seconds.toFixed(seconds < 1 ? 2 : 1)));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * `path` appended to a base URL's path, keeping its query (Azure's
 * `?api-version=…`): joinUrl('http://h/v1/', 'embeddings') → 'http://h/v1/embeddings'.
 */
export function joinUrl(baseUrl: string, path: string, setting = 'base URL'): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UserError('CONFIG_INVALID', `The embedding ${setting} "${baseUrl}" is not a URL`, 'Write it in full, e.g. http://127.0.0.1:11434.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError('CONFIG_INVALID', `The embedding ${setting} "${baseUrl}" must start with http:// or https://`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  return url.toString();
}
