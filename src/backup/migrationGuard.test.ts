// The upgrade rehearsal, on both backends: a project built at an old schema
// version is upgraded after a snapshot; an upgrade made to fail halfway leaves
// it exactly as it was and names the snapshot, which restores; a schema newer
// than the code is refused with the way back; old snapshots are pruned.
import assert from 'node:assert/strict';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { UserError } from '../errors/userError.js';
import { applyMigrations, appliedSchemaVersion, MIGRATIONS, SchemaTooNewError } from '../store/migrations.js';
import type { ProjectRecord } from '../store/projectRegistry.js';
import { ProjectStore } from '../store/projectStore.js';
import type { SqlClient } from '../store/sqlClient.js';
import { testBackends } from '../testing/testBackends.js';
import { removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';
import { dumpProject } from './dumpProject.js';
import { loadSnapshot } from './loadSnapshot.js';
import { MigrationGuard, pruneSnapshots, storedSnapshots, WRITTEN_BY_KEY } from './migrationGuard.js';
import { SnapshotReader } from './snapshotFile.js';

after(removeTemporaryDirectories);

const record = (name: string): ProjectRecord => ({ name, root: '/src/rehearsal', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });

/** The schema version this code migrates to, and the one after it (what a later codebase-mcp would write). */
const CURRENT = MIGRATIONS[MIGRATIONS.length - 1].version;
const NEXT = CURRENT + 1;

/** A project as schema version 2 left it: no lexeme_stats, no mtimes; two chunks with vectors. */
async function versionTwoProject(client: SqlClient): Promise<void> {
  await applyMigrations(client, MIGRATIONS.slice(0, 2));
  await client.exec(`
    ALTER TABLE chunks ADD COLUMN embedding vector(3);
    INSERT INTO project_meta (key, value) VALUES ('embedder', '{"id": "rehearsal", "dimensions": 3}');
    INSERT INTO files (path, language, content_hash, size_bytes, line_count, chunk_count) VALUES ('old.py', 'python', 'h1', 10, 2, 2);
    INSERT INTO chunks (file_id, path, language, extension, start_line, end_line, content, content_hash, search_vector, embedding)
      SELECT id, path, 'python', 'py', 1, 2, c, md5(c), to_tsvector('english', c), '[1,0,0]' FROM files, unnest(ARRAY['signed cookies', 'signing keys']) c;`);
}

/** The data of a database as a backup sees it (the checksum of its table sections). */
async function dataDigest(client: SqlClient, name: string): Promise<string> {
  const path = join(await temporaryDirectory('digest'), 'digest.gz');
  return (await dumpProject(client, path, { project: record(name), backend: 'embedded' })).trailer.dataSha256;
}

for (const backend of testBackends()) {
  describe(`migration rehearsal (${backend.name})`, { skip: backend.skip }, () => {
    const clients: SqlClient[] = [];
    const client = async (label: string) => {
      const opened = await backend.openClient(label);
      clients.push(opened);
      return opened;
    };
    const guardIn = async (migrations = MIGRATIONS) =>
      new MigrationGuard({ dir: await temporaryDirectory('snapshots'), keep: 3, maxBytes: 1024 * 1024 * 1024 }, migrations);

    after(async () => {
      for (const opened of clients) await opened.close().catch(() => {});
      await backend.cleanup();
    });

    test('upgrade: a version 2 project is snapshotted, then migrated to the current version', async () => {
      const old = await client('upgrade');
      await versionTwoProject(old);
      const guard = await guardIn();
      assert.deepEqual(await guard.plan(old), { from: 2, to: CURRENT, pending: MIGRATIONS.slice(2).map(({ version, description }) => ({ version, description })), newer: false });
      await guard.beforeOpen(old, record('upgrade'), backend.name);
      assert.equal(await appliedSchemaVersion(old), CURRENT);
      const snapshot = guard.taken.get('upgrade') as string;
      assert.match(snapshot, /upgrade-schema2-\d{8}T\d{9}Z\.snapshot\.jsonl\.gz$/);
      const reader = await SnapshotReader.open(snapshot);
      assert.equal(reader.header.schemaVersion, 2);
      await reader.close();
      const store = await ProjectStore.open(old);
      assert.deepEqual(Object.fromEntries(await store.documentFrequencies(['sign', 'cooki'])), { sign: 2, cooki: 1 });
      const [writtenBy] = await old.query<{ value: { schemaVersion: number } }>('SELECT value FROM project_meta WHERE key = $1', [WRITTEN_BY_KEY]);
      assert.equal(writtenBy.value.schemaVersion, CURRENT);
    });

    test('a migration that fails halfway leaves the project exactly as it was, names the snapshot, and the snapshot restores', async () => {
      const old = await client('failing');
      await versionTwoProject(old);
      const before = await dataDigest(old, 'failing');
      const failing = { version: NEXT, description: 'rehearsal: fails halfway', sql: 'CREATE TABLE rehearsal_half_done (x int); INSERT INTO rehearsal_half_done VALUES (1); SELECT 1/0;' };
      const guard = await guardIn([...MIGRATIONS, failing]);
      let snapshot = '';
      await assert.rejects(guard.beforeOpen(old, record('failing'), backend.name), (error: unknown) => {
        assert.ok(error instanceof UserError && error.code === 'MIGRATION_FAILED', String(error));
        assert.match(error.message, new RegExp(`from schema version 2 to ${NEXT} failed: migration ${NEXT} \\(rehearsal: fails halfway\\) failed: division by zero`));
        assert.match(error.message, /still at schema version 2/);
        snapshot = guard.taken.get('failing') as string;
        assert.ok(error.hint?.includes(`codebase-mcp restore ${snapshot} --project failing --yes`), error.hint);
        return true;
      });
      assert.equal(await appliedSchemaVersion(old), 2, `migrations 3..${CURRENT} were rolled back with ${NEXT}`);
      const [leftovers] = await old.query<{ half: string | null; stats: string | null }>(
        `SELECT to_regclass('rehearsal_half_done')::text AS half, to_regclass('lexeme_stats')::text AS stats`,
      );
      assert.deepEqual(leftovers, { half: null, stats: null });
      assert.equal(await dataDigest(old, 'failing'), before, 'every row as it was');

      const fresh = await client('failing-restored');
      const reader = await SnapshotReader.open(snapshot);
      const loaded = await loadSnapshot(reader, fresh);
      assert.deepEqual([loaded.schemaVersion, loaded.migratedTo], [2, CURRENT]);
      const restored = await ProjectStore.open(fresh);
      assert.deepEqual(await restored.counts(), { files: 1, chunks: 2 });
      assert.deepEqual(Object.fromEntries(await restored.documentFrequencies(['sign', 'key'])), { sign: 2, key: 1 });
    });

    test('a project with a newer schema is refused, naming the version that wrote it and the snapshot to restore', async () => {
      const project = await client('newer');
      await versionTwoProject(project);
      const guard = await guardIn();
      await guard.beforeOpen(project, record('newer'), backend.name);
      const snapshot = guard.taken.get('newer') as string;
      // What a later codebase-mcp would leave behind.
      await project.exec(`INSERT INTO schema_migrations (version, description) VALUES (${NEXT}, 'per-field ranking columns');
        UPDATE project_meta SET value = '{"codebaseMcp": "0.9.0", "schemaVersion": ${NEXT}}' WHERE key = '${WRITTEN_BY_KEY}';`);
      await assert.rejects(guard.beforeOpen(project, record('newer'), backend.name), (error: unknown) => {
        assert.ok(error instanceof UserError && error.code === 'SCHEMA_TOO_NEW', String(error));
        assert.match(error.message, new RegExp(`schema version ${NEXT} \\(${NEXT}: per-field ranking columns\\), written by codebase-mcp 0\\.9\\.0; this codebase-mcp \\(0\\.1\\.0\\) knows schema versions up to ${CURRENT}`));
        assert.ok(error.hint?.includes(`codebase-mcp restore ${snapshot} --project newer --yes`), error.hint);
        assert.match(error.hint ?? '', /Use codebase-mcp 0\.9\.0 or later/);
        return true;
      });
      assert.equal((await guard.plan(project)).newer, true);
      // Without the guard, the store refuses too rather than run on it.
      await assert.rejects(ProjectStore.open(project), SchemaTooNewError);
    });
  });
}

describe('snapshot retention', () => {
  test('keeps the newest N, then drops the oldest while over the size bound, never the newest', async () => {
    const dir = await temporaryDirectory('retention');
    await mkdir(join(dir, 'web'));
    const names = ['web-schema1-20260101T000000000Z', 'web-schema2-20260102T000000000Z', 'web-schema2-20260103T000000000Z', 'web-schema3-20260104T000000000Z'];
    for (const [index, name] of names.entries()) {
      const path = join(dir, 'web', `${name}.snapshot.jsonl.gz`);
      await writeFile(path, Buffer.alloc(1000 * (index + 1)));
      await utimes(path, new Date(2026, 0, index + 1), new Date(2026, 0, index + 1));
    }
    await writeFile(join(dir, 'web', 'notes.txt'), 'not a snapshot');
    await pruneSnapshots({ dir, keep: 3, maxBytes: 10_000 }, 'web');
    assert.deepEqual((await storedSnapshots({ dir }, 'web')).map((snapshot) => snapshot.bytes), [4000, 3000, 2000]);
    await pruneSnapshots({ dir, keep: 3, maxBytes: 6000 }, 'web');
    assert.deepEqual((await storedSnapshots({ dir }, 'web')).map((snapshot) => snapshot.bytes), [4000]);
    await pruneSnapshots({ dir, keep: 3, maxBytes: 10 }, 'web');
    assert.deepEqual((await storedSnapshots({ dir }, 'web')).map((snapshot) => snapshot.bytes), [4000], 'the newest stays whatever its size');
    assert.ok((await readdir(join(dir, 'web'))).includes('notes.txt'), 'other files are left alone');
  });
});
