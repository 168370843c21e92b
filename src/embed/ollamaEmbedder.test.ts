import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { UserError } from '../errors/userError.js';
import { startFakeOllamaServer, type FakeEmbeddingServer, type FakeEmbeddingServerOptions } from '../testing/fakeEmbeddingServers.js';
import { createOllamaEmbedder, type OllamaEmbedderOptions } from './ollamaEmbedder.js';
import { assertSameDirection, assertUnitVector, QUICK_RETRY } from '../testing/providerTestHelpers.js';

const servers: FakeEmbeddingServer[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

async function fakeOllama(options: FakeEmbeddingServerOptions = {}): Promise<FakeEmbeddingServer> {
  const server = await startFakeOllamaServer(options);
  servers.push(server);
  return server;
}

function embedderFor(server: FakeEmbeddingServer, options: OllamaEmbedderOptions = {}) {
  return createOllamaEmbedder({ baseUrl: server.url, retry: QUICK_RETRY, timeoutMs: 2_000, ...options });
}

function expectError(pattern: RegExp, check?: (error: UserError) => void) {
  return (error: UserError) => {
    assert.equal(error.code, 'EMBEDDER_UNAVAILABLE');
    assert.match(error.message, pattern);
    check?.(error);
    return true;
  };
}

const CHUNKS = ['def read_config(path): ...', 'class UserRepository: ...', 'function retryWithBackoff() {}', 'SELECT * FROM users'];

describe('Ollama embedder', () => {
  test('learns the dimension from one probe request and names itself after the model', async () => {
    const server = await fakeOllama({ dimensions: 24 });
    const embedder = await embedderFor(server);
    assert.equal(embedder.id, 'ollama:nomic-embed-text');
    assert.equal(embedder.dimensions, 24);
    assert.equal(server.stats.embedRequests, 1);
    const withTag = await embedderFor(server, { model: 'nomic-embed-text:latest' });
    assert.equal(withTag.id, 'ollama:nomic-embed-text', 'the :latest tag is the same model');
  });

  test("returns the server's vectors scaled to unit length, in input order", async () => {
    const server = await fakeOllama({ models: ['all-minilm'], scale: 3 });
    const embedder = await embedderFor(server, { model: 'all-minilm' });
    const vectors = await embedder.embedDocuments(CHUNKS);
    assert.equal(vectors.length, CHUNKS.length);
    vectors.forEach((vector, i) => {
      assertUnitVector(vector, 32);
      assertSameDirection(vector, server.vectorFor(CHUNKS[i]));
    });
    assertSameDirection(await embedder.embedQuery('read config'), server.vectorFor('read config'));
  });

  test('sends nomic-embed-text its task prefixes, and other models plain text', async () => {
    const server = await fakeOllama({ models: ['nomic-embed-text', 'all-minilm'] });
    const nomic = await embedderFor(server);
    await nomic.embedDocuments(['def f(): pass']);
    await nomic.embedQuery('a function');
    assert.deepEqual(server.stats.received.slice(-2), ['search_document: def f(): pass', 'search_query: a function']);
    const plain = await embedderFor(server, { model: 'all-minilm' });
    await plain.embedDocuments(['def f(): pass']);
    assert.equal(server.stats.received.at(-1), 'def f(): pass');
    const body = server.stats.bodies.at(-1) as Record<string, unknown>;
    assert.deepEqual(body, { model: 'all-minilm', input: ['def f(): pass'], truncate: true });
  });

  test('splits documents into requests of batchSize texts', async () => {
    const server = await fakeOllama();
    const embedder = await embedderFor(server, { batchSize: 32 });
    const texts = Array.from({ length: 70 }, (_, i) => `chunk number ${i}`);
    const vectors = await embedder.embedDocuments(texts);
    assert.deepEqual(server.stats.batchSizes, [1, 32, 32, 6]);
    assertSameDirection(vectors[69], server.vectorFor('search_document: chunk number 69'));
  });

  test('keeps at most `concurrency` requests in flight', async () => {
    const server = await fakeOllama({ responseDelayMs: 25 });
    const embedder = await embedderFor(server, { batchSize: 1, concurrency: 2 });
    await embedder.embedDocuments(Array.from({ length: 8 }, (_, i) => `text ${i}`));
    assert.equal(server.stats.maxInFlight, 2);
  });

  test('a 429 is retried after the Retry-After seconds, then succeeds', async () => {
    const server = await fakeOllama();
    const embedder = await embedderFor(server);
    server.failNext({ kind: 'rateLimit', retryAfter: '1' });
    const started = performance.now();
    const [vector] = await embedder.embedDocuments(['rate limited text']);
    const waited = performance.now() - started;
    assert.ok(waited >= 950, `waited ${waited} ms`);
    assertSameDirection(vector, server.vectorFor('search_document: rate limited text'));
    assert.equal(server.stats.requests, 3, 'probe, 429, retry');
  });

  test('500s are retried until one succeeds', async () => {
    const server = await fakeOllama();
    const embedder = await embedderFor(server);
    server.failNext({ kind: 'serverError' }, 2);
    const [vector] = await embedder.embedDocuments(['after two failures']);
    assertUnitVector(vector, 32);
    assert.equal(server.stats.requests, 4);
  });

  test('500s beyond the attempt limit end in an error that says so', async () => {
    const server = await fakeOllama();
    const embedder = await embedderFor(server);
    server.failNext({ kind: 'serverError' }, 3);
    await assert.rejects(
      embedder.embedDocuments(['never embedded']),
      expectError(/Ollama at .*\/api\/embed kept failing: HTTP 500 after 3 attempts: llama runner process has terminated/),
    );
  });

  test('a request that hangs times out and is retried', async () => {
    const server = await fakeOllama();
    // Generous: the retry must get its answer within the timeout even on a busy machine.
    const embedder = await embedderFor(server, { timeoutMs: 800 });
    server.failNext({ kind: 'hang' });
    const [vector] = await embedder.embedDocuments(['hung once']);
    assertUnitVector(vector, 32);
    assert.equal(server.stats.embedRequests, 2, 'probe and the retry');
  });

  test('a server that keeps hanging ends in a timeout error', async () => {
    const server = await fakeOllama();
    const embedder = await embedderFor(server, { timeoutMs: 200 });
    server.failNext({ kind: 'hang' }, 3);
    await assert.rejects(
      embedder.embedDocuments(['hung for good']),
      expectError(/did not answer within 0\.2 s \(3 attempts\)/, (error) => assert.match(error.hint ?? '', /CODEBASE_MCP_EMBEDDING_TIMEOUT_MS/)),
    );
  });

  test('vectors of the wrong dimension are an error, not stored', async () => {
    const server = await fakeOllama();
    const embedder = await embedderFor(server);
    server.failNext({ kind: 'wrongDimension' });
    await assert.rejects(embedder.embedDocuments(['x']), expectError(/^Ollama returned 33-dimensional vectors, expected 32$/));
  });

  test('an all-zero vector is an error', async () => {
    const server = await fakeOllama();
    const embedder = await embedderFor(server);
    server.failNext({ kind: 'zeroVector' });
    await assert.rejects(embedder.embedDocuments(['x', 'y']), expectError(/all-zero vector for input #0/));
  });

  test('an answer without embeddings is a malformed response', async () => {
    const server = await fakeOllama();
    const embedder = await embedderFor(server);
    server.failNext({ kind: 'malformed' });
    await assert.rejects(embedder.embedQuery('x'), expectError(/malformed response: no "embeddings" list/));
  });

  test('a base URL with a wrong path is not mistaken for a missing model', async () => {
    const server = await fakeOllama();
    await assert.rejects(
      embedderFor(server, { baseUrl: `${server.url}/v1` }),
      expectError(/^Ollama at .*\/v1\/api\/embed answered 404 Not Found: 404 page not found$/, (error) => assert.match(error.hint ?? '', /base URL/)),
    );
  });

  test('no texts, no requests', async () => {
    const server = await fakeOllama();
    const embedder = await embedderFor(server);
    assert.deepEqual(await embedder.embedDocuments([]), []);
    assert.equal(server.stats.requests, 1, 'the probe only');
  });

  test('a model Ollama does not have says to pull it', async () => {
    const server = await fakeOllama();
    await assert.rejects(
      embedderFor(server, { model: 'mxbai-embed-large' }),
      expectError(/does not have the model "mxbai-embed-large": model "mxbai-embed-large" not found, try pulling it first/, (error) =>
        assert.equal(error.hint, 'Pull it first: ollama pull mxbai-embed-large'),
      ),
    );
    assert.equal(server.stats.requests, 1, 'not retried');
  });

  test('no server at the URL: "is it running?"', async () => {
    const server = await fakeOllama();
    await server.close();
    await assert.rejects(
      embedderFor(server, { retry: { ...QUICK_RETRY, maxAttempts: 2 } }),
      expectError(/^Cannot reach Ollama at http:\/\/127\.0\.0\.1:\d+\/api\/embed \(ECONNREFUSED, 2 attempts\): is it running\?$/, (error) =>
        assert.match(error.hint ?? '', /ollama serve/),
      ),
    );
  });

  test('a server that dies mid-run ends the run with a clear error, without working through every batch', async () => {
    const server = await fakeOllama();
    const embedder = await embedderFor(server, { batchSize: 5, concurrency: 2 });
    server.dieAfter(3);
    const texts = Array.from({ length: 100 }, (_, i) => `text ${i}`);
    await assert.rejects(embedder.embedDocuments(texts), expectError(/^Cannot reach Ollama at .* \(ECONNREFUSED, 3 attempts\): is it running\?$/));
    assert.ok(server.stats.embedRequests <= 1 + 3, `${server.stats.embedRequests} requests answered`);
  });
});
