// Backup and restore through the core API, on each backend and between them:
// a project indexed, backed up, dropped and restored searches exactly as
// before, in every mode; damaged snapshots and unconfirmed replacements are
// refused with nothing replaced and no scratch left behind.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../config/config.js';
import { CodebaseService } from '../core/codebaseService.js';
import type { Embedder } from '../embed/embedder.js';
import { loadWordVectorEmbedder } from '../embed/wordVectorEmbedder.js';
import { UserError } from '../errors/userError.js';
import { silentLogger } from '../logging/logger.js';
import type { SearchMode } from '../search/hybridSearcher.js';
import { dropTestRegistry, NO_SERVER_REASON, testServerUrl, uniqueName } from '../testing/testBackends.js';
import { copyOfSampleRepo, removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';

const url = testServerUrl();
const QUERIES = ['hash a password with a salt and verify it', 'find a user by email address', 'HTTP client retry policy with exponential backoff', 'log someone in'];
const MODES: SearchMode[] = ['hybrid', 'semantic', 'lexical'];

let embedder: Embedder;
const services: CodebaseService[] = [];
const registries: string[] = [];

async function newService(backend: 'embedded' | 'server'): Promise<CodebaseService> {
  const home = await temporaryDirectory(`backup-${backend}-home`);
  let overrides = {};
  if (backend === 'server') {
    const registryDatabase = uniqueName('cbtest_backup_registry');
    registries.push(registryDatabase);
    overrides = { databaseUrl: url as string, registryDatabase };
  }
  const service = CodebaseService.create(loadConfig({ home, ...overrides }, {}), async () => embedder, silentLogger, { idleTimeoutMs: 0 });
  services.push(service);
  return service;
}

/** What a user sees of each query in each mode: paths, lines and scores of the results. */
async function searchEverything(service: CodebaseService, project: string): Promise<string[]> {
  const seen: string[] = [];
  for (const mode of MODES) {
    for (const query of QUERIES) {
      const outcome = await service.search({ query, project, mode, limit: 5 }, []);
      seen.push(`${mode} ${query}: ${outcome.results.map((hit) => `${hit.path}:${hit.startLine}-${hit.endLine}@${hit.score.toFixed(6)}`).join(' ')}`);
    }
  }
  return seen;
}

/**
 * Between backends the vectors are bit-for-bit the same, but pgvector's
 * distance arithmetic differs in the last float bits (native SIMD against
 * WASM), which can move a score's fourth decimal: the same results in the
 * same order, each score within 0.0002.
 */
function assertSameSearches(actual: string[], expected: string[], where: string): void {
  const parse = (lines: string[]) => lines.map((line) => [...line.matchAll(/(\S+:\d+-\d+)@([\d.]+)/g)].map((match) => ({ hit: match[1], score: Number(match[2]) })));
  const [got, want] = [parse(actual), parse(expected)];
  assert.deepEqual(got.map((hits) => hits.map((hit) => hit.hit)), want.map((hits) => hits.map((hit) => hit.hit)), `${where}: the same results in the same order`);
  got.forEach((hits, query) => hits.forEach((hit, rank) => assert.ok(Math.abs(hit.score - want[query][rank].score) <= 0.0002, `${where}: ${actual[query]} vs ${expected[query]}`)));
}

before(async () => {
  embedder = await loadWordVectorEmbedder();
});

after(async () => {
  for (const service of services) await service.close();
  if (url) for (const registry of registries) await dropTestRegistry(url, registry);
  await removeTemporaryDirectories();
});

describe('backup and restore on one backend', () => {
  for (const backend of ['embedded', 'server'] as const) {
    describe(backend, { skip: backend === 'server' && !url ? NO_SERVER_REASON : false }, () => {
      let service: CodebaseService;
      let root: string;
      let expected: string[];
      let snapshot: string;
      let backup: Awaited<ReturnType<CodebaseService['backup']>>;

      before(async () => {
        service = await newService(backend);
        root = await copyOfSampleRepo();
        await service.indexRepository({ path: root, project: 'sample' });
        expected = await searchEverything(service, 'sample');
        snapshot = join(await temporaryDirectory('backup-file'), 'sample.snapshot.jsonl.gz');
        backup = await service.backup('sample', snapshot);
      });

      test('round trip: backup, drop, restore, and every search answers as before', async () => {
        assert.equal(backup.rows.files, 32);
        assert.ok(backup.rows.chunks > 0 && backup.rows.lexeme_stats > 0);
        await service.removeProject('sample');
        const restored = await service.restore({ file: snapshot });
        assert.equal(restored.project, 'sample');
        assert.equal(restored.replaced, false);
        assert.deepEqual(restored.rows, backup.rows);
        assert.ok(restored.verified.some((check) => /vector search found/.test(check)), restored.verified.join('; '));
        assert.deepEqual(await searchEverything(service, 'sample'), expected);
        const status = await service.status('sample', []);
        assert.equal(status.project.root, root);
        assert.deepEqual(status.counts, { files: 32, chunks: backup.rows.chunks });
        assert.equal((await service.backup('sample', `${snapshot}.again`)).trailer.dataSha256, backup.trailer.dataSha256, 'a backup of the restored project holds the same data');
      });

      test('replacing an existing project needs yes; with it the project is replaced and searchable', async () => {
        await assert.rejects(
          service.restore({ file: snapshot }),
          (error: unknown) => error instanceof UserError && error.code === 'INVALID_INPUT' && /--yes/.test(error.message) && /--project NEW_NAME/.test(error.hint ?? ''),
        );
        const replaced = await service.restore({ file: snapshot, yes: true });
        assert.equal(replaced.replaced, true);
        assert.deepEqual(await searchEverything(service, 'sample'), expected);
        assert.deepEqual(await service.projectDrift(), { missing: [], orphans: [], unreachable: [] });
      });

      test('a restore under another name leaves the original alone', async () => {
        await service.restore({ file: snapshot, project: 'sample-copy' });
        assert.deepEqual(await searchEverything(service, 'sample-copy'), expected);
        assert.deepEqual(await searchEverything(service, 'sample'), expected);
        await service.removeProject('sample-copy');
      });

      test('a truncated or altered snapshot is refused with the reason, nothing replaced, no scratch left', async () => {
        const bytes = await readFile(snapshot);
        const dir = await temporaryDirectory('bad-snapshots');
        const lines = gunzipSync(bytes).toString('utf8').split('\n');
        const changedRow = lines.map((line, index) => (index === 3 ? line.replace(/"\d+"/, '"999999"') : line)).join('\n');
        const cases: [string, Buffer, RegExp][] = [
          ['cut.gz', bytes.subarray(0, Math.floor(bytes.length / 2)), /is truncated/],
          ['no-trailer.gz', gzipSync(lines.slice(0, -2).join('\n') + '\n'), /ends before its trailer/],
          ['edited.gz', gzipSync(changedRow), /fails its checksum/],
          ['not-gzip.gz', Buffer.from('hello'), /not a readable snapshot|is truncated/],
          ['not-snapshot.gz', gzipSync('{"hello": 1}\n'), /is not a codebase-mcp snapshot/],
        ];
        for (const [name, content, reason] of cases) {
          const path = join(dir, name);
          await writeFile(path, content);
          await assert.rejects(
            service.restore({ file: path, yes: true }),
            (error: unknown) => error instanceof UserError && error.code === 'SNAPSHOT_INVALID' && reason.test(error.message) && /Nothing was replaced/.test(error.hint ?? ''),
            name,
          );
        }
        assert.deepEqual(await searchEverything(service, 'sample'), expected);
        assert.deepEqual(await service.projectDrift(), { missing: [], orphans: [], unreachable: [] }, 'no staging database left behind');
      });

      test('a snapshot of a newer schema is refused before anything is created', async () => {
        const lines = gunzipSync(await readFile(snapshot)).toString('utf8').split('\n');
        lines[0] = lines[0].replace(/"schemaVersion":\d+/, '"schemaVersion":99').replace('"createdBy":"0.1.0"', '"createdBy":"9.0.0"');
        const path = join(await temporaryDirectory('future-snapshot'), 'future.gz');
        await writeFile(path, gzipSync(lines.join('\n')));
        await assert.rejects(
          service.restore({ file: path, project: 'future' }),
          (error: unknown) =>
            error instanceof UserError && error.code === 'SCHEMA_TOO_NEW' && /schema version 99 \(written by codebase-mcp 9\.0\.0\)/.test(error.message) && /9\.0\.0 or newer/.test(error.hint ?? ''),
        );
        assert.equal((await service.listProjects()).some((project) => project.name === 'future'), false);
      });
    });
  }
});

describe('moving a project between backends', { skip: url ? false : NO_SERVER_REASON }, () => {
  test('embedded → server → embedded: searched identically in all three places', async () => {
    const embedded = await newService('embedded');
    const server = await newService('server');
    const root = await copyOfSampleRepo();
    await embedded.indexRepository({ path: root, project: 'moving' });
    const expected = await searchEverything(embedded, 'moving');
    const dir = await temporaryDirectory('moving');
    const fromEmbedded = await embedded.backup('moving', join(dir, 'embedded.gz'));
    await server.restore({ file: fromEmbedded.path });
    assertSameSearches(await searchEverything(server, 'moving'), expected, 'on the server');
    const fromServer = await server.backup('moving', join(dir, 'server.gz'));
    assert.equal(fromServer.trailer.dataSha256, fromEmbedded.trailer.dataSha256, 'the same data, byte for byte');
    const elsewhere = await newService('embedded');
    await elsewhere.restore({ file: fromServer.path });
    assert.deepEqual(await searchEverything(elsewhere, 'moving'), expected, 'back on an embedded store: exactly the same');
  });

  test('server → embedded: a project indexed on the server searches the same embedded', async () => {
    const server = await newService('server');
    const embedded = await newService('embedded');
    await server.indexRepository({ path: await copyOfSampleRepo(), project: 'served' });
    const expected = await searchEverything(server, 'served');
    const file = join(await temporaryDirectory('served'), 'served.gz');
    await server.backup('served', file);
    await embedded.restore({ file });
    assertSameSearches(await searchEverything(embedded, 'served'), expected, 'embedded');
  });
});
