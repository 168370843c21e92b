import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { UserError } from '../errors/userError.js';
import { startFakeOllamaServer, startFakeOpenAiServer, type FakeEmbeddingServer } from '../testing/fakeEmbeddingServers.js';
import {
  createEmbedder,
  embedderIdFor,
  DEFAULT_EMBEDDER_SETTINGS,
  embedderSettingsFromEnv,
  ollamaUrlFromHost,
  parseEmbedderSettings,
} from './createEmbedder.js';

function configError(pattern: RegExp) {
  return (error: UserError) => {
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, pattern);
    return true;
  };
}

describe('embedder settings from the environment', () => {
  test('nothing set means the offline code-search model; word-vectors still selects the word vectors', () => {
    assert.deepEqual(embedderSettingsFromEnv({}), { provider: 'code-search' });
    assert.deepEqual(embedderSettingsFromEnv({}), DEFAULT_EMBEDDER_SETTINGS);
    assert.equal(embedderIdFor(DEFAULT_EMBEDDER_SETTINGS), 'code-search-v1');
    assert.deepEqual(embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'word-vectors' }), { provider: 'word-vectors' });
    assert.equal(embedderIdFor({ provider: 'word-vectors' }), 'word-vectors-sg-100d@1');
  });

  test('code-search: the model trained here, or another file in its format', () => {
    assert.deepEqual(embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'code-search' }), { provider: 'code-search' });
    assert.deepEqual(embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'Code-Search', CODEBASE_MCP_EMBEDDING_MODEL: '/models/other.bin' }), {
      provider: 'code-search',
      modelFile: '/models/other.bin',
    });
    assert.equal(embedderIdFor({ provider: 'code-search' }), 'code-search-v1');
  });

  test('Ollama: model, URL and tuning from their variables', () => {
    assert.deepEqual(
      embedderSettingsFromEnv({
        CODEBASE_MCP_EMBEDDER: 'ollama',
        CODEBASE_MCP_EMBEDDING_MODEL: 'mxbai-embed-large',
        CODEBASE_MCP_OLLAMA_URL: 'http://gpu-box:11434',
        OLLAMA_HOST: 'ignored:1',
        CODEBASE_MCP_EMBEDDING_BATCH_SIZE: '16',
        CODEBASE_MCP_EMBEDDING_CONCURRENCY: '3',
        CODEBASE_MCP_EMBEDDING_TIMEOUT_MS: '90000',
      }),
      {
        provider: 'ollama',
        model: 'mxbai-embed-large',
        baseUrl: 'http://gpu-box:11434',
        batchSize: 16,
        concurrency: 3,
        timeoutMs: 90_000,
      },
    );
    assert.deepEqual(embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'Ollama', OLLAMA_HOST: '0.0.0.0' }), {
      provider: 'ollama',
      baseUrl: 'http://127.0.0.1:11434',
    });
  });

  test("OLLAMA_HOST is read the way Ollama reads it", () => {
    assert.equal(ollamaUrlFromHost('127.0.0.1'), 'http://127.0.0.1:11434');
    assert.equal(ollamaUrlFromHost(':5000'), 'http://127.0.0.1:5000');
    assert.equal(ollamaUrlFromHost('0.0.0.0:11434'), 'http://127.0.0.1:11434');
    assert.equal(ollamaUrlFromHost('example.com'), 'http://example.com:11434');
    assert.equal(ollamaUrlFromHost('https://ollama.example.com'), 'https://ollama.example.com:443');
    assert.equal(ollamaUrlFromHost('http://box:8080/ollama/'), 'http://box:8080/ollama');
    assert.equal(ollamaUrlFromHost('[::1]:9000'), 'http://[::1]:9000');
  });

  test('OpenAI: the product key wins over OPENAI_API_KEY, which is the fallback', () => {
    const base = { CODEBASE_MCP_EMBEDDER: 'openai', CODEBASE_MCP_EMBEDDING_MODEL: 'text-embedding-3-large', OPENAI_API_KEY: 'sk-general' };
    assert.deepEqual(embedderSettingsFromEnv({ ...base, CODEBASE_MCP_EMBEDDING_DIMENSIONS: '256' }), {
      provider: 'openai',
      model: 'text-embedding-3-large',
      apiKey: 'sk-general',
      dimensions: 256,
    });
    const explicit = embedderSettingsFromEnv({ ...base, CODEBASE_MCP_OPENAI_API_KEY: 'sk-product', CODEBASE_MCP_OPENAI_BASE_URL: 'http://127.0.0.1:1234/v1' });
    assert.equal(explicit.provider === 'openai' && explicit.apiKey, 'sk-product');
    assert.equal(explicit.provider === 'openai' && explicit.baseUrl, 'http://127.0.0.1:1234/v1');
  });

  test('transformers: the model is a directory or a hub id', () => {
    assert.deepEqual(
      embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'transformers', CODEBASE_MCP_EMBEDDING_MODEL: '/models/all-MiniLM-L6-v2' }),
      { provider: 'transformers', model: '/models/all-MiniLM-L6-v2' },
    );
  });

  test('bad values are errors that name their variable', () => {
    assert.throws(() => embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'cohere' }), configError(/^CODEBASE_MCP_EMBEDDER must be one of word-vectors, code-search, ollama, openai, transformers; got "cohere"/));
    assert.throws(
      () => embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'ollama', CODEBASE_MCP_EMBEDDING_BATCH_SIZE: 'lots' }),
      configError(/^CODEBASE_MCP_EMBEDDING_BATCH_SIZE must be a positive whole number; got "lots"/),
    );
    assert.throws(
      () => embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'ollama', CODEBASE_MCP_EMBEDDING_TIMEOUT_MS: '0' }),
      configError(/CODEBASE_MCP_EMBEDDING_TIMEOUT_MS/),
    );
    assert.throws(
      () => embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'ollama', CODEBASE_MCP_OLLAMA_URL: 'localhost:11434' }),
      configError(/^CODEBASE_MCP_OLLAMA_URL is invalid \(.*\): "localhost:11434"/),
    );
    assert.throws(
      () => embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'ollama', CODEBASE_MCP_EMBEDDING_CONCURRENCY: '500' }),
      configError(/^CODEBASE_MCP_EMBEDDING_CONCURRENCY is invalid/),
    );
    assert.throws(() => embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'openai' }), configError(/needs CODEBASE_MCP_EMBEDDING_MODEL/));
    assert.throws(() => embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'transformers' }), configError(/needs CODEBASE_MCP_EMBEDDING_MODEL/));
  });

  test('a model set without choosing a provider is an error, not silently ignored', () => {
    assert.throws(
      () => embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDING_MODEL: 'nomic-embed-text' }),
      configError(/CODEBASE_MCP_EMBEDDING_MODEL is set to "nomic-embed-text", but CODEBASE_MCP_EMBEDDER is not set \(the default, code-search/),
    );
    assert.throws(
      () => embedderSettingsFromEnv({ CODEBASE_MCP_EMBEDDER: 'word-vectors', CODEBASE_MCP_EMBEDDING_MODEL: 'nomic-embed-text' }),
      configError(/CODEBASE_MCP_EMBEDDING_MODEL is set to "nomic-embed-text", but CODEBASE_MCP_EMBEDDER is word-vectors, which has no models/),
    );
  });
});

describe('embedder settings schema', () => {
  test('rejects unknown providers and misspelt settings, naming them', () => {
    assert.throws(() => parseEmbedderSettings({ provider: 'cohere' }), configError(/Invalid embedder settings: provider/));
    assert.throws(() => parseEmbedderSettings({ provider: 'ollama', modle: 'x' }, 'config file'), configError(/Invalid config file: .*modle/));
    assert.throws(() => parseEmbedderSettings({ provider: 'openai' }), configError(/model: Required/));
    assert.deepEqual(parseEmbedderSettings({ provider: 'ollama' }), { provider: 'ollama' });
  });
});

describe('createEmbedder', () => {
  const servers: FakeEmbeddingServer[] = [];
  after(() => Promise.all(servers.map((server) => server.close())));

  test('builds the code-search embedder from the committed weights, offline', async () => {
    const settings = { provider: 'code-search' as const };
    const embedder = await createEmbedder(settings);
    assert.equal(embedder.id, embedderIdFor(settings));
    assert.equal((await embedder.embedQuery('parse a date')).length, embedder.dimensions);
    await assert.rejects(
      createEmbedder({ provider: 'code-search', modelFile: '/nonexistent/model.bin' }),
      /The code-search model \/nonexistent\/model\.bin cannot be read \(ENOENT\)/,
    );
  });

  test('builds an Ollama embedder whose id is the one predicted from the settings', async () => {
    const server = await startFakeOllamaServer({ dimensions: 12 });
    servers.push(server);
    const settings = { provider: 'ollama' as const, baseUrl: server.url };
    const embedder = await createEmbedder(settings);
    assert.equal(embedder.id, 'ollama:nomic-embed-text');
    assert.equal(embedder.id, embedderIdFor(settings));
    assert.equal(embedder.dimensions, 12);
  });

  test('builds an OpenAI-compatible embedder, reporting retries to the runtime', async () => {
    const server = await startFakeOpenAiServer({ models: ['nomic-embed-text-v1.5'], apiKey: 'lm-studio' });
    servers.push(server);
    const settings = { provider: 'openai' as const, baseUrl: server.url, model: 'nomic-embed-text-v1.5', apiKey: 'lm-studio' };
    const retries: string[] = [];
    server.failNext({ kind: 'serverError' });
    const embedder = await createEmbedder(settings, { onRetry: (notice) => retries.push(notice.reason) });
    assert.equal(embedder.id, embedderIdFor(settings));
    assert.deepEqual(retries, ['HTTP 500']);
    await embedder.embedQuery('where are users saved');
    assert.equal(server.stats.received.at(-1), 'search_query: where are users saved', 'nomic prefixes through any provider');
  });

  test('invalid settings are a configuration error', async () => {
    await assert.rejects(createEmbedder({ provider: 'ollama', batchSize: -1 }), configError(/batchSize/));
  });
});
