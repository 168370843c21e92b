import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { UserError } from '../errors/userError.js';
import { createConcurrencyLimiter } from './concurrencyLimiter.js';
import { embedInBatches, planBatches } from './embeddingBatches.js';
import { joinUrl, parseRetryAfter, postJson, retryDelayMs, type EmbeddingEndpoint } from './embeddingHttp.js';

const POLICY = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1_000 };

describe('retry timing', () => {
  test('Retry-After in seconds and as an HTTP date both become milliseconds', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('2', now), 2_000);
    assert.equal(parseRetryAfter(' 0.5 ', now), 500);
    assert.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:03 GMT', now), 3_000);
    assert.equal(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now), 0, 'a date in the past means now');
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  test("a server's Retry-After is honoured up to the cap", () => {
    assert.equal(retryDelayMs(0, POLICY, 700), 700);
    assert.equal(retryDelayMs(3, POLICY, 60_000), 1_000);
  });

  test('backoff is full jitter under an exponential bound that stops at the cap', () => {
    assert.equal(retryDelayMs(0, POLICY, undefined, () => 0.999), 99);
    assert.equal(retryDelayMs(2, POLICY, undefined, () => 0.5), 200);
    assert.equal(retryDelayMs(10, POLICY, undefined, () => 0.999), 999);
    assert.equal(retryDelayMs(2, POLICY, undefined, () => 0), 0);
  });
});

describe('joinUrl', () => {
  test('appends the endpoint path once and keeps a query string', () => {
    assert.equal(joinUrl('http://127.0.0.1:11434', 'api/embed'), 'http://127.0.0.1:11434/api/embed');
    assert.equal(joinUrl('http://h:1/v1/', 'embeddings'), 'http://h:1/v1/embeddings');
    assert.equal(
      joinUrl('https://r.openai.azure.com/openai/v1?api-version=preview', 'embeddings'),
      'https://r.openai.azure.com/openai/v1/embeddings?api-version=preview',
    );
  });

  test('rejects what is not an http(s) URL', () => {
    assert.throws(() => joinUrl('localhost:11434', 'api/embed'), (error: UserError) => error.code === 'CONFIG_INVALID');
    assert.throws(() => joinUrl('nonsense', 'api/embed'), /is not a URL/);
  });
});

describe('concurrency limiter', () => {
  test('never runs more tasks than the limit and returns each result to its caller', async () => {
    const limit = createConcurrencyLimiter(3);
    let running = 0;
    let most = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit(async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((resolve) => setTimeout(resolve, 2 + (i % 3)));
          running--;
          return i * 2;
        }),
      ),
    );
    assert.equal(most, 3);
    assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i * 2));
  });

  test('a failing task frees its slot', async () => {
    const limit = createConcurrencyLimiter(1);
    await assert.rejects(limit(async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await limit(async () => 'next'), 'next');
  });
});

describe('batching', () => {
  test('batches respect both the input count and the character budget', () => {
    const texts = ['aaaa', 'bbbb', 'cccc', 'dddd', 'eeee'];
    assert.deepEqual(planBatches(texts, { maxInputs: 2, maxChars: 100 }), [
      { start: 0, end: 2 },
      { start: 2, end: 4 },
      { start: 4, end: 5 },
    ]);
    assert.deepEqual(planBatches(texts, { maxInputs: 10, maxChars: 9 }), [
      { start: 0, end: 2 },
      { start: 2, end: 4 },
      { start: 4, end: 5 },
    ]);
    assert.deepEqual(planBatches(['x'.repeat(50), 'y'], { maxInputs: 10, maxChars: 10 }), [
      { start: 0, end: 1 },
      { start: 1, end: 2 },
    ]);
    assert.deepEqual(planBatches([], { maxInputs: 10, maxChars: 10 }), []);
  });

  test('vectors come back in input order even when batches finish out of order', async () => {
    const texts = Array.from({ length: 9 }, (_, i) => String(i));
    const vectors = await embedInBatches(texts, { maxInputs: 2, maxChars: 1_000 }, createConcurrencyLimiter(4), async (batch) => {
      await new Promise((resolve) => setTimeout(resolve, 20 - Number(batch[0]) * 2));
      return batch.map((text) => Float32Array.of(Number(text)));
    });
    assert.deepEqual(vectors.map((vector) => vector[0]), texts.map(Number));
  });

  test('after one batch fails, no further batch starts', async () => {
    let started = 0;
    const texts = Array.from({ length: 10 }, (_, i) => String(i));
    await assert.rejects(
      embedInBatches(texts, { maxInputs: 1, maxChars: 1_000 }, createConcurrencyLimiter(2), async (batch) => {
        started++;
        if (batch[0] === '1') throw new Error('server gone');
        await new Promise((resolve) => setTimeout(resolve, 10));
        return [Float32Array.of(1)];
      }),
      /server gone/,
    );
    assert.equal(started, 2, 'the failed batch and the one running beside it');
  });

  test('other work through the same limiter waits for the running batch, not the backlog', async () => {
    const limit = createConcurrencyLimiter(1);
    const log: string[] = [];
    const texts = Array.from({ length: 10 }, (_, i) => String(i));
    const documents = embedInBatches(texts, { maxInputs: 1, maxChars: 1_000 }, limit, async (batch) => {
      log.push(`batch ${batch[0]}`);
      await new Promise((resolve) => setTimeout(resolve, 15));
      return [Float32Array.of(1)];
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await limit(async () => log.push('query'));
    await documents;
    assert.deepEqual(log.slice(0, 3), ['batch 0', 'query', 'batch 1']);
  });
});

describe('postJson', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((server) => server.close()));

  /** A server that answers each request with the next of `answers` (status, body). */
  async function scriptedServer(answers: Array<[number, string]>): Promise<{ url: string; requests: () => number }> {
    let requests = 0;
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const [status, body] = answers[Math.min(requests, answers.length - 1)];
        requests++;
        response.writeHead(status, { 'content-type': 'application/json' }).end(body);
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/embed`, requests: () => requests };
  }

  function endpoint(url: string): EmbeddingEndpoint {
    return {
      provider: 'Test server',
      url,
      timeoutMs: 2_000,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10 },
      hints: { unreachable: 'start it', unauthorized: 'fix the key' },
    };
  }

  test('a 400 fails at once with the server’s own message', async () => {
    const server = await scriptedServer([[400, '{"error":{"message":"input too long"}}']]);
    await assert.rejects(postJson(endpoint(server.url), {}), (error: UserError) => {
      assert.equal(error.code, 'EMBEDDER_UNAVAILABLE');
      assert.match(error.message, /refused the request \(HTTP 400\): input too long/);
      return true;
    });
    assert.equal(server.requests(), 1);
  });

  test('a 503 is retried and the later answer returned', async () => {
    const server = await scriptedServer([
      [503, '{"error":"loading model"}'],
      [200, '{"ok":true}'],
    ]);
    const notices: string[] = [];
    const result = await postJson({ ...endpoint(server.url), onRetry: (notice) => notices.push(notice.reason) }, {});
    assert.deepEqual(result, { ok: true });
    assert.equal(server.requests(), 2);
    assert.deepEqual(notices, ['HTTP 503']);
  });

  test('an answer that is not JSON is a malformed response, not retried', async () => {
    const server = await scriptedServer([[200, '<html>proxy login</html>']]);
    await assert.rejects(postJson(endpoint(server.url), {}), /malformed response: the answer is not JSON: <html>proxy login/);
    assert.equal(server.requests(), 1);
  });

  test('a server that sends headers and then stalls times out too', async () => {
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"embeddings": [');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/embed`;
    await assert.rejects(
      postJson({ ...endpoint(url), timeoutMs: 150, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } }, {}),
      /did not answer within 0\.15 s \(2 attempts\)/,
    );
    server.closeAllConnections();
  });

  test('403 is reported as a rejected key with the provider’s hint', async () => {
    const server = await scriptedServer([[403, '{"error":"forbidden"}']]);
    await assert.rejects(postJson(endpoint(server.url), {}), (error: UserError) => {
      assert.match(error.message, /rejected the API key \(HTTP 403\): forbidden/);
      assert.equal(error.hint, 'fix the key');
      return true;
    });
  });
});
