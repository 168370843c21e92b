// The fake servers must answer like the real ones, or the provider tests prove
// nothing: these pin the request checks and answer shapes with plain fetch.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { fakeEmbedding, startFakeOllamaServer, startFakeOpenAiServer, type FakeEmbeddingServer } from './fakeEmbeddingServers.js';

const servers: FakeEmbeddingServer[] = [];
after(() => Promise.all(servers.map((server) => server.close())));

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, any> };
}

function cosine(a: number[], b: number[]): number {
  return a.reduce((sum, value, i) => sum + value * b[i], 0);
}

describe('fake embedding vectors', () => {
  test('are deterministic unit vectors, closer for texts that share words', () => {
    const a = fakeEmbedding('read the config file', 64);
    assert.deepEqual(a, fakeEmbedding('read the config file', 64));
    assert.ok(Math.abs(Math.hypot(...a) - 1) < 1e-9);
    const near = cosine(a, fakeEmbedding('readConfigFile()', 64));
    const far = cosine(a, fakeEmbedding('delete user account', 64));
    assert.ok(near > 0.7 && near > far + 0.3, `near ${near}, far ${far}`);
  });
});

describe('fake Ollama server', () => {
  test('answers /api/embed like Ollama: one embedding per input, string or list', async () => {
    const server = await startFakeOllamaServer({ dimensions: 8 });
    servers.push(server);
    const many = await post(`${server.url}/api/embed`, { model: 'nomic-embed-text', input: ['a b', 'c'] });
    assert.equal(many.status, 200);
    assert.equal(many.json.model, 'nomic-embed-text');
    assert.deepEqual(many.json.embeddings, [fakeEmbedding('a b', 8), fakeEmbedding('c', 8)]);
    assert.equal(typeof many.json.total_duration, 'number');
    const one = await post(`${server.url}/api/embed`, { model: 'nomic-embed-text:latest', input: 'a b' });
    assert.deepEqual(one.json.embeddings, [fakeEmbedding('a b', 8)]);
  });

  test("rejects what Ollama rejects, with Ollama's error shape", async () => {
    const server = await startFakeOllamaServer();
    servers.push(server);
    const url = `${server.url}/api/embed`;
    assert.deepEqual(await post(url, { input: ['x'] }).then((r) => [r.status, r.json]), [400, { error: 'model is required' }]);
    assert.deepEqual(await post(url, { model: 'nomic-embed-text', input: [1, 2] }).then((r) => [r.status, r.json]), [400, { error: 'invalid input type' }]);
    assert.equal((await post(url, '{not json')).status, 400);
    const missing = await post(url, { model: 'llama3', input: ['x'] });
    assert.deepEqual([missing.status, missing.json], [404, { error: 'model "llama3" not found, try pulling it first' }]);
    const wrongPath = await fetch(`${server.url}/api/embeddings`, { method: 'POST', body: '{}' });
    assert.equal(wrongPath.status, 404);
    assert.equal(server.stats.embedRequests, 0);
  });

  test('faults come in the order queued, then normal service resumes', async () => {
    const server = await startFakeOllamaServer({ dimensions: 4 });
    servers.push(server);
    server.failNext({ kind: 'rateLimit', retryAfter: '3' });
    server.failNext({ kind: 'serverError', status: 503 });
    const url = `${server.url}/api/embed`;
    const body = { model: 'nomic-embed-text', input: ['x'] };
    const limited = await post(url, body);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '3');
    assert.equal((await post(url, body)).status, 503);
    assert.equal((await post(url, body)).status, 200);
  });
});

describe('fake OpenAI server', () => {
  test('answers /v1/embeddings like OpenAI, in float or base64', async () => {
    const server = await startFakeOpenAiServer({ dimensions: 8 });
    servers.push(server);
    const url = `${server.url}/embeddings`;
    const floats = await post(url, { model: 'text-embedding-3-small', input: ['a', 'b c'], encoding_format: 'float' });
    assert.equal(floats.status, 200);
    assert.equal(floats.json.object, 'list');
    assert.deepEqual(floats.json.data, [
      { object: 'embedding', index: 0, embedding: fakeEmbedding('a', 8) },
      { object: 'embedding', index: 1, embedding: fakeEmbedding('b c', 8) },
    ]);
    assert.equal(floats.json.usage.total_tokens, 3);
    const base64 = await post(url, { model: 'text-embedding-3-small', input: 'a', encoding_format: 'base64' });
    const bytes = Buffer.from(base64.json.data[0].embedding, 'base64');
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    assert.equal(decoded.length, 8);
    decoded.forEach((value, i) => assert.ok(Math.abs(value - fakeEmbedding('a', 8)[i]) < 1e-6));
  });

  test("rejects what OpenAI rejects, with OpenAI's error shape", async () => {
    const server = await startFakeOpenAiServer({ apiKey: 'sk-good' });
    servers.push(server);
    const url = `${server.url}/embeddings`;
    const auth = { authorization: 'Bearer sk-good' };
    const noKey = await post(url, { model: 'text-embedding-3-small', input: 'x' });
    assert.equal(noKey.status, 401);
    const badKey = await post(url, { model: 'text-embedding-3-small', input: 'x' }, { authorization: 'Bearer sk-bad-key' });
    assert.deepEqual([badKey.status, badKey.json.error.code], [401, 'invalid_api_key']);
    const empty = await post(url, { model: 'text-embedding-3-small', input: [''] }, auth);
    assert.deepEqual([empty.status, empty.json.error.param], [400, 'input']);
    const format = await post(url, { model: 'text-embedding-3-small', input: 'x', encoding_format: 'int8' }, auth);
    assert.equal(format.status, 400);
    const unknown = await post(url, { model: 'gpt-4', input: 'x' }, auth);
    assert.deepEqual([unknown.status, unknown.json.error.code], [404, 'model_not_found']);
    const dimensions = await post(url, { model: 'text-embedding-3-small', input: 'x', dimensions: 4 }, auth);
    assert.equal(dimensions.json.data[0].embedding.length, 4);
  });

  test('a dead server refuses connections', async () => {
    const server = await startFakeOpenAiServer();
    servers.push(server);
    server.failNext({ kind: 'die' });
    await assert.rejects(post(`${server.url}/embeddings`, { model: 'text-embedding-3-small', input: 'x' }));
    await assert.rejects(post(`${server.url}/embeddings`, { model: 'text-embedding-3-small', input: 'x' }), (error: Error) => {
      assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED');
      return true;
    });
  });
});
