import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Embedder } from '../embed/embedder.js';
import { createEmbedder, DEFAULT_EMBEDDER_SETTINGS } from '../embed/createEmbedder.js';
import { indexRepository } from '../indexer/indexRepository.js';
import { isTestPath } from '../scan/testPaths.js';
import type { ProjectStore } from '../store/projectStore.js';
import { testBackends } from '../testing/testBackends.js';
import { removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';
import { fusionFor, searchChunks, type SearchMode } from './hybridSearcher.js';
import { asksAboutTests, lowerTestFiles } from './testFiles.js';

test('test files are told by their directory or their name, in the usual conventions', () => {
  const tests = [
    'test/reply.test.js',
    'fastify/test/internals/reply.test.js',
    'src/__tests__/Button.jsx',
    'pkg/server/handler_test.go',
    'tests/test_models.py',
    'app/models_test.py',
    'django/test/client.py',
    'spec/models/user_spec.rb',
    'src/test/java/com/acme/OrderServiceTest.java',
    'Acme.Tests/ParserTests.cs',
    'web/src/app.spec.ts',
    'internal/testdata/input.go',
    'conftest.py',
    'src/test/regress/regress.c',
  ];
  const implementation = [
    'fastify/lib/reply.js',
    'src/latest.js',
    'django/contrib/staticfiles/testing.py',
    'lib/contest.py',
    'src/backend/utils/adt/attestation.c',
    'src/protest/handler.go',
    'docs/testing-guide.md',
    'src/specification.ts',
  ];
  for (const path of tests) assert.equal(isTestPath(path), true, path);
  for (const path of implementation) assert.equal(isTestPath(path), false, path);
});

test('a question is about tests when it says so', () => {
  for (const query of ['tests for the retry logic', 'where is the jest setup', 'mock the http client', 'fixture that creates a user', 'fake browser for tests'])
    assert.equal(asksAboutTests(query), true, query);
  for (const query of ['retry a request with backoff', 'the latest release', 'attest the signature', 'protest handler'])
    assert.equal(asksAboutTests(query), false, query);
});

test('lowerTestFiles scales test files and sorts again, ties by id', () => {
  const ranked = [
    { id: 1, score: 0.9, file: 10 },
    { id: 2, score: 0.8, file: 20 },
    { id: 3, score: 0.5, file: 20 },
    { id: 4, score: 0.45 },
  ];
  const lowered = lowerTestFiles(ranked, (hit) => hit.file, new Set([10]), 0.5);
  assert.deepEqual(
    lowered.map((hit) => [hit.id, hit.score]),
    [
      [2, 0.8],
      [3, 0.5],
      [1, 0.45],
      [4, 0.45],
    ],
  );
  assert.equal(lowerTestFiles(ranked, (hit) => hit.file, new Set()), ranked, 'nothing to lower: the same list');
});

const IMPLEMENTATION = `/**
 * Retries a failed request with exponential backoff, up to the attempt limit.
 */
export async function retryWithBackoff(send, attempts = 5) {
  let delay = 100;
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay *= 2;
    }
  }
}
`;

// A test that repeats the implementation's words many times over, as tests do.
const TEST_FILE = `import { retryWithBackoff } from '../src/retry.js';
${['retries a failed request with backoff', 'retries with exponential backoff up to the attempt limit', 'gives up on the failed request after the attempt limit']
  .map(
    (title) => `test('${title}', async () => {
  let attempts = 0;
  const send = async () => { attempts++; if (attempts < 3) throw new Error('failed request'); return 'ok'; };
  assert.equal(await retryWithBackoff(send, 5), 'ok'); // retry backoff attempt limit failed request
});`,
  )
  .join('\n')}
`;

let embedder: Embedder;
before(async () => {
  embedder = await createEmbedder(DEFAULT_EMBEDDER_SETTINGS);
});
after(removeTemporaryDirectories);

for (const backend of testBackends()) {
  describe(`test files in search results (${backend.name})`, { skip: backend.skip }, () => {
    let store: ProjectStore;
    let root: string;

    before(async () => {
      root = await temporaryDirectory('test-files');
      await mkdir(join(root, 'src'));
      await mkdir(join(root, 'test'));
      await writeFile(join(root, 'src', 'retry.js'), IMPLEMENTATION);
      await writeFile(join(root, 'test', 'retry.test.js'), TEST_FILE);
      store = await backend.openStore('test-files');
      await indexRepository(store, root, embedder);
    });

    after(async () => {
      await store?.close();
      await backend.cleanup();
    });

    const firstPath = async (query: string, mode: SearchMode) => {
      const response = await searchChunks(store, (text) => embedder.embedQuery(text), root, { query, mode, limit: 5, maxTokens: 100_000, fusion: fusionFor(embedder.id) });
      return response.results[0]?.path;
    };

    test('a question about behaviour gets the implementation first, in every mode', async () => {
      for (const mode of ['hybrid', 'lexical', 'semantic'] as const) {
        assert.equal(await firstPath('retry a failed request with exponential backoff up to the attempt limit', mode), 'src/retry.js', mode);
      }
    });

    test('a question about tests ranks the test file as it scores', async () => {
      assert.equal(await firstPath('tests that retry a failed request with backoff up to the attempt limit', 'lexical'), 'test/retry.test.js');
    });
  });
}
