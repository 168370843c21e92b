import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { after, describe, test } from 'node:test';
import type { UserError } from '../errors/userError.js';
import { assertSameDirection } from '../testing/providerTestHelpers.js';
import { writeTinyOnnxEmbeddingModel } from '../testing/tinyOnnxEmbeddingModel.js';
import { createTransformersEmbedder, TRANSFORMERS_INSTALL_COMMAND, TRANSFORMERS_PACKAGE, transformersEmbedderId } from './transformersEmbedder.js';

// The library is an optional dependency: where it is installed, the real path
// runs on a tiny hand-built ONNX model; where not, that test says why it skips.
const libraryInstalled = await import(TRANSFORMERS_PACKAGE as string).then(
  () => true,
  () => false,
);

const temporary: string[] = [];
after(() => Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true }))));

async function modelDirectory(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'codebase-mcp-onnx-'));
  temporary.push(dir);
  return join(dir, name);
}

describe('transformers embedder', () => {
  test('without the optional package: an error with the install command', async () => {
    const directory = await modelDirectory('tiny-bert');
    await writeTinyOnnxEmbeddingModel(directory);
    await assert.rejects(
      createTransformersEmbedder({ model: directory, loadLibrary: () => import('codebase-mcp-no-such-package' as string) }),
      (error: UserError) => {
        assert.equal(error.code, 'EMBEDDER_UNAVAILABLE');
        assert.match(error.message, /needs the optional package @huggingface\/transformers, which is not installed/);
        assert.match(error.hint ?? '', new RegExp(TRANSFORMERS_INSTALL_COMMAND.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')));
        return true;
      },
    );
  });

  test('a model directory that does not exist is named in the error', async () => {
    await assert.rejects(
      createTransformersEmbedder({ model: '/nonexistent/models/all-MiniLM-L6-v2', loadLibrary: async () => ({}) }),
      /The ONNX model directory \/nonexistent\/models\/all-MiniLM-L6-v2 does not exist/,
    );
  });

  test('a local directory is loaded offline, and batches come back in input order', async () => {
    const directory = await modelDirectory('my-model');
    await writeTinyOnnxEmbeddingModel(directory);
    const env = { allowRemoteModels: true, allowLocalModels: false, localModelPath: '/elsewhere/', cacheDir: null };
    const calls: Array<{ model: string; options: unknown; batch: string[] }> = [];
    // A stand-in library whose "model" encodes each text's length in its vector.
    const library = {
      env,
      pipeline: async (_task: string, model: string, options: unknown) => async (texts: string[]) => {
        calls.push({ model, options, batch: texts });
        return { dims: [texts.length, 3], data: Float32Array.from(texts.flatMap((text) => [text.length, 1, 0])) };
      },
    };
    const embedder = await createTransformersEmbedder({ model: relative(process.cwd(), directory), batchSize: 2, loadLibrary: async () => library });
    assert.equal(env.allowRemoteModels, false);
    assert.equal(env.localModelPath, join(directory, '..') + sep);
    assert.deepEqual(calls[0], { model: 'my-model', options: { dtype: 'fp32', local_files_only: true }, batch: ['dimension probe'] });
    assert.equal(embedder.dimensions, 3);

    const texts = ['a much longer text here', 'xx', 'a medium text', 'y'];
    const vectors = await embedder.embedDocuments(texts);
    vectors.forEach((vector, i) => assertSameDirection(vector, [texts[i].length, 1, 0]));
    assert.deepEqual(calls.slice(1).map((call) => call.batch), [['y', 'xx'], ['a medium text', 'a much longer text here']], 'similar lengths batch together');
  });

  test('ids name the model, and the dtype or pooling when they change the vectors', () => {
    assert.equal(transformersEmbedderId({ model: '/models/all-MiniLM-L6-v2' }), 'transformers:all-MiniLM-L6-v2');
    assert.equal(transformersEmbedderId({ model: 'Xenova/bge-small-en-v1.5', dtype: 'q8' }), 'transformers:Xenova/bge-small-en-v1.5@q8');
    assert.equal(transformersEmbedderId({ model: 'Xenova/bge-small-en-v1.5', pooling: 'cls' }), 'transformers:Xenova/bge-small-en-v1.5+cls');
  });

  test(
    'embeds offline with a local ONNX model: mean pooling, unit length, input order',
    { skip: libraryInstalled ? false : `${TRANSFORMERS_PACKAGE} is not installed (optional dependency)` },
    async () => {
      const model = await writeTinyOnnxEmbeddingModel(await modelDirectory('tiny-bert'), 16);
      const embedder = await createTransformersEmbedder({ model: model.directory, batchSize: 2 });
      assert.equal(embedder.id, 'transformers:tiny-bert');
      assert.equal(embedder.dimensions, 16);
      const texts = ['read the json file please', 'open file', 'parse yaml config and load cache', 'Open FILE'];
      const vectors = await embedder.embedDocuments(texts);
      const words = [['read', 'the', 'json', 'file', 'please'], ['open', 'file'], ['parse', 'yaml', 'config', 'and', 'load', 'cache'], ['open', 'file']];
      vectors.forEach((vector, i) => assertSameDirection(vector, model.expectedEmbedding(words[i])));
      assertSameDirection(await embedder.embedQuery('open file'), model.expectedEmbedding(['open', 'file']));
      const library = (await import(TRANSFORMERS_PACKAGE as string)) as { env: { allowRemoteModels: boolean } };
      assert.equal(library.env.allowRemoteModels, false, 'a local directory never asks the hub');
    },
  );

  test(
    'a nomic model directory gets its task prefixes',
    { skip: libraryInstalled ? false : `${TRANSFORMERS_PACKAGE} is not installed (optional dependency)` },
    async () => {
      const model = await writeTinyOnnxEmbeddingModel(await modelDirectory('nomic-embed-text-v1.5'), 8);
      const embedder = await createTransformersEmbedder({ model: model.directory });
      const [document] = await embedder.embedDocuments(['open file']);
      // BERT's pre-tokenizer splits "search_document:" at the punctuation.
      assertSameDirection(document, model.expectedEmbedding(['search', '_', 'document', ':', 'open', 'file']));
      assertSameDirection(await embedder.embedQuery('open file'), model.expectedEmbedding(['search', '_', 'query', ':', 'open', 'file']));
    },
  );
});
