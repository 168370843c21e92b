import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UserError } from '../errors/userError.js';
import { testBackends } from '../testing/testBackends.js';
import { removeTemporaryDirectories } from '../testing/testEnvironment.js';
import { ProjectStore, toVectorLiteral, type ChunkRecord, type FileWrite } from './projectStore.js';

function chunk(content: string, embedding: number[], heading = ''): ChunkRecord {
  return {
    startLine: 1,
    endLine: content.split('\n').length,
    symbol: null,
    kind: null,
    content,
    contentHash: `hash-of-${content}`,
    headingText: heading,
    bodyText: content,
    embedding: toVectorLiteral(embedding),
  };
}

function file(path: string, chunks: ChunkRecord[], hash = `h-${path}`): FileWrite {
  return { path, language: 'text', extension: 'txt', contentHash: hash, sizeBytes: 10, lineCount: 1, chunks };
}

after(removeTemporaryDirectories);

for (const backend of testBackends()) {
  describe(`ProjectStore (${backend.name})`, { skip: backend.skip }, () => {
    let store: ProjectStore;

    before(async () => {
      store = await backend.openStore('store');
      await store.prepareForEmbedder({ id: 'test-model', dimensions: 3 }, false);
    });

    after(async () => {
      await store?.close();
      await backend.cleanup();
    });

    test('writing a file replaces its chunks instead of adding to them', async () => {
      await store.writeFiles([file('a.txt', [chunk('alpha one', [1, 0, 0]), chunk('alpha two', [0, 1, 0])])]);
      await store.writeFiles([file('a.txt', [chunk('alpha three', [0, 0, 1])], 'h2')]);
      assert.deepEqual(await store.counts(), { files: 1, chunks: 1 });
      assert.equal((await store.fileHashes()).get('a.txt'), 'h2');
      await store.deleteFiles(['a.txt']);
      assert.deepEqual(await store.counts(), { files: 0, chunks: 0 });
    });

    test('vector and full-text retrieval rank the closest chunk first, within filters', async () => {
      await store.writeFiles([
        file('x.txt', [chunk('parse the configuration file', [1, 0, 0])]),
        file('y.txt', [chunk('delete the user record', [0, 1, 0])]),
      ]);
      const paths = await store.filePaths();
      const idOf = async (hits: { id: number }[]) => (await store.chunksById([hits[0].id])).get(hits[0].id)?.path;
      assert.equal(await idOf(await store.nearestChunks(toVectorLiteral([0.1, 0.9, 0]), 2, {})), 'y.txt');
      assert.equal(await idOf(await store.matchingChunks(['configuration', 'config'], 2, {})), 'x.txt');
      const onlyX = { fileIds: paths.filter((entry) => entry.path === 'x.txt').map((entry) => entry.id) };
      assert.equal(await idOf(await store.nearestChunks(toVectorLiteral([0, 1, 0]), 2, onlyX)), 'x.txt');
      assert.deepEqual(await store.matchingChunks(['user'], 2, onlyX), []);
    });

    test('stored vectors are found again by content hash', async () => {
      await store.writeFiles([file('z.txt', [chunk('reuse me', [0, 0, 1])])]);
      const found = await store.embeddingsFor(['hash-of-reuse me', 'unknown']);
      assert.deepEqual([...found.keys()], ['hash-of-reuse me']);
      assert.equal(found.get('hash-of-reuse me'), '[0,0,1]');
    });

    test('another embedding model is refused unless rebuilding, which empties the index', async () => {
      await assert.rejects(
        store.prepareForEmbedder({ id: 'other-model', dimensions: 4 }, false),
        (error: unknown) => error instanceof UserError && error.code === 'MODEL_MISMATCH' && /--force/.test(error.hint ?? ''),
      );
      await store.prepareForEmbedder({ id: 'other-model', dimensions: 4 }, true);
      assert.deepEqual(await store.counts(), { files: 0, chunks: 0 });
      assert.deepEqual(await store.embedder(), { id: 'other-model', dimensions: 4 });
      await store.writeFiles([file('w.txt', [chunk('four dims', [0, 0, 0, 1])])]);
      await store.ensureVectorIndex();
      assert.equal(await store.hasVectorIndex(), true);
    });
  });
}
