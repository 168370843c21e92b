import assert from 'node:assert/strict';
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Embedder } from '../embed/embedder.js';
import { loadWordVectorEmbedder } from '../embed/wordVectorEmbedder.js';
import { searchChunks } from '../search/hybridSearcher.js';
import type { ProjectStore } from '../store/projectStore.js';
import { testBackends } from '../testing/testBackends.js';
import { copyOfSampleRepo, removeTemporaryDirectories } from '../testing/testEnvironment.js';
import { IndexCancelledError, indexRepository } from './indexRepository.js';

let embedder: Embedder;
/** Counts what the embedder is really asked to embed. */
let embeddedTexts: string[] = [];

before(async () => {
  const real = await loadWordVectorEmbedder();
  embedder = {
    id: real.id,
    dimensions: real.dimensions,
    embedQuery: (text) => real.embedQuery(text),
    embedDocuments: (texts) => {
      embeddedTexts.push(...texts);
      return real.embedDocuments(texts);
    },
  };
});

after(removeTemporaryDirectories);

for (const backend of testBackends()) {
  describe(`indexRepository (${backend.name})`, { skip: backend.skip }, () => {
    let store: ProjectStore;
    let repo: string;

    before(async () => {
      repo = await copyOfSampleRepo();
      store = await backend.openStore('indexer');
    });

    after(async () => {
      await store?.close();
      await backend.cleanup();
    });

    async function topPath(query: string): Promise<string | undefined> {
      const response = await searchChunks(store, (text) => embedder.embedQuery(text), repo, {
        query,
        mode: 'lexical',
        limit: 5,
        maxTokens: 8000,
      });
      return response.results[0]?.path;
    }

    test('the first run indexes every indexable file and embeds each distinct chunk once', async () => {
      embeddedTexts = [];
      const summary = await indexRepository(store, repo, embedder);
      assert.ok(summary.totalFiles >= 20, `expected the sample repo's source files, got ${summary.totalFiles}`);
      assert.equal(summary.filesIndexed, summary.totalFiles);
      assert.equal(summary.filesDeleted, 0);
      assert.ok(summary.totalChunks >= summary.totalFiles);
      assert.equal(summary.chunksEmbedded, embeddedTexts.length);
      assert.equal(new Set(embeddedTexts).size, embeddedTexts.length, 'no text is embedded twice');
      assert.ok((summary.filesSkipped.secret ?? 0) >= 3, 'secrets are reported as skipped');
      assert.deepEqual(summary.errors, []);
      const { stages } = summary;
      assert.ok(stages.parse > 0 && stages.write > 0 && stages.vectorIndex > 0, `every stage that ran took time: ${JSON.stringify(stages)}`);
      const mainThread = stages.scan + stages.waitForPreparation + stages.embed + stages.write + stages.backfill + stages.vectorIndex + stages.finalise;
      assert.ok(mainThread <= summary.durationMs + 5, 'the main thread\'s stages are parts of the run');
      // Linux says how long each thread ran: the stages' CPU time is at most their wall time, and the busy stages used some.
      // Stage by stage only roughly: the kernel brings a running thread's time up to date at scheduler
      // ticks, so a few milliseconds of one stage can show up in the next (31 ms of parse CPU in 26 ms wall once).
      const cpu = summary.stagesCpu;
      assert.ok(cpu, 'stage CPU times on Linux');
      const stageNames = Object.keys(stages) as (keyof typeof stages)[];
      for (const stage of stageNames) assert.ok(cpu[stage] <= stages[stage] * 1.25 + 10, `${stage}: ${cpu[stage]} ms CPU within ${stages[stage]} ms wall`);
      const total = (times: typeof stages) => stageNames.reduce((sum, stage) => sum + times[stage], 0);
      assert.ok(total(cpu) <= total(stages) + 20, `all stages: ${total(cpu)} ms CPU within ${total(stages)} ms wall`);
      assert.ok(cpu.parse > 0 && cpu.write > 0, `the parse and the writes took CPU: ${JSON.stringify(cpu)}`);
    });

    test('a second run over an unchanged repository re-chunks and re-embeds nothing', async () => {
      embeddedTexts = [];
      const before = await store.counts();
      const summary = await indexRepository(store, repo, embedder);
      assert.equal(summary.filesIndexed, 0);
      assert.equal(summary.filesUnchanged, before.files);
      assert.equal(summary.chunksEmbedded, 0);
      assert.deepEqual(embeddedTexts, []);
      assert.deepEqual(await store.counts(), before);
    });

    test('a file with the size and modification time it was indexed with is not read again', async () => {
      const path = (await store.filePaths()).map((file) => file.path).find((candidate) => candidate.endsWith('.py')) as string;
      const absolute = join(repo, path);
      const anHourAgo = new Date(Date.now() - 3600_000);
      await utimes(absolute, anHourAgo, anHourAgo);
      // Same content under a new mtime: hashed, found unchanged, and the new mtime remembered.
      assert.equal((await indexRepository(store, repo, embedder)).filesIndexed, 0);
      const original = await readFile(absolute, 'utf8');
      assert.match(original, /return/);
      await writeFile(absolute, original.replace('return', 'zqxwvu'));
      await utimes(absolute, anHourAgo, anHourAgo);
      // Same size, same mtime: trusted without reading, so the edit is not seen…
      assert.equal((await indexRepository(store, repo, embedder)).filesIndexed, 0);
      assert.equal(await topPath('zqxwvu'), undefined);
      // …until the mtime moves.
      const halfAnHourAgo = new Date(Date.now() - 1800_000);
      await utimes(absolute, halfAnHourAgo, halfAnHourAgo);
      assert.equal((await indexRepository(store, repo, embedder)).filesIndexed, 1);
      assert.equal(await topPath('zqxwvu'), path);
      await writeFile(absolute, original);
      assert.equal((await indexRepository(store, repo, embedder)).filesIndexed, 1);
    });

    test('edits, additions and deletions are picked up, and only new code is embedded', async () => {
      const files = await store.filePaths();
      const [edited, deleted] = files.map((file) => file.path).filter((path) => path.endsWith('.py'));
      await writeFile(join(repo, edited), `${'# appended comment\n'}def quokka_migration_window():\n    return "quokka"\n`, { flag: 'a' });
      await rm(join(repo, deleted));
      await writeFile(join(repo, 'added_module.py'), 'def wombat_checksum(data):\n    """Checksum for wombat frames."""\n    return sum(data) % 251\n');
      embeddedTexts = [];
      const summary = await indexRepository(store, repo, embedder);
      assert.equal(summary.filesIndexed, 2, 'the edited and the added file');
      assert.equal(summary.filesDeleted, 1);
      assert.ok(summary.chunksReused > 0, 'unchanged chunks of the edited file keep their vectors');
      assert.ok(embeddedTexts.length < summary.chunksWritten, 'fewer chunks embedded than written');
      assert.ok(embeddedTexts.some((text) => text.includes('wombat_checksum')));
      assert.equal(await topPath('wombat checksum'), 'added_module.py');
      assert.equal(await topPath('quokka migration window'), edited);
      const stored = await store.fileStates();
      assert.equal(stored.has(deleted), false);
    });

    test('--force re-chunks and re-embeds everything', async () => {
      embeddedTexts = [];
      const summary = await indexRepository(store, repo, embedder, { force: true });
      assert.equal(summary.filesIndexed, summary.totalFiles);
      assert.equal(summary.chunksReused + summary.chunksEmbedded, summary.totalChunks);
      assert.equal(summary.chunksEmbedded, new Set(embeddedTexts).size);
      assert.ok(summary.chunksEmbedded > summary.totalChunks * 0.8, 'only in-run duplicates are shared');
    });

    test('a cancelled run leaves a consistent index that the next run completes', async () => {
      const many = join(repo, 'many');
      await import('node:fs/promises').then((fs) => fs.mkdir(many, { recursive: true }));
      for (let i = 0; i < 200; i++) {
        await writeFile(join(many, `part_${i}.py`), `def handler_${i}(event):\n    """Handle event number ${i}."""\n    return event + ${i}\n`);
      }
      const controller = new AbortController();
      let batches = 0;
      await assert.rejects(
        indexRepository(store, repo, embedder, {
          signal: controller.signal,
          onProgress: (progress) => {
            if (progress.phase === 'indexing' && progress.filesDone > 0 && ++batches === 2) controller.abort();
          },
        }),
        IndexCancelledError,
      );
      const partial = await store.fileStates();
      const indexedParts = [...partial.keys()].filter((path) => path.startsWith('many/')).length;
      assert.ok(indexedParts > 0 && indexedParts < 200, `some but not all new files are in (${indexedParts})`);
      const counts = await store.counts();
      const chunkCounts = await store.filePaths();
      assert.equal(chunkCounts.length, counts.files);
      const summary = await indexRepository(store, repo, embedder);
      assert.equal(summary.filesIndexed, 200 - indexedParts, 'only the files the cancelled run did not write');
      assert.equal([...(await store.fileStates()).keys()].filter((path) => path.startsWith('many/')).length, 200);
      assert.equal(await store.hasVectorIndex(), true);
    });

    test('a run that lets searches go first writes in slices of whole files and ends with the same index', async () => {
      const before = { counts: await store.counts(), files: await store.fileStates() };
      let yields = 0;
      const writes: number[] = [];
      const writeFiles = store.writeFiles.bind(store);
      store.writeFiles = (files, options) => {
        writes.push(files.length);
        return writeFiles(files, options);
      };
      try {
        const summary = await indexRepository(store, repo, embedder, {
          force: true,
          foreground: { yield: async () => void yields++, busyWithin: () => true },
        });
        assert.equal(summary.filesIndexed, before.counts.files);
      } finally {
        store.writeFiles = writeFiles;
      }
      // 64-file batches, each cut into transactions of about 24 chunks: many more writes than batches.
      assert.ok(writes.length > Math.ceil(before.counts.files / 64) * 2, `sliced writes: ${writes.length}`);
      assert.ok(writes.every((files) => files > 0), 'no empty transaction');
      assert.ok(yields > writes.length * 3, `the run yielded between statements and steps (${yields} yields)`);
      assert.deepEqual(await store.counts(), before.counts);
      assert.deepEqual([...(await store.fileStates()).keys()].sort(), [...before.files.keys()].sort());
      assert.equal(await store.hasVectorIndex(), true);
    });
  });
}
