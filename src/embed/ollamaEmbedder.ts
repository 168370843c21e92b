// Embeddings from an Ollama server through its batch endpoint:
//   POST {baseUrl}/api/embed  {model, input: string[]}  →  {embeddings: number[][]}

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
import { unitVectorFrom } from './providerVectors.js';
import { taskPrefixesFor, type TaskPrefixes } from './taskPrefixes.js';

/** `concurrency`: Ollama serves OLLAMA_NUM_PARALLEL requests in parallel. */
export interface OllamaEmbedderOptions extends HttpEmbedderOptions {
  model?: string;
}

export const OLLAMA_DEFAULTS = {
  baseUrl: 'http://127.0.0.1:11434',
  model: 'nomic-embed-text',
  // The first request loads the model into memory; on a CPU a batch of long
  // chunks can take tens of seconds on top.
  timeoutMs: 120_000,
  concurrency: 2,
  batchSize: 32,
} as const;

// Ollama truncates each input to the model's context itself; this only keeps
// one request from carrying so much text that it runs into the timeout.
const MAX_CHARS_PER_REQUEST = 200_000;

const PROVIDER = 'Ollama';

/** `nomic-embed-text` and `nomic-embed-text:latest` are the same model in Ollama, so they share an id. */
export function ollamaEmbedderId(model: string): string {
  return `ollama:${model.replace(/:latest$/, '')}`;
}

/** Connects to Ollama and learns the model's dimension from one probe request. */
export async function createOllamaEmbedder(options: OllamaEmbedderOptions = {}): Promise<Embedder> {
  const baseUrl = options.baseUrl ?? OLLAMA_DEFAULTS.baseUrl;
  const model = options.model ?? OLLAMA_DEFAULTS.model;
  const endpoint: EmbeddingEndpoint = {
    provider: PROVIDER,
    url: joinUrl(baseUrl, 'api/embed', 'Ollama URL'),
    timeoutMs: options.timeoutMs ?? OLLAMA_DEFAULTS.timeoutMs,
    retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
    hints: {
      unreachable: `Start Ollama (\`ollama serve\`), or point CODEBASE_MCP_OLLAMA_URL (or OLLAMA_HOST) at where it listens.`,
      unauthorized: 'Ollama itself has no API keys: check the proxy in front of it.',
    },
    explainHttpError: (failure) => explainOllamaError(failure, model, baseUrl),
    onRetry: options.onRetry,
  };
  const request = new OllamaEmbedRequest(endpoint, model);
  const probe = await request.send(['dimension probe']);
  const dimensions = Array.isArray(probe[0]) ? probe[0].length : 0;
  if (dimensions === 0) throw malformedResponse(PROVIDER, 'the probe embedding is empty');
  unitVectorFrom(probe[0], dimensions, PROVIDER, 0);

  return new OllamaEmbedder(
    ollamaEmbedderId(model),
    dimensions,
    request,
    taskPrefixesFor(model),
    { maxInputs: options.batchSize ?? OLLAMA_DEFAULTS.batchSize, maxChars: MAX_CHARS_PER_REQUEST },
    createConcurrencyLimiter(options.concurrency ?? OLLAMA_DEFAULTS.concurrency),
  );
}

class OllamaEmbedder implements Embedder {
  /** Each vector costs a model run: worth sharing across projects. */
  readonly costly = true;
  constructor(
    readonly id: string,
    readonly dimensions: number,
    private readonly request: OllamaEmbedRequest,
    // nomic-embed-text wants `search_document: ` before chunks and
    // `search_query: ` before queries (see taskPrefixes.ts).
    private readonly prefixes: TaskPrefixes,
    private readonly limits: BatchLimits,
    private readonly limit: ConcurrencyLimiter,
  ) {}

  embedDocuments(texts: string[]): Promise<Float32Array[]> {
    const inputs = texts.map((text) => this.prefixes.document + text);
    return embedInBatches(inputs, this.limits, this.limit, (batch) => this.embedBatch(batch));
  }

  async embedQuery(text: string): Promise<Float32Array> {
    // Not through the limiter: a search must not queue behind a backlog of indexing batches.
    const [vector] = await this.embedBatch([this.prefixes.query + text]);
    return vector;
  }

  private async embedBatch(inputs: string[]): Promise<Float32Array[]> {
    const embeddings = await this.request.send(inputs);
    return embeddings.map((values, i) => unitVectorFrom(values, this.dimensions, PROVIDER, i));
  }
}

class OllamaEmbedRequest {
  constructor(
    private readonly endpoint: EmbeddingEndpoint,
    private readonly model: string,
  ) {}

  /** The raw `embeddings` of one request, one per input, checked for count only. */
  async send(inputs: string[]): Promise<unknown[]> {
    const json = await postJson(this.endpoint, { model: this.model, input: inputs, truncate: true });
    const embeddings = (json as { embeddings?: unknown } | null)?.embeddings;
    if (!Array.isArray(embeddings)) throw malformedResponse(PROVIDER, 'no "embeddings" list in the answer');
    if (embeddings.length !== inputs.length) {
      throw malformedResponse(PROVIDER, `${embeddings.length} embeddings for ${inputs.length} inputs`);
    }
    return embeddings;
  }
}

function explainOllamaError(failure: HttpFailure, model: string, baseUrl: string): UserError | undefined {
  // Ollama: 404 {"error": "model \"x\" not found, try pulling it first"}.
  if (failure.status === 404 && /model.*not found/i.test(failure.errorText)) {
    return new UserError(
      'EMBEDDER_UNAVAILABLE',
      `Ollama at ${baseUrl} does not have the model "${model}": ${failure.errorText}`,
      `Pull it first: ollama pull ${model}`,
    );
  }
  // A chat model asked for embeddings: 400 {"error": "\"llama3\" does not support embeddings"}.
  if (failure.status === 400 && /does not support embed/i.test(failure.errorText)) {
    return new UserError(
      'EMBEDDER_UNAVAILABLE',
      `The Ollama model "${model}" cannot make embeddings: ${failure.errorText}`,
      `Use an embedding model, e.g. CODEBASE_MCP_EMBEDDING_MODEL=${OLLAMA_DEFAULTS.model} after \`ollama pull ${OLLAMA_DEFAULTS.model}\`.`,
    );
  }
  return undefined;
}
