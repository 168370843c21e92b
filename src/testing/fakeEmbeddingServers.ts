// Local stand-ins for embedding servers, for tests: HTTP servers on 127.0.0.1
// that speak Ollama's `POST /api/embed` and OpenAI's `POST /v1/embeddings`
// (request checks, answers and error bodies shaped like the real ones), return
// deterministic vectors, count what they receive, and misbehave on request:
// rate limits, server errors, hangs, wrong dimensions, a dead server.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fnv1a } from '../embed/fnv1a.js';
import { codeTokens } from '../tokens/codeTokens.js';

export type EmbeddingFault =
  /** 429 with a Retry-After header (seconds or an HTTP date); OpenAI's out-of-credit 429 with `insufficientQuota`. */
  | { kind: 'rateLimit'; retryAfter?: string; insufficientQuota?: boolean }
  /** An error status (500 unless given) with the provider's error body. */
  | { kind: 'serverError'; status?: number }
  /** Never answers (the connection stays open until the client gives up or the server closes). */
  | { kind: 'hang' }
  /** Answers with vectors of another length (default: one more), ignoring requested dimensions. */
  | { kind: 'wrongDimension'; dimensions?: number }
  /** Answers with an all-zero first vector. */
  | { kind: 'zeroVector' }
  /** 200 with a body that is JSON but not the API's shape. */
  | { kind: 'malformed' }
  /** Drops this connection and stops listening, as a crashed server would. */
  | { kind: 'die' };

export interface FakeEmbeddingServerOptions {
  /** Length of the vectors (default 32). */
  dimensions?: number;
  /** Models the server knows; others get the provider's "model not found" answer. */
  models?: string[];
  /** OpenAI only: the key required as `Authorization: Bearer <key>`. Unset: any or none. */
  apiKey?: string;
  /** Multiplies every vector, for servers that return vectors not of unit length (default 1). */
  scale?: number;
  /** OpenAI only: list `data` in reverse order (the client must reorder by `index`). */
  reverseOrder?: boolean;
  /** Rejects requests with more inputs than this, as providers do (OpenAI: 2,048). */
  maxInputsPerRequest?: number;
  /** Waits this long before each answer, so parallel requests overlap measurably. */
  responseDelayMs?: number;
}

export interface FakeServerStats {
  /** Every HTTP request, whatever its fate. */
  requests: number;
  /** Requests answered with vectors. */
  embedRequests: number;
  /** Inputs over those requests. */
  inputs: number;
  /** Inputs per answered request, in arrival order. */
  batchSizes: number[];
  /** Every input text answered, in arrival order. */
  received: string[];
  /** Parsed bodies of all embedding requests. */
  bodies: unknown[];
  /** `Authorization` header of each request. */
  authorizations: Array<string | undefined>;
  /** Most requests in progress at one moment. */
  maxInFlight: number;
}

export interface FakeEmbeddingServer {
  /** What a client is configured with: `http://127.0.0.1:PORT` (Ollama) or `http://127.0.0.1:PORT/v1` (OpenAI). */
  readonly url: string;
  readonly dimensions: number;
  readonly stats: FakeServerStats;
  /** The next `times` requests meet `fault`, after any faults queued before. */
  failNext(fault: EmbeddingFault, times?: number): void;
  /** After `requests` more answered embedding requests, the next one kills the server. */
  dieAfter(requests: number): void;
  /** The vector this server gives `text` (unit length before `scale`). */
  vectorFor(text: string): number[];
  close(): Promise<void>;
}

/**
 * A deterministic unit vector for a text: the sum of one pseudo-random vector
 * per code token, so texts sharing words point in similar directions.
 */
export function fakeEmbedding(text: string, dimensions: number): number[] {
  const tokens = codeTokens(text);
  const sum = new Float64Array(dimensions);
  for (const token of tokens.length > 0 ? tokens : [text]) {
    let state = fnv1a(token);
    for (let d = 0; d < dimensions; d++) {
      state = (state + 0x6d2b79f5) >>> 0; // mulberry32
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      sum[d] += ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
    }
  }
  const norm = Math.hypot(...sum) || 1;
  return Array.from(sum, (value) => value / norm);
}

// What differs between the two APIs; the server machinery around it is shared.
interface Dialect {
  path: string;
  defaultModels: string[];
  /** Validates a parsed request; returns the inputs or an error answer. */
  parse(body: unknown, request: IncomingMessage, options: FakeEmbeddingServerOptions): Parsed;
  answer(parsed: ParsedRequest, vectors: number[][], options: FakeEmbeddingServerOptions): unknown;
  error(status: number, message: string, code?: string, type?: string): unknown;
  invalidJson(): { status: number; body: unknown };
  notFoundModel(model: string): unknown;
  rateLimited(): unknown;
  quotaExceeded(): unknown;
  serverError(): unknown;
}

interface ParsedRequest {
  model: string;
  inputs: string[];
  dimensions?: number;
  encoding: 'float' | 'base64';
}

type Parsed = { ok: true; request: ParsedRequest } | { ok: false; status: number; body: unknown };

const ollama: Dialect = {
  path: '/api/embed',
  defaultModels: ['nomic-embed-text'],
  parse(body) {
    const fields = body as Record<string, unknown>;
    if (!fields || typeof fields !== 'object' || Array.isArray(fields)) {
      return { ok: false, status: 400, body: { error: 'json: cannot unmarshal into Go value of type api.EmbedRequest' } };
    }
    if (typeof fields.model !== 'string' || fields.model === '') {
      return { ok: false, status: 400, body: { error: 'model is required' } };
    }
    const input = fields.input;
    let inputs: string[];
    if (input === undefined) inputs = [];
    else if (typeof input === 'string') inputs = [input];
    else if (Array.isArray(input) && input.every((item) => typeof item === 'string')) inputs = input as string[];
    else return { ok: false, status: 400, body: { error: 'invalid input type' } };
    if (fields.truncate !== undefined && typeof fields.truncate !== 'boolean') {
      return { ok: false, status: 400, body: { error: 'json: cannot unmarshal into Go struct field EmbedRequest.truncate of type bool' } };
    }
    const dimensions = fields.dimensions;
    if (dimensions !== undefined && (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1)) {
      return { ok: false, status: 400, body: { error: 'dimensions must be a positive integer' } };
    }
    return { ok: true, request: { model: fields.model, inputs, dimensions: dimensions as number | undefined, encoding: 'float' } };
  },
  answer(parsed, vectors) {
    return {
      model: parsed.model,
      embeddings: vectors,
      total_duration: 14_143_917,
      load_duration: 1_019_500,
      prompt_eval_count: parsed.inputs.reduce((sum, text) => sum + codeTokens(text).length, 0),
    };
  },
  error: (_status, message) => ({ error: message }),
  invalidJson: () => ({ status: 400, body: { error: "invalid character 'x' looking for beginning of value" } }),
  notFoundModel: (model) => ({ error: `model "${model}" not found, try pulling it first` }),
  rateLimited: () => ({ error: 'too many requests' }),
  quotaExceeded: () => ({ error: 'too many requests' }),
  serverError: () => ({ error: 'llama runner process has terminated: exit status 2' }),
};

const openAiError = (message: string, type = 'invalid_request_error', code: string | null = null, param: string | null = null) => ({
  error: { message, type, param, code },
});

const openAi: Dialect = {
  path: '/v1/embeddings',
  defaultModels: ['text-embedding-3-small'],
  parse(body, request, options) {
    if (options.apiKey !== undefined) {
      const authorization = request.headers.authorization;
      if (!authorization) {
        return {
          ok: false,
          status: 401,
          body: openAiError("You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."),
        };
      }
      if (authorization !== `Bearer ${options.apiKey}`) {
        const given = authorization.replace(/^Bearer\s+/i, '');
        return {
          ok: false,
          status: 401,
          body: openAiError(`Incorrect API key provided: ${given.slice(0, 3)}***${given.slice(-4)}.`, 'invalid_request_error', 'invalid_api_key'),
        };
      }
    }
    const fields = body as Record<string, unknown>;
    if (!fields || typeof fields !== 'object' || Array.isArray(fields)) {
      return { ok: false, status: 400, body: openAiError('The request body must be a JSON object.') };
    }
    if (typeof fields.model !== 'string' || fields.model === '') {
      return { ok: false, status: 400, body: openAiError('you must provide a model parameter') };
    }
    const input = fields.input;
    const inputs = typeof input === 'string' ? [input] : input;
    if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > 2048 || !inputs.every((item) => typeof item === 'string' && item.length > 0)) {
      return {
        ok: false,
        status: 400,
        body: openAiError("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", 'invalid_request_error', null, 'input'),
      };
    }
    const encoding = fields.encoding_format ?? 'float';
    if (encoding !== 'float' && encoding !== 'base64') {
      return {
        ok: false,
        status: 400,
        body: openAiError(`'${String(encoding)}' is not one of ['float', 'base64'] - 'encoding_format'`, 'invalid_request_error', null, 'encoding_format'),
      };
    }
    const dimensions = fields.dimensions;
    if (dimensions !== undefined && (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1)) {
      return { ok: false, status: 400, body: openAiError('Invalid value for dimensions.', 'invalid_request_error', null, 'dimensions') };
    }
    return { ok: true, request: { model: fields.model, inputs: inputs as string[], dimensions: dimensions as number | undefined, encoding } };
  },
  answer(parsed, vectors, options) {
    const data = vectors.map((vector, index) => ({
      object: 'embedding',
      index,
      embedding: parsed.encoding === 'base64' ? Buffer.from(Float32Array.from(vector).buffer).toString('base64') : vector,
    }));
    if (options.reverseOrder) data.reverse();
    const tokens = parsed.inputs.reduce((sum, text) => sum + codeTokens(text).length, 0);
    return { object: 'list', data, model: parsed.model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
  },
  error: (_status, message, code, type) => openAiError(message, type ?? 'invalid_request_error', code ?? null),
  invalidJson: () => ({
    status: 400,
    body: openAiError(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
    ),
  }),
  notFoundModel: (model) => openAiError(`The model \`${model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'),
  rateLimited: () =>
    openAiError('Rate limit reached for requests. Please try again in 1s.', 'requests', 'rate_limit_exceeded'),
  quotaExceeded: () =>
    openAiError(
      'You exceeded your current quota, please check your plan and billing details.',
      'insufficient_quota',
      'insufficient_quota',
    ),
  serverError: () => openAiError('The server had an error while processing your request. Sorry about that!', 'server_error'),
};

export function startFakeOllamaServer(options: FakeEmbeddingServerOptions = {}): Promise<FakeEmbeddingServer> {
  return startFakeServer(ollama, options, '');
}

export function startFakeOpenAiServer(options: FakeEmbeddingServerOptions = {}): Promise<FakeEmbeddingServer> {
  return startFakeServer(openAi, options, '/v1');
}

async function startFakeServer(
  dialect: Dialect,
  options: FakeEmbeddingServerOptions,
  basePath: string,
): Promise<FakeEmbeddingServer> {
  const dimensions = options.dimensions ?? 32;
  const models = options.models ?? dialect.defaultModels;
  const faults: EmbeddingFault[] = [];
  let answersBeforeDeath: number | undefined;
  let inFlight = 0;
  const stats: FakeServerStats = {
    requests: 0,
    embedRequests: 0,
    inputs: 0,
    batchSizes: [],
    received: [],
    bodies: [],
    authorizations: [],
    maxInFlight: 0,
  };

  const knowsModel = (model: string) =>
    models.some((known) => known === model || (dialect === ollama && `${known}:latest` === model) || (dialect === ollama && known === `${model}:latest`));

  const vectorFor = (text: string) => fakeEmbedding(text, dimensions);

  let server: Server;
  const die = () => {
    server.close();
    server.closeAllConnections();
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    stats.requests++;
    stats.authorizations.push(request.headers.authorization);
    const text = await readBody(request);
    const url = new URL(request.url ?? '/', 'http://fake');
    if (url.pathname !== dialect.path) return send(response, 404, '404 page not found', 'text/plain');
    if (request.method !== 'POST') return send(response, 405, '405 method not allowed', 'text/plain');

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      const invalid = dialect.invalidJson();
      return sendJson(response, invalid.status, invalid.body);
    }
    stats.bodies.push(body);

    if (answersBeforeDeath !== undefined && answersBeforeDeath <= 0) {
      request.socket.destroy();
      return die();
    }
    const fault = faults.shift();
    switch (fault?.kind) {
      case 'die':
        request.socket.destroy();
        return die();
      case 'hang':
        return; // the connection stays open; close() ends it
      case 'rateLimit':
        if (fault.retryAfter !== undefined) response.setHeader('retry-after', fault.retryAfter);
        return sendJson(response, 429, fault.insufficientQuota ? dialect.quotaExceeded() : dialect.rateLimited());
      case 'serverError':
        return sendJson(response, fault.status ?? 500, dialect.serverError());
      case 'malformed':
        return sendJson(response, 200, { unexpected: 'shape' });
    }

    const parsed = dialect.parse(body, request, options);
    if (!parsed.ok) return sendJson(response, parsed.status, parsed.body);
    const { request: embedRequest } = parsed;
    if (!knowsModel(embedRequest.model)) return sendJson(response, 404, dialect.notFoundModel(embedRequest.model));
    if (options.maxInputsPerRequest !== undefined && embedRequest.inputs.length > options.maxInputsPerRequest) {
      return sendJson(response, 400, dialect.error(400, `too many inputs: at most ${options.maxInputsPerRequest} per request`));
    }

    if (options.responseDelayMs) await new Promise((resolve) => setTimeout(resolve, options.responseDelayMs));
    const length = fault?.kind === 'wrongDimension' ? (fault.dimensions ?? dimensions + 1) : dimensions;
    const vectors = embedRequest.inputs.map((input, i) => {
      if (fault?.kind === 'zeroVector' && i === 0) return new Array<number>(length).fill(0);
      let vector = fakeEmbedding(input, length);
      const honoursDimensions = fault?.kind !== 'wrongDimension';
      if (honoursDimensions && embedRequest.dimensions !== undefined && embedRequest.dimensions < vector.length) {
        // Like text-embedding-3: the leading components, renormalised.
        vector = vector.slice(0, embedRequest.dimensions);
        const norm = Math.hypot(...vector);
        vector = vector.map((value) => value / norm);
      }
      return vector.map((value) => value * (options.scale ?? 1));
    });
    stats.embedRequests++;
    stats.inputs += embedRequest.inputs.length;
    stats.batchSizes.push(embedRequest.inputs.length);
    stats.received.push(...embedRequest.inputs);
    if (answersBeforeDeath !== undefined) answersBeforeDeath--;
    sendJson(response, 200, dialect.answer(embedRequest, vectors, options));
  };

  server = createServer((request, response) => {
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    let counted = true;
    const done = () => {
      if (counted) inFlight--;
      counted = false;
    };
    response.on('close', done);
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, dialect.error(500, String(error)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${basePath}`,
    dimensions,
    stats,
    failNext(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    dieAfter(requests) {
      answersBeforeDeath = requests;
    },
    vectorFor,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        if (!server.listening) return resolve();
        server.close(() => resolve());
      }),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  send(response, status, JSON.stringify(body), 'application/json; charset=utf-8');
}

function send(response: ServerResponse, status: number, body: string, contentType: string): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
