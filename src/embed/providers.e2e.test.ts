// Indexing and search through real HTTP embedding providers (local servers
// that speak Ollama's and OpenAI's APIs), driven through the CLI, including
// provider faults during indexing.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dropTestRegistry, NO_SERVER_REASON, testServerUrl, uniqueName } from '../testing/testBackends.js';
import { startFakeOllamaServer, startFakeOpenAiServer, type FakeEmbeddingServer } from '../testing/fakeEmbeddingServers.js';
import { copyOfSampleRepo, isolatedEnv, removeTemporaryDirectories, runCli, temporaryDirectory } from '../testing/testEnvironment.js';

const servers: FakeEmbeddingServer[] = [];
let home: string;

async function ollama(): Promise<FakeEmbeddingServer> {
  const server = await startFakeOllamaServer({ dimensions: 64, models: ['nomic-embed-text'] });
  servers.push(server);
  return server;
}

function ollamaEnv(server: FakeEmbeddingServer, extra: Record<string, string> = {}) {
  return isolatedEnv(home, {
    CODEBASE_MCP_EMBEDDER: 'ollama',
    CODEBASE_MCP_OLLAMA_URL: server.url,
    CODEBASE_MCP_EMBEDDING_BATCH_SIZE: '32',
    CODEBASE_MCP_EMBEDDING_TIMEOUT_MS: '3000',
    ...extra,
  });
}

before(async () => {
  home = await temporaryDirectory('providers-home');
});

after(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await removeTemporaryDirectories();
});

test('index and search through an Ollama-compatible server', async () => {
  const server = await ollama();
  const repo = await copyOfSampleRepo();
  const env = ollamaEnv(server);
  const indexed = await runCli(['index', repo, '--project', 'via-ollama', '--json'], { env });
  assert.equal(indexed.code, 0, indexed.stderr);
  const summary = JSON.parse(indexed.stdout);
  assert.equal(server.stats.inputs - 1, summary.chunksEmbedded, 'every embedded chunk went to the server (plus one probe)');
  assert.ok(server.stats.received.some((text) => text.startsWith('search_document: ')), 'nomic task prefix');

  const found = await runCli(['search', 'ring buffer push pop', '--project', 'via-ollama', '--json', '--mode', 'semantic'], { env });
  assert.equal(found.code, 0, found.stderr);
  assert.equal(JSON.parse(found.stdout).results[0].path, 'firmware/ring_buffer.c');
  const status = JSON.parse((await runCli(['status', '--project', 'via-ollama', '--json'], { env })).stdout);
  assert.equal(status.embedding_model, 'ollama:nomic-embed-text (64d)');

  const otherModel = await runCli(['search', 'ring buffer', '--project', 'via-ollama'], { env: isolatedEnv(home) });
  assert.equal(otherModel.code, 1);
  assert.match(otherModel.stderr, /indexed with ollama:nomic-embed-text \(64 dimensions\).*configured embedder is code-search-v1/s);
  assert.match(otherModel.stderr, /--force/);
});

test('index and search through an OpenAI-compatible endpoint with an API key', async () => {
  const server = await startFakeOpenAiServer({ dimensions: 48, models: ['text-embedding-3-small'], apiKey: 'sk-test' });
  servers.push(server);
  const repo = await copyOfSampleRepo();
  const env = isolatedEnv(home, {
    CODEBASE_MCP_EMBEDDER: 'openai',
    CODEBASE_MCP_OPENAI_BASE_URL: server.url,
    CODEBASE_MCP_OPENAI_API_KEY: 'sk-test',
    CODEBASE_MCP_EMBEDDING_MODEL: 'text-embedding-3-small',
  });
  const indexed = await runCli(['index', repo, '--project', 'via-openai', '--json'], { env });
  assert.equal(indexed.code, 0, indexed.stderr);
  assert.ok(server.stats.authorizations.every((header) => header === 'Bearer sk-test'));
  const found = JSON.parse((await runCli(['search', 'matrix multiply transpose', '--project', 'via-openai', '--json'], { env })).stdout);
  assert.equal(found.results[0].path, 'native/matrix.cpp');

  const badKey = await runCli(['index', repo, '--project', 'via-openai'], { env: { ...env, CODEBASE_MCP_OPENAI_API_KEY: 'sk-wrong' } });
  assert.equal(badKey.code, 1);
  assert.match(badKey.stderr, /401|API key/i);
});

test('rate limiting with Retry-After is waited out and the run succeeds', async () => {
  const server = await ollama();
  server.failNext({ kind: 'rateLimit', retryAfter: '1' }, 2);
  const repo = await copyOfSampleRepo();
  const indexed = await runCli(['index', repo, '--project', 'rate-limited', '--json'], { env: ollamaEnv(server) });
  assert.equal(indexed.code, 0, indexed.stderr);
  assert.equal(server.stats.requests, server.stats.embedRequests + 2);
});

test('a provider that dies mid-index fails the run clearly; the next run embeds only what is missing', async () => {
  const repo = join(await temporaryDirectory('provider-repo'), 'many');
  await mkdir(repo, { recursive: true });
  for (let i = 0; i < 200; i++) {
    await writeFile(join(repo, `unit_${i}.py`), `def compute_${i}(value):\n    """Scale value by ${i}."""\n    return value * ${i}\n`);
  }
  const dying = await ollama();
  dying.dieAfter(4); // the probe plus the first batch of files, then the server is gone
  const failed = await runCli(['index', repo, '--project', 'flaky', '--json'], { env: ollamaEnv(dying) });
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /^error: .*(reach|ECONNREFUSED|connection)/im);
  assert.equal(failed.stdout, '');

  const healthy = await ollama();
  const resumed = await runCli(['index', repo, '--project', 'flaky', '--json'], { env: ollamaEnv(healthy) });
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = JSON.parse(resumed.stdout);
  assert.equal(summary.totalFiles, 200);
  assert.ok(summary.filesUnchanged > 0, 'files committed before the failure are kept');
  assert.equal(summary.chunksEmbedded, healthy.stats.inputs - 1, 'only the missing chunks (plus one probe) were sent');
  assert.ok(summary.chunksEmbedded < 200);
});

test('a provider answering with the wrong dimension is a clear error', async () => {
  const server = await ollama();
  server.failNext({ kind: 'wrongDimension' }, 1);
  const repo = await copyOfSampleRepo();
  const failed = await runCli(['index', repo, '--project', 'wrong-dims'], { env: ollamaEnv(server) });
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /65-dimensional vectors, expected|dimension/i);
});

async function secondProjectUsesTheCache(storeEnv: Record<string, string>) {
  const server = await ollama();
  const repo = await copyOfSampleRepo();
  const env = { ...ollamaEnv(server), ...storeEnv };
  const first = JSON.parse((await runCli(['index', repo, '--project', 'worktree-a', '--json'], { env })).stdout);
  assert.equal(first.cacheMisses, first.chunksEmbedded, 'a new store starts with an empty cache');
  assert.ok(first.cacheMisses > 0);
  const inputsAfterFirst = server.stats.inputs;
  const second = await runCli(['index', repo, '--project', 'worktree-b', '--json'], { env });
  assert.equal(second.code, 0, second.stderr);
  const summary = JSON.parse(second.stdout);
  assert.equal(summary.cacheHits, summary.totalChunks);
  assert.equal(summary.cacheMisses, 0);
  assert.equal(summary.chunksEmbedded, 0);
  // A fresh process probes the provider once; the service, which loaded the embedder for the first run, not at all.
  assert.ok(server.stats.inputs - inputsAfterFirst <= 1, `only the probe (if any) reached the provider: ${server.stats.inputs - inputsAfterFirst} inputs`);
  const found = JSON.parse((await runCli(['search', 'ring buffer push pop', '--project', 'worktree-b', '--json'], { env })).stdout);
  assert.equal(found.results[0].path, 'firmware/ring_buffer.c');
}

test('a second project over the same code is served from the shared embedding cache (embedded store)', async () => {
  await secondProjectUsesTheCache({ CODEBASE_MCP_HOME: await temporaryDirectory('cache-home') });
});

test('a second project over the same code is served from the shared embedding cache (server)', { skip: testServerUrl() ? false : NO_SERVER_REASON }, async () => {
  const url = testServerUrl() as string;
  const registry = uniqueName('cb_cache_registry');
  try {
    await secondProjectUsesTheCache({ DATABASE_URL: url, CODEBASE_MCP_REGISTRY_DATABASE: registry });
  } finally {
    await dropTestRegistry(url, registry);
  }
});

test('while the provider is down, hybrid search answers from full text and says so', async () => {
  const server = await ollama();
  const repo = await copyOfSampleRepo();
  const env = { ...ollamaEnv(server), CODEBASE_MCP_HOME: await temporaryDirectory('lexical-first-home') };
  server.dieAfter(2); // the probe and one round of vectors, then the server is gone
  const failed = await runCli(['index', repo, '--project', 'half-embedded', '--json'], { env });
  assert.equal(failed.code, 1);

  const hybrid = await runCli(['search', 'ring buffer push and pop', '--project', 'half-embedded', '--json'], { env });
  assert.equal(hybrid.code, 0, hybrid.stderr);
  const parsed = JSON.parse(hybrid.stdout);
  assert.equal(parsed.results[0].path, 'firmware/ring_buffer.c', 'every file is searchable by keywords already');
  assert.ok(parsed.notices.some((notice: string) => /Vectors are still being computed/.test(notice)));
  assert.ok(parsed.notices.some((notice: string) => /embedding provider is unavailable.*keyword \(lexical\) results only/s.test(notice)));

  const semantic = await runCli(['search', 'ring buffer', '--project', 'half-embedded', '--mode', 'semantic'], { env });
  assert.equal(semantic.code, 1);
  assert.match(semantic.stderr, /reach|ECONNREFUSED/i);

  const healthy = await ollama();
  const resumed = JSON.parse((await runCli(['index', repo, '--project', 'half-embedded', '--json'], { env: { ...env, CODEBASE_MCP_OLLAMA_URL: healthy.url } })).stdout);
  assert.equal(resumed.filesIndexed, 0, 'no file is re-read: only vectors were missing');
  assert.equal(resumed.chunksEmbedded, healthy.stats.inputs - 1);
  const complete = JSON.parse((await runCli(['search', 'ring buffer', '--project', 'half-embedded', '--json'], { env: { ...env, CODEBASE_MCP_OLLAMA_URL: healthy.url } })).stdout);
  assert.deepEqual(complete.notices, []);
});
