import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UserError } from '../errors/userError.js';
import { testBackends } from '../testing/testBackends.js';
import { removeTemporaryDirectories } from '../testing/testEnvironment.js';
import { codeTokens } from '../tokens/codeTokens.js';
import { fieldTsvector, queryLexemes } from '../tokens/searchLexemes.js';
import { applyMigrations, MIGRATIONS } from './migrations.js';
import type { SqlClient } from './sqlClient.js';
import { EMBEDDINGS_PENDING_KEY, ProjectStore, toVectorLiteral, type ChunkRecord, type FileWrite } from './projectStore.js';

function chunk(content: string, embedding: number[], heading = ''): ChunkRecord {
  return {
    startLine: 1,
    endLine: content.split('\n').length,
    symbol: null,
    kind: null,
    content,
    contentHash: `hash-of-${content}`,
    ...fieldTsvector({ name: codeTokens(heading, true), directories: [], comments: [], body: codeTokens(content, true) }),
    embedding: toVectorLiteral(embedding),
  };
}

function file(path: string, chunks: ChunkRecord[], hash = `h-${path}`): FileWrite {
  return { path, language: 'text', extension: 'txt', contentHash: hash, sizeBytes: 10, mtimeMs: 1, lineCount: 1, chunks };
}

after(removeTemporaryDirectories);

for (const backend of testBackends()) {
  describe(`ProjectStore (${backend.name})`, { skip: backend.skip }, () => {
    let store: ProjectStore;

    /** A database with the first `migrations` applied and a 3-dimensional embedding column, as an older version left it. */
    async function schemaAt(label: string, migrations: number) {
      const client = await backend.openClient(label);
      await applyMigrations(client, MIGRATIONS.slice(0, migrations));
      await client.exec(`
        ALTER TABLE chunks ADD COLUMN embedding vector(3);
        INSERT INTO project_meta (key, value) VALUES ('embedder', '{"id": "test-model", "dimensions": 3}');`);
      return client;
    }

    /** Runs `use` on a project of its own (its own database) with a 3-dimensional embedding column, then closes it. */
    async function withOwnProject(label: string, use: (project: ProjectStore, client: SqlClient) => Promise<void>): Promise<void> {
      const client = await backend.openClient(label);
      const project = await ProjectStore.open(client);
      try {
        await project.prepareForEmbedder({ id: 'test-model', dimensions: 3 }, false);
        await use(project, client);
      } finally {
        await project.close();
      }
    }

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
      assert.equal((await store.fileStates()).get('a.txt')?.contentHash, 'h2');
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
      assert.equal(await idOf(await store.matchingChunks(queryLexemes(['configuration', 'config']), 2, {})), 'x.txt');
      const onlyX = { fileIds: paths.filter((entry) => entry.path === 'x.txt').map((entry) => entry.id) };
      assert.equal(await idOf(await store.nearestChunks(toVectorLiteral([0, 1, 0]), 2, onlyX)), 'x.txt');
      assert.deepEqual(await store.matchingChunks(queryLexemes(['user']), 2, onlyX), []);
    });

    test('vectors read into memory find what the database finds, within filters, and only for the generation they were read from', async () => {
      const vectors = await backend.openStore('vectors');
      try {
        await vectors.prepareForEmbedder({ id: 'test-model', dimensions: 8 }, false);
        let state = 11;
        const random = () => ((state = (state * 48271) % 2147483647) / 2147483647) * 2 - 1;
        const vector = () => Array.from({ length: 8 }, random);
        const files: FileWrite[] = Array.from({ length: 30 }, (_, f) => ({
          ...file(`pkg${f % 3}/m${f}.${f % 2 ? 'py' : 'txt'}`, Array.from({ length: 8 }, (_, c) => chunk(`file ${f} chunk ${c}`, vector()))),
          language: f % 2 ? 'python' : 'text',
          extension: f % 2 ? 'py' : 'txt',
        }));
        await vectors.writeFiles(files);
        await assert.rejects(vectors.nearestChunks(vector(), 5, {}, { from: 'memory' }), /not in memory/);
        assert.equal(await vectors.readIntoMemory(), true);
        const pkg1 = (await vectors.filePaths()).filter((entry) => entry.path.startsWith('pkg1/')).map((entry) => entry.id);
        const filterSets = [{}, { languages: ['python'] }, { extensions: ['txt'], fileIds: pkg1 }];
        for (let q = 0; q < 30; q++) {
          const query = vector();
          const filters = filterSets[q % 3];
          const memory = await vectors.nearestChunks(query, 12, filters, { from: 'memory' });
          const sql = await vectors.nearestChunks(query, 12, filters, { from: 'sql' });
          assert.equal(memory.length, 12);
          assert.deepEqual(memory.map((hit) => hit.id), sql.map((hit) => hit.id), `query ${q}, filters ${JSON.stringify(filters)}`);
          memory.forEach((hit, index) => assert.ok(Math.abs(hit.value - sql[index].value) < 1e-5, `distance ${hit.value} against ${sql[index].value}`));
        }
        // A write moves the generation: the database answers (and finds the new chunk) until the vectors are read again.
        const target = [0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.5, -0.5];
        await vectors.writeFiles([file('late.txt', [chunk('written after the read', target)])]);
        await vectors.deleteFiles(['pkg0/m0.txt', 'pkg1/m4.txt']);
        await assert.rejects(vectors.nearestChunks(target, 1, {}, { from: 'memory' }), /not in memory/);
        const [late] = await vectors.nearestChunks(target, 1, {});
        assert.ok(late.value < 1e-6);
        const reads = { ...vectors.memoryReads };
        assert.equal(await vectors.readIntoMemory(), true);
        assert.deepEqual(vectors.memoryReads, { ...reads, refreshed: reads.refreshed + 1 }, 'the vectors are refreshed with the postings, not read again');
        const [again] = await vectors.nearestChunks(target, 1, {}, { from: 'memory' });
        assert.equal(again.id, late.id);
        assert.ok(again.value < 1e-6);
        // After the refresh, memory still answers as the database does: the deleted files' chunks gone, the added one there.
        for (let q = 0; q < 10; q++) {
          const query = q === 0 ? target : vector();
          const memory = await vectors.nearestChunks(query, 30, {}, { from: 'memory' });
          const sql = await vectors.nearestChunks(query, 30, {}, { from: 'sql' });
          assert.deepEqual(memory.map((hit) => hit.id), sql.map((hit) => hit.id), `query ${q} after the refresh`);
        }
        // While vectors are still being computed, only the keyword postings are read: the database answers vector searches.
        await vectors.setMeta(EMBEDDINGS_PENDING_KEY, -1);
        await vectors.writeFiles([file('pending.txt', [{ ...chunk('not embedded yet', target), embedding: null }])]);
        assert.equal(await vectors.readIntoMemory(), true);
        await assert.rejects(vectors.nearestChunks(target, 1, {}, { from: 'memory' }), /not in memory/);
        assert.equal((await vectors.keywordRanking(['embed'], [], 5, {})).source, 'postings');
      } finally {
        await vectors.close();
      }
    });

    test('a bulk load keeps a vector index that probes every list, and drops an approximate one', async () => {
      await store.writeFiles([file('bulk.txt', [chunk('bulk load', [0, 1, 1])])]);
      await store.ensureVectorIndex();
      assert.equal(await store.hasVectorIndex(), true);
      await store.dropVectorIndexForBulkLoad();
      assert.equal(await store.hasVectorIndex(), true, 'one list, probed by every query: kept');
      // As ensureVectorIndex records an index of 40 lists over 40k vectors (10 probed).
      await store.setMeta('vector_index', { kind: 'ivfflat', lists: 40, probes: 10, vectors: 40_000 });
      await store.dropVectorIndexForBulkLoad();
      assert.equal(await store.hasVectorIndex(), false);
      await store.ensureVectorIndex();
      assert.equal(await store.hasVectorIndex(), true);
      await store.deleteFiles(['bulk.txt']);
    });

    test('analyze with vacuum keeps a rewritten table from growing (an embedded store has no autovacuum)', async () => {
      await withOwnProject('vacuum', async (rewritten, client) => {
        const files = (round: number) =>
          Array.from({ length: 20 }, (_, f) => file(`v${f}.txt`, Array.from({ length: 20 }, (_, c) => chunk(`round ${round} file ${f} chunk ${c} ${'text '.repeat(40)}`, [1, f, c])), `r${round}-${f}`));
        const size = async () => Number((await client.query<{ bytes: string }>("SELECT pg_relation_size('chunks') AS bytes"))[0].bytes);
        await rewritten.writeFiles(files(0));
        await rewritten.analyze({ vacuum: true });
        const first = await size();
        for (let round = 1; round <= 4; round++) {
          await rewritten.writeFiles(files(round));
          await rewritten.analyze({ vacuum: true });
        }
        // Without VACUUM each round adds the whole table again (5× after four rewrites).
        assert.ok((await size()) <= first * 2.5, `chunks grew from ${first} to ${await size()} bytes`);
      });
    });

    test('ANALYZE and VACUUM are owed as autovacuum would judge: a backlog of changed files, kept between runs', async () => {
      await withOwnProject('maintenance', async (project, client) => {
        await project.writeFiles(Array.from({ length: 500 }, (_, f) => file(`m${f}.txt`, [chunk(`file ${f}`, [1, f, 0])])));
        assert.equal(await project.maintenanceDue({ changedFiles: 500, replacedFiles: 0, bulkLoad: true }), 'analyze', 'a bulk load analyzes');
        // 500 files: ANALYZE past 50 + 50 changed files, VACUUM past 50 + 100 replaced ones.
        for (let run = 0; run < 4; run++) assert.equal(await project.maintenanceDue({ changedFiles: 25, replacedFiles: 25, bulkLoad: false }), null, `run ${run}`);
        assert.equal(await project.maintenanceDue({ changedFiles: 1, replacedFiles: 1, bulkLoad: false }), 'analyze', '101 changed since the last ANALYZE');
        assert.equal(await project.maintenanceDue({ changedFiles: 1, replacedFiles: 0, bulkLoad: false }), null, 'the count starts again after it');
        const reopened = await ProjectStore.open(client);
        assert.equal(await reopened.maintenanceDue({ changedFiles: 50, replacedFiles: 50, bulkLoad: false }), 'vacuum', '151 replaced, counted across runs and stores');
        assert.equal(await reopened.maintenanceDue({ changedFiles: 60, replacedFiles: 60, bulkLoad: false }), null, 'both counts start again after a VACUUM (ANALYZE)');
      });
    });

    test('chunks without a vector are counted from a partial index, on new projects and migrated ones', async () => {
      await withOwnProject('awaiting', async (project, indexes) => {
        const names = async () => (await indexes.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE tablename = 'chunks'")).map((row) => row.indexname);
        assert.ok((await names()).includes('chunks_awaiting_embedding'));
        await project.writeFiles([file('a.txt', [chunk('with a vector', [1, 0, 0]), { ...chunk('without one', [0, 1, 0]), embedding: null }])]);
        assert.equal((await project.chunksAwaitingEmbedding(10)).pending, 1);
        // A project indexed before migration 6 gets the index from it.
        await indexes.exec('DROP INDEX chunks_awaiting_embedding');
        const migration = MIGRATIONS.find((entry) => entry.version === 6);
        await indexes.exec(migration?.sql ?? '');
        assert.ok((await names()).includes('chunks_awaiting_embedding'));
      });
    });

    test('document frequencies follow every write, rewrite and deletion', async () => {
      const frequencies = async () => Object.fromEntries(await store.documentFrequencies(['wombat', 'quokka', 'numbat']));
      await store.writeFiles([
        file('df1.txt', [chunk('wombat quokka', [1, 0, 0]), chunk('wombat wombat', [0, 1, 0])]),
        file('df2.txt', [chunk('quokka', [0, 0, 1])]),
      ]);
      assert.deepEqual(await frequencies(), { wombat: 2, quokka: 2 });
      await store.writeFiles([file('df1.txt', [chunk('numbat quokka', [1, 0, 0])], 'df1-v2')]);
      assert.deepEqual(await frequencies(), { quokka: 2, numbat: 1 });
      await store.deleteFiles(['df2.txt', 'df1.txt']);
      assert.deepEqual(await frequencies(), {});
    });

    test('a query of common words ranks the chunk holding every word first, beyond the first pass', async () => {
      // 3,101 matches in all: above the first pass (SEED_BUDGET), so MaxScore prunes.
      const filler = (word: string, count: number) =>
        Array.from({ length: count }, (_, i) => chunk(`${word} filler ${i}`, [1, 0, 0]));
      await store.writeFiles([
        file('common-a.txt', filler('alpha', 1500)),
        file('common-b.txt', filler('beta', 1500)),
        file('rare-g.txt', filler('gamma', 100)),
        file('target.txt', [chunk('alpha beta gamma', [0, 1, 0])]),
      ]);
      const hits = await store.matchingChunks(queryLexemes(['alpha', 'beta', 'gamma']), 5, {});
      const top = (await store.chunksById([hits[0].id])).get(hits[0].id);
      assert.equal(top?.path, 'target.txt');
      assert.ok((hits[0].coverage ?? 0) > 0.999, 'it covers the whole query');
      assert.equal(hits.length, 5);
      await store.deleteFiles(['common-a.txt', 'common-b.txt', 'rare-g.txt', 'target.txt']);
    });

    test('migration 3 counts the lexemes already indexed and marks every file for re-analysis', async () => {
      const client = await backend.openClient('migrate');
      await applyMigrations(client, MIGRATIONS.slice(0, 2));
      await client.exec(`
        ALTER TABLE chunks ADD COLUMN embedding vector(3);
        INSERT INTO files (path, language, content_hash, size_bytes, line_count, chunk_count) VALUES ('old.py', 'python', 'h', 1, 1, 2);
        INSERT INTO chunks (file_id, path, language, extension, start_line, end_line, content, content_hash, search_vector)
          SELECT id, path, 'python', 'py', 1, 1, c, c, to_tsvector('english', c) FROM files, unnest(ARRAY['signed cookies', 'signing keys']) c;`);
      const migrated = await ProjectStore.open(client);
      try {
        assert.deepEqual(Object.fromEntries(await migrated.documentFrequencies(['sign', 'cooki', 'key'])), { sign: 2, cooki: 1, key: 1 });
        assert.equal((await migrated.fileStates()).get('old.py')?.contentHash, '');
      } finally {
        await migrated.close();
      }
    });

    test('migration 4 keeps a v3 index searchable and its vectors, and marks every file for re-analysis into fields', async () => {
      const client = await schemaAt('migrate4', 3);
      await client.exec(`
        INSERT INTO files (path, language, content_hash, size_bytes, line_count, chunk_count, mtime_ms) VALUES ('auth/tokens.py', 'python', 'v3-hash', 1, 1, 1, 5);
        INSERT INTO chunks (file_id, path, language, extension, start_line, end_line, content, content_hash, search_vector, embedding)
          SELECT id, path, 'python', 'py', 1, 1, 'sign the token', 'chunk-hash', $$'auth':1A 'token':2A,5B 'sign':3B$$::tsvector, '[0.6,0.8,0]' FROM files;
        INSERT INTO lexeme_stats VALUES ('auth', 1), ('token', 1), ('sign', 1);`);
      const migrated = await ProjectStore.open(client);
      try {
        assert.equal((await migrated.fileStates()).get('auth/tokens.py')?.contentHash, '', 'the next run re-analyses it');
        assert.deepEqual([...(await migrated.embeddingsFor(['chunk-hash'])).values()], ['[0.6,0.8,0]'], 'and reuses its vector');
        assert.equal((await migrated.matchingChunks(queryLexemes(['sign', 'token']), 5, {})).length, 1, 'meanwhile the old full text still matches');
        const [{ version }] = await client.query<{ version: number }>('SELECT max(version)::int AS version FROM schema_migrations');
        assert.equal(version, MIGRATIONS.at(-1)?.version);
      } finally {
        await migrated.close();
      }
    });

    test('migration 5 replaces an HNSW vector index: searches scan exactly until the next run builds IVFFlat', async () => {
      const client = await schemaAt('migrate5', 4);
      await client.exec(`
        CREATE INDEX chunks_embedding_hnsw ON chunks USING hnsw (embedding vector_cosine_ops);`);
      const migrated = await ProjectStore.open(client);
      try {
        assert.equal(await migrated.hasVectorIndex(), false);
        await migrated.writeFiles([file('v.txt', [chunk('vector five', [0, 1, 0])])]);
        assert.equal((await migrated.nearestChunks(toVectorLiteral([0, 1, 0]), 1, {})).length, 1);
        await migrated.ensureVectorIndex();
        assert.equal(await migrated.hasVectorIndex(), true);
        const indexes = await client.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE indexname LIKE 'chunks_embedding%'`);
        assert.deepEqual(indexes.map((row) => /USING (\w+)/.exec(row.indexdef)?.[1]), ['ivfflat']);
        assert.equal((await migrated.nearestChunks(toVectorLiteral([0, 1, 0]), 1, {})).length, 1);
      } finally {
        await migrated.close();
      }
    });

    test('binary COPY writes what the text forms said: positions past the last one collapse, vectors and NULLs survive', async () => {
      const long = `${'loop '.repeat(17_000)}tail`;
      const written = chunk(long, [0, 0, 1]);
      const withoutVector = { ...chunk('no vector yet', [1, 0, 0]), embedding: null };
      const asArray = { ...chunk('a float array', [0, 1, 1]), embedding: Float32Array.from([0, 1, 1]) };
      await store.writeFiles([file('long.txt', [written, withoutVector, asArray])]);
      const rows = await (store as unknown as { client: { query: <T>(sql: string) => Promise<T[]> } }).client.query<{ content: string; lexemes: number; embedding: string | null }>(
        `SELECT content, length(search_vector) AS lexemes, embedding::text AS embedding FROM chunks WHERE path = 'long.txt' ORDER BY id`,
      );
      assert.deepEqual(rows.map((row) => [row.content.length, row.lexemes, row.embedding]), [
        [long.length, written.lexemes.length, '[0,0,1]'],
        ['no vector yet'.length, withoutVector.lexemes.length, null],
        ['a float array'.length, asArray.lexemes.length, '[0,1,1]'],
      ]);
      assert.equal((await store.matchingChunks(queryLexemes(['tail']), 5, {})).length, 1);
      await store.deleteFiles(['long.txt']);
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
