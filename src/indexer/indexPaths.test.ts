// Incremental indexing of just the paths a watcher saw change: the index it
// leaves is the one a full run would leave, on both backends.
import assert from 'node:assert/strict';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Embedder } from '../embed/embedder.js';
import { loadWordVectorEmbedder } from '../embed/wordVectorEmbedder.js';
import type { ProjectStore } from '../store/projectStore.js';
import { testBackends } from '../testing/testBackends.js';
import { copyOfSampleRepo, removeTemporaryDirectories } from '../testing/testEnvironment.js';
import { filesChangedSinceIndexed, indexPaths, indexRepository, INDEXED_AT_KEY } from './indexRepository.js';

let embedder: Embedder;

before(async () => {
  embedder = await loadWordVectorEmbedder();
});

after(removeTemporaryDirectories);

/** Path → content hash, and the counts: what two indexes must agree on. */
async function indexContents(store: ProjectStore) {
  const states = await store.fileStates();
  return {
    files: Object.fromEntries([...states].map(([path, state]) => [path, state.contentHash]).sort()),
    counts: await store.counts(),
  };
}

for (const backend of testBackends()) {
  describe(`indexPaths (${backend.name})`, { skip: backend.skip }, () => {
    let store: ProjectStore;
    let repo: string;

    before(async () => {
      repo = await copyOfSampleRepo();
      store = await backend.openStore('paths');
      await indexRepository(store, repo, embedder);
    });

    after(async () => {
      await store?.close();
      await backend.cleanup();
    });

    test('an edit, an addition, a deletion and a rename are applied from their paths alone', async () => {
      const paths = [...(await store.fileStates()).keys()].filter((path) => path.endsWith('.py'));
      const [edited, deleted, renamed] = paths;
      await writeFile(join(repo, edited), '\ndef platypus_ledger():\n    return "platypus"\n', { flag: 'a' });
      await rm(join(repo, deleted));
      await writeFile(join(repo, 'added_echidna.py'), 'def echidna_route():\n    return 1\n');
      const renamedTo = renamed.replace(/\.py$/, '_moved.py');
      await rename(join(repo, renamed), join(repo, renamedTo));
      const summary = await indexPaths(store, repo, embedder, [edited, deleted, 'added_echidna.py', renamed, renamedTo]);
      assert.deepEqual(summary.changes, {
        added: ['added_echidna.py', renamedTo].sort(),
        changed: [edited],
        deleted: [deleted, renamed].sort(),
      });
      assert.equal(summary.filesScanned, 3, 'only the paths given are looked at');
      const stored = await store.fileStates();
      assert.equal(stored.has(deleted), false);
      assert.equal(stored.has(renamed), false);
      assert.equal(stored.has(renamedTo), true);
      assert.ok((await store.getMeta<string>(INDEXED_AT_KEY))! > new Date(Date.now() - 60_000).toISOString());
    });

    test('a path under an ignored directory, an ignored file and a secret are not indexed', async () => {
      await writeFile(join(repo, 'node_modules', 'leftpad', 'wombat.js'), 'export const wombat = 1;\n');
      await writeFile(join(repo, 'debug.log'), 'log line\n');
      await writeFile(join(repo, 'services', 'importers', 'csv_parser.py.bak'), 'def backup(): pass\n');
      await writeFile(join(repo, '.env.local'), 'TOKEN=1\n');
      const summary = await indexPaths(store, repo, embedder, [
        'node_modules/leftpad/wombat.js',
        'debug.log',
        'services/importers/csv_parser.py.bak',
        '.env.local',
      ]);
      assert.deepEqual(summary.changes, { added: [], changed: [], deleted: [] });
      assert.equal(summary.filesSkipped.secret, 1);
    });

    test('a directory added, and one removed, are applied from the directory path', async () => {
      await mkdir(join(repo, 'plugins', 'deep'), { recursive: true });
      await writeFile(join(repo, 'plugins', 'one.py'), 'def plugin_one():\n    return 1\n');
      await writeFile(join(repo, 'plugins', 'deep', 'two.ts'), 'export function pluginTwo() { return 2; }\n');
      await writeFile(join(repo, 'plugins', '.gitignore'), 'skipped.py\n');
      await writeFile(join(repo, 'plugins', 'skipped.py'), 'def skipped():\n    return 0\n');
      const added = await indexPaths(store, repo, embedder, ['plugins']);
      assert.deepEqual(added.changes?.added, ['plugins/.gitignore', 'plugins/deep/two.ts', 'plugins/one.py'], "the directory's own .gitignore holds");
      await rm(join(repo, 'plugins'), { recursive: true });
      const removed = await indexPaths(store, repo, embedder, ['plugins']);
      assert.deepEqual(removed.changes?.deleted, ['plugins/.gitignore', 'plugins/deep/two.ts', 'plugins/one.py']);
    });

    test('the index after incremental runs equals a full index of the same files', async () => {
      // Changes the watcher would report, then the full check that finds anything it missed.
      await writeFile(join(repo, 'web', 'late_edit.ts'), 'export const lateEdit = 42;\n');
      const missed = await filesChangedSinceIndexed(store, repo);
      assert.ok(missed.includes('web/late_edit.ts'), `the full check finds the new file (${missed.join(', ')})`);
      // Files indexed within the clock's granularity of their last write are looked at again, and found unchanged.
      const applied = await indexPaths(store, repo, embedder, missed);
      assert.deepEqual(applied.changes, { added: ['web/late_edit.ts'], changed: [], deleted: [] });
      const fresh = await backend.openStore('paths-full');
      try {
        await indexRepository(fresh, repo, embedder);
        assert.deepEqual(await indexContents(store), await indexContents(fresh));
      } finally {
        await fresh.close();
      }
    });
  });
}
