import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { UserError } from '../errors/userError.js';
import { startFakeOpenAiServer, type FakeEmbeddingServer, type FakeEmbeddingServerOptions } from '../testing/fakeEmbeddingServers.js';
import { createOpenAiEmbedder, type OpenAiEmbedderOptions } from './openaiEmbedder.js';
import { assertSameDirection, assertUnitVector, QUICK_RETRY } from '../testing/providerTestHelpers.js';

const MODEL = 'text-embedding-3-small';
const servers: FakeEmbeddingServer[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

async function fakeOpenAi(options: FakeEmbeddingServerOptions = {}): Promise<FakeEmbeddingServer> {
  const server = await startFakeOpenAiServer(options);
  servers.push(server);
  return server;
}

function embedderFor(server: FakeEmbeddingServer, options: Partial<OpenAiEmbedderOptions> = {}) {
  return createOpenAiEmbedder({ baseUrl: server.url, model: MODEL, retry: QUICK_RETRY, timeoutMs: 2_000, ...options });
}

function expectError(pattern: RegExp, check?: (error: UserError) => void) {
  return (error: UserError) => {
    assert.equal(error.code, 'EMBEDDER_UNAVAILABLE');
    assert.match(error.message, pattern);
    check?.(error);
    return true;
  };
}

describe('OpenAI-compatible embedder', () => {
  test('sends the documented request and reads vectors back by index, whatever the order of `data`', async () => {
    const server = await fakeOpenAi({ reverseOrder: true, scale: 0.25 });
    const embedder = await embedderFor(server);
    assert.equal(embedder.id, 'openai:text-embedding-3-small');
    assert.equal(embedder.dimensions, 32);
    const texts = ['parse the config file', 'open a database connection', 'retry with backoff'];
    const vectors = await embedder.embedDocuments(texts);
    vectors.forEach((vector, i) => {
      assertUnitVector(vector, 32);
      assertSameDirection(vector, server.vectorFor(texts[i]));
    });
    assert.deepEqual(server.stats.bodies.at(-1), { model: MODEL, input: texts, encoding_format: 'float' });
    assert.deepEqual(server.stats.authorizations, [undefined, undefined], 'no key configured, none sent');
  });

  test('requested dimensions are sent, checked and part of the id', async () => {
    const server = await fakeOpenAi({ dimensions: 64 });
    const embedder = await embedderFor(server, { dimensions: 16 });
    assert.equal(embedder.id, 'openai:text-embedding-3-small@16');
    assert.equal(embedder.dimensions, 16);
    assertUnitVector(await embedder.embedQuery('find users'), 16);
    assert.equal((server.stats.bodies.at(-1) as { dimensions: number }).dimensions, 16);
  });

  test('a server that ignores the requested dimensions is caught at creation', async () => {
    const server = await fakeOpenAi({ dimensions: 32 });
    server.failNext({ kind: 'wrongDimension', dimensions: 48 });
    await assert.rejects(embedderFor(server, { dimensions: 16 }), expectError(/^OpenAI-compatible API returned 48-dimensional vectors, expected 16$/));
  });

  test('batches stay within the input count and the character budget', async () => {
    const server = await fakeOpenAi({ maxInputsPerRequest: 10 });
    const embedder = await embedderFor(server, { batchSize: 10, maxRequestChars: 250 });
    await embedder.embedDocuments(Array.from({ length: 25 }, (_, i) => `short ${i}`));
    assert.deepEqual(server.stats.batchSizes, [1, 10, 10, 5]);
    await embedder.embedDocuments(Array.from({ length: 5 }, (_, i) => `${i}`.padEnd(100, 'x')));
    assert.deepEqual(server.stats.batchSizes.slice(4), [2, 2, 1]);
  });

  test('over-long inputs are cut to maxInputChars and empty ones still embed', async () => {
    const server = await fakeOpenAi();
    const embedder = await embedderFor(server, { maxInputChars: 50 });
    const vectors = await embedder.embedDocuments(['y'.repeat(500), '']);
    assert.equal(server.stats.received.at(-2)?.length, 50);
    assert.equal(server.stats.received.at(-1), ' ');
    vectors.forEach((vector) => assertUnitVector(vector, 32));
  });

  test('sends the API key as a bearer token', async () => {
    const server = await fakeOpenAi({ apiKey: 'sk-test-right' });
    await embedderFor(server, { apiKey: 'sk-test-right' });
    assert.deepEqual(server.stats.authorizations, ['Bearer sk-test-right']);
  });

  test('a bad API key fails at once and says which setting to fix', async () => {
    const server = await fakeOpenAi({ apiKey: 'sk-test-right' });
    await assert.rejects(
      embedderFor(server, { apiKey: 'sk-test-wrong' }),
      expectError(/rejected the API key \(HTTP 401\): Incorrect API key provided/, (error) =>
        assert.match(error.hint ?? '', /CODEBASE_MCP_OPENAI_API_KEY/),
      ),
    );
    assert.equal(server.stats.requests, 1);
  });

  test('OpenAI itself without a key is a configuration error before any request', async () => {
    await assert.rejects(createOpenAiEmbedder({ model: MODEL }), (error: UserError) => {
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.hint ?? '', /OPENAI_API_KEY/);
      return true;
    });
  });

  test('an unknown model fails at once, quoting the server', async () => {
    const server = await fakeOpenAi();
    await assert.rejects(
      embedderFor(server, { model: 'text-embedding-4-huge' }),
      expectError(/does not know the model "text-embedding-4-huge": The model `text-embedding-4-huge` does not exist/),
    );
    assert.equal(server.stats.requests, 1);
  });

  test('a 429 with an HTTP-date Retry-After is retried and succeeds', async () => {
    const server = await fakeOpenAi();
    const embedder = await embedderFor(server);
    server.failNext({ kind: 'rateLimit', retryAfter: new Date(Date.now() + 1_000).toUTCString() });
    const [vector] = await embedder.embedDocuments(['rate limited']);
    assertSameDirection(vector, server.vectorFor('rate limited'));
    assert.equal(server.stats.requests, 3);
  });

  test('a 429 that persists ends in a rate-limit error after the attempt limit', async () => {
    const server = await fakeOpenAi();
    const embedder = await embedderFor(server);
    server.failNext({ kind: 'rateLimit', retryAfter: '0' }, 3);
    await assert.rejects(
      embedder.embedQuery('x'),
      expectError(/is rate limiting: still HTTP 429 after 3 attempts: Rate limit reached/, (error) =>
        assert.match(error.hint ?? '', /CODEBASE_MCP_EMBEDDING_CONCURRENCY/),
      ),
    );
  });

  test('a 429 for exhausted quota is not retried', async () => {
    const server = await fakeOpenAi();
    const embedder = await embedderFor(server);
    server.failNext({ kind: 'rateLimit', insufficientQuota: true }, 3);
    await assert.rejects(embedder.embedQuery('x'), expectError(/no quota left/));
    assert.equal(server.stats.requests, 2, 'probe and one attempt');
  });

  test('a 500 is retried and succeeds', async () => {
    const server = await fakeOpenAi();
    const embedder = await embedderFor(server);
    server.failNext({ kind: 'serverError', status: 502 });
    assertUnitVector(await embedder.embedQuery('after a bad gateway'), 32);
    assert.equal(server.stats.requests, 3);
  });

  test('a hang past the timeout is an error naming the timeout', async () => {
    const server = await fakeOpenAi();
    const embedder = await embedderFor(server, { timeoutMs: 250, retry: { ...QUICK_RETRY, maxAttempts: 2 } });
    server.failNext({ kind: 'hang' }, 2);
    await assert.rejects(embedder.embedDocuments(['slow']), expectError(/did not answer within 0\.25 s \(2 attempts\)/));
  });

  test('a server that dies mid-run: "is it running?"', async () => {
    const server = await fakeOpenAi();
    const embedder = await embedderFor(server, { batchSize: 4, concurrency: 3 });
    server.dieAfter(2);
    await assert.rejects(
      embedder.embedDocuments(Array.from({ length: 60 }, (_, i) => `chunk ${i}`)),
      expectError(/^Cannot reach OpenAI-compatible API at http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings \(ECONNREFUSED, 3 attempts\): is it running\?$/),
    );
  });
});
