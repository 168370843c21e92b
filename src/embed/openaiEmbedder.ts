// Embeddings from any OpenAI-compatible endpoint — OpenAI itself, Azure
// OpenAI's v1 API, vLLM, LM Studio, llama.cpp's server, Ollama's /v1:
//   POST {baseUrl}/embeddings  {model, input: string[], encoding_format: 'float', dimensions?}
//     →  {data: [{index, embedding: number[]}]}

import { UserError } from '../errors/userError.js';
import { createConcurrencyLimiter, type ConcurrencyLimiter } from './concurrencyLimiter.js';
import type { Embedder } from './embedder.js';
import { embedInBatches, type BatchLimits } from './embeddingBatches.js';
import {
  DEFAULT_RETRY_POLICY,
  joinUrl,
  malformedResponse,
  postJson,
  type EmbeddingEndpoint,
  type HttpEmbedderOptions,
  type HttpFailure,
} from './embeddingHttp.js';
import { unitVectorFrom, wrongDimensions } from './providerVectors.js';
import { taskPrefixesFor, type TaskPrefixes } from './taskPrefixes.js';

/** `baseUrl` is the API root, e.g. https://api.openai.com/v1 or http://127.0.0.1:1234/v1; OpenAI accepts up to 2,048 inputs per request (`batchSize`). */
export interface OpenAiEmbedderOptions extends HttpEmbedderOptions {
  /** Needed by hosted APIs; local servers usually take none. */
  apiKey?: string;
  model: string;
  /** Asks the model for shorter vectors (OpenAI's text-embedding-3-*); changes the id. */
  dimensions?: number;
  /** Longer inputs are cut to this many characters (OpenAI rejects inputs over 8,192 tokens). */
  maxInputChars?: number;
  /** Characters per request over all its inputs (OpenAI caps a request at 300,000 tokens). */
  maxRequestChars?: number;
}

export const OPENAI_DEFAULTS = {
  baseUrl: 'https://api.openai.com/v1',
  timeoutMs: 60_000,
  concurrency: 4,
  batchSize: 96,
  // Code runs ~2–4 characters per token; 16k characters stay under 8,192 tokens
  // even for dense code.
  maxInputChars: 16_000,
  maxRequestChars: 400_000,
} as const;

const OPENAI_HOST = 'api.openai.com';

export function openAiEmbedderId(model: string, dimensions?: number): string {
  return dimensions === undefined ? `openai:${model}` : `openai:${model}@${dimensions}`;
}

/** Checks the settings, then learns the dimension from one probe request. */
export async function createOpenAiEmbedder(options: OpenAiEmbedderOptions): Promise<Embedder> {
  const baseUrl = options.baseUrl ?? OPENAI_DEFAULTS.baseUrl;
  const url = joinUrl(baseUrl, 'embeddings', 'OpenAI base URL');
  const host = new URL(url).hostname;
  // Checked before any request: without a key, OpenAI could only say 401.
  if (host === OPENAI_HOST && !options.apiKey) {
    throw new UserError(
      'CONFIG_INVALID',
      'The OpenAI API needs an API key, and none is set.',
      'Set CODEBASE_MCP_OPENAI_API_KEY (or OPENAI_API_KEY); for a local server that needs no key (vLLM, LM Studio, llama.cpp), set CODEBASE_MCP_OPENAI_BASE_URL to it.',
    );
  }
  const provider = host === OPENAI_HOST ? 'OpenAI' : 'OpenAI-compatible API';
  const headers: Record<string, string> = {};
  if (options.apiKey) {
    headers.authorization = `Bearer ${options.apiKey}`;
    // Azure OpenAI authenticates keys by its own header.
    if (host.endsWith('.openai.azure.com')) headers['api-key'] = options.apiKey;
  }
  const endpoint: EmbeddingEndpoint = {
    provider,
    url,
    headers,
    timeoutMs: options.timeoutMs ?? OPENAI_DEFAULTS.timeoutMs,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    hints: {
      unreachable: 'Check CODEBASE_MCP_OPENAI_BASE_URL, and that the server is running and reachable from here.',
      unauthorized: 'Check CODEBASE_MCP_OPENAI_API_KEY (or OPENAI_API_KEY): it must be a valid key for this server.',
    },
    explainHttpError: (failure) => explainOpenAiError(failure, provider, options.model),
    onRetry: options.onRetry,
  };
  const request = new OpenAiEmbeddingsRequest(endpoint, provider, options.model, options.dimensions);
  const [probe] = await request.send(['dimension probe']);
  const dimensions = Array.isArray(probe) ? probe.length : 0;
  if (dimensions === 0) throw malformedResponse(provider, 'the probe embedding is empty');
  if (options.dimensions !== undefined && dimensions !== options.dimensions) {
    throw wrongDimensions(provider, dimensions, options.dimensions);
  }
  unitVectorFrom(probe, dimensions, provider, 0);

  return new OpenAiEmbedder(
    openAiEmbedderId(options.model, options.dimensions),
    dimensions,
    request,
    provider,
    taskPrefixesFor(options.model),
    options.maxInputChars ?? OPENAI_DEFAULTS.maxInputChars,
    {
      maxInputs: options.batchSize ?? OPENAI_DEFAULTS.batchSize,
      maxChars: options.maxRequestChars ?? OPENAI_DEFAULTS.maxRequestChars,
    },
    createConcurrencyLimiter(options.concurrency ?? OPENAI_DEFAULTS.concurrency),
  );
}

class OpenAiEmbedder implements Embedder {
  /** Each vector costs a model run: worth sharing across projects. */
  readonly costly = true;
  constructor(
    readonly id: string,
    readonly dimensions: number,
    private readonly request: OpenAiEmbeddingsRequest,
    private readonly provider: string,
    private readonly prefixes: TaskPrefixes,
    private readonly maxInputChars: number,
    private readonly limits: BatchLimits,
    private readonly limit: ConcurrencyLimiter,
  ) {}

  embedDocuments(texts: string[]): Promise<Float32Array[]> {
    const inputs = texts.map((text) => this.input(this.prefixes.document + text));
    return embedInBatches(inputs, this.limits, this.limit, (batch) => this.embedBatch(batch));
  }

  async embedQuery(text: string): Promise<Float32Array> {
    // Not through the limiter: a search must not queue behind a backlog of indexing batches.
    const [vector] = await this.embedBatch([this.input(this.prefixes.query + text)]);
    return vector;
  }

  private async embedBatch(inputs: string[]): Promise<Float32Array[]> {
    const embeddings = await this.request.send(inputs);
    return embeddings.map((values, i) => unitVectorFrom(values, this.dimensions, this.provider, i));
  }

  /** OpenAI rejects empty inputs and over-long ones; a chunk's head says most about it anyway. */
  private input(text: string): string {
    if (text.length === 0) return ' ';
    if (text.length <= this.maxInputChars) return text;
    let end = this.maxInputChars;
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--; // do not split a surrogate pair
    return text.slice(0, end);
  }
}

class OpenAiEmbeddingsRequest {
  constructor(
    private readonly endpoint: EmbeddingEndpoint,
    private readonly provider: string,
    private readonly model: string,
    private readonly dimensions: number | undefined,
  ) {}

  /** Raw embeddings of one request, back in input order. */
  async send(inputs: string[]): Promise<unknown[]> {
    const body: Record<string, unknown> = { model: this.model, input: inputs, encoding_format: 'float' };
    if (this.dimensions !== undefined) body.dimensions = this.dimensions;
    const json = await postJson(this.endpoint, body);
    const data = (json as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw malformedResponse(this.provider, 'no "data" list in the answer');
    if (data.length !== inputs.length) {
      throw malformedResponse(this.provider, `${data.length} embeddings for ${inputs.length} inputs`);
    }
    // The API pairs each vector with its input's index; the order of `data` itself is not promised.
    const ordered = new Array<unknown>(inputs.length);
    data.forEach((item, position) => {
      const entry = item as { index?: unknown; embedding?: unknown } | null;
      const index = entry?.index ?? position;
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= inputs.length || index in ordered) {
        throw malformedResponse(this.provider, `embedding #${position} has a missing, repeated or out-of-range index (${JSON.stringify(index)})`);
      }
      ordered[index] = decodeEmbedding(entry?.embedding);
    });
    return ordered;
  }
}

/** A float list, or base64 of little-endian float32 from a server that ignores `encoding_format`. */
function decodeEmbedding(embedding: unknown): unknown {
  if (typeof embedding !== 'string') return embedding;
  const bytes = Buffer.from(embedding, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
  const values: number[] = [];
  for (let offset = 0; offset < bytes.length; offset += 4) values.push(bytes.readFloatLE(offset));
  return values;
}

function explainOpenAiError(failure: HttpFailure, provider: string, model: string): UserError | undefined {
  const error = (failure.body as { error?: { code?: unknown; type?: unknown } } | undefined)?.error;
  const code = typeof error === 'object' && error ? String(error.code ?? error.type ?? '') : '';
  // 429 also means "out of credit", which no retry cures.
  if (failure.status === 429 && code === 'insufficient_quota') {
    return new UserError(
      'EMBEDDER_UNAVAILABLE',
      `${provider} refused the request: the account has no quota left (${failure.errorText})`,
      "Check the account's plan and billing, or use another provider.",
    );
  }
  const aboutModel = code === 'model_not_found' || /model/i.test(failure.errorText);
  if ((failure.status === 404 || (failure.status === 400 && code === 'model_not_found')) && aboutModel) {
    return new UserError(
      'EMBEDDER_UNAVAILABLE',
      `${provider} does not know the model "${model}": ${failure.errorText}`,
      'Check CODEBASE_MCP_EMBEDDING_MODEL against the models the server offers (GET <base URL>/models lists them).',
    );
  }
  return undefined;
}
