// Server mode against a real PostgreSQL: the registry, a database per
// project, isolation between projects, concurrent creation, the cross-process
// indexing lock, searches during indexing, and the LRU of connection pools.
import assert from 'node:assert/strict';
import { queryLexemes } from '../tokens/searchLexemes.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig, type Config } from '../config/config.js';
import { CodebaseService } from '../core/codebaseService.js';
import type { Embedder } from '../embed/embedder.js';
import { loadWordVectorEmbedder } from '../embed/wordVectorEmbedder.js';
import { UserError } from '../errors/userError.js';
import { silentLogger } from '../logging/logger.js';
import { dropTestRegistry, NO_SERVER_REASON, testServerUrl, uniqueName } from '../testing/testBackends.js';
import { removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';
import { parseProjectDatabaseComment, PROJECT_DATABASE_PREFIX } from './databaseNames.js';
import { openPgDatabase } from './pgDatabase.js';
import { databaseExists, databasesWithPrefix, withServer } from './serverAdmin.js';
import { ServerProjectRegistry } from './serverProjectRegistry.js';
import { urlWithDatabase } from './serverUrl.js';

const url = testServerUrl();
const registryDatabase = uniqueName('cbtest_registry');
let config: Config;
let service: CodebaseService;
let embedder: Embedder;
const extraRegistries: ServerProjectRegistry[] = [];

/** Another process's view of the same registry: its own connections and pools. */
function secondRegistry(maxOpenProjects = 8): ServerProjectRegistry {
  const registry = new ServerProjectRegistry({
    databaseUrl: url as string,
    registryDatabase,
    maxOpenProjects,
    projectPoolSize: 2,
  });
  extraRegistries.push(registry);
  return registry;
}

async function makeRepo(name: string, files: Record<string, string>): Promise<string> {
  const root = join(await temporaryDirectory('server-repo'), name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

/** This registry's project databases on the test server. */
async function ourProjectDatabases(): Promise<string[]> {
  const registryId = await withServer(urlWithDatabase(url as string, registryDatabase), async (client) => {
    const [row] = await client.query<{ value: string }>(`SELECT value FROM registry_meta WHERE key = 'id'`);
    return row.value;
  });
  const listing = await withServer(url as string, (admin) => databasesWithPrefix(admin, PROJECT_DATABASE_PREFIX));
  return listing.filter((database) => parseProjectDatabaseComment(database.comment)?.registryId === registryId).map((database) => database.name);
}

describe('server mode: registry and a database per project', { skip: url ? false : NO_SERVER_REASON }, () => {
  let alphaRoot: string;
  let betaRoot: string;

  before(async () => {
    embedder = await loadWordVectorEmbedder();
    config = loadConfig({ home: await temporaryDirectory('server-home'), databaseUrl: url as string, registryDatabase }, {});
    service = CodebaseService.create(config, async () => embedder, silentLogger, { idleTimeoutMs: 0 });
    alphaRoot = await makeRepo('alpha', {
      'ledger/alpha_reconcile.py': 'def reconcile_ledger_alpha(entries):\n    """Reconcile the ledger entries of alpha."""\n    return sorted(entries)\n',
      'alpha_only.py': 'def alpha_helper():\n    return "alpha"\n',
    });
    betaRoot = await makeRepo('beta', {
      'ledger/beta_reconcile.py': 'def reconcile_ledger_beta(entries):\n    """Reconcile the ledger entries of beta."""\n    return list(entries)\n',
      'beta_only.py': 'def beta_helper():\n    return "beta"\n',
    });
  });

  after(async () => {
    await service?.close();
    await Promise.all(extraRegistries.map((registry) => registry.close()));
    if (url) await dropTestRegistry(url, registryDatabase);
    await removeTemporaryDirectories();
  });

  test('the registry database and its schema are created on first use', async () => {
    assert.equal(await withServer(url as string, (admin) => databaseExists(admin, registryDatabase)), false);
    assert.deepEqual(await service.listProjects(), []);
    const columns = await withServer(urlWithDatabase(url as string, registryDatabase), (client) =>
      client.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'projects' ORDER BY column_name`),
    );
    assert.deepEqual(
      columns.map((column) => column.column_name),
      ['created_at', 'database_name', 'id', 'last_index', 'name', 'root', 'server_url', 'settings', 'updated_at'],
    );
  });

  test('two projects on one server get two databases, and a search in one never returns the other’s files', async () => {
    await service.indexRepository({ path: alphaRoot, project: 'alpha' });
    await service.indexRepository({ path: betaRoot, project: 'beta' });
    const databases = await ourProjectDatabases();
    assert.equal(databases.length, 2);
    assert.ok(databases.some((name) => /^cb_proj_alpha_[0-9a-f]{8}$/.test(name)), databases.join());
    assert.ok(databases.some((name) => /^cb_proj_beta_[0-9a-f]{8}$/.test(name)), databases.join());
    for (const mode of ['hybrid', 'lexical', 'semantic'] as const) {
      const alpha = await service.search({ query: 'reconcile ledger entries', project: 'alpha', mode, limit: 20 }, []);
      const beta = await service.search({ query: 'reconcile ledger entries', project: 'beta', mode, limit: 20 }, []);
      assert.ok(alpha.results.length > 0 && beta.results.length > 0);
      assert.ok(alpha.results.every((hit) => ['ledger/alpha_reconcile.py', 'alpha_only.py'].includes(hit.path)), `${mode}: ${alpha.results.map((hit) => hit.path)}`);
      assert.ok(beta.results.every((hit) => ['ledger/beta_reconcile.py', 'beta_only.py'].includes(hit.path)), `${mode}: ${beta.results.map((hit) => hit.path)}`);
    }
    const listed = await service.listProjects();
    assert.deepEqual(
      listed.map((project) => [project.name, project.root, project.server, project.lastIndex?.files]),
      [
        ['alpha', alphaRoot, null, 2],
        ['beta', betaRoot, null, 2],
      ],
    );
  });

  test('a bad project name is refused, and a name keeps its repository', async () => {
    await assert.rejects(
      service.indexRepository({ path: alphaRoot, project: 'bad name!' }),
      (error: unknown) => error instanceof UserError && error.code === 'INVALID_INPUT' && /Invalid project name/.test(error.message),
    );
    await assert.rejects(
      service.indexRepository({ path: betaRoot, project: 'alpha' }),
      (error: unknown) => error instanceof UserError && error.code === 'PROJECT_EXISTS',
    );
    await assert.rejects(
      service.indexRepository({ path: alphaRoot, project: 'alpha', serverUrl: 'mysql://elsewhere/db' }),
      (error: unknown) => error instanceof UserError && error.code === 'INVALID_INPUT' && /Invalid server URL/.test(error.message),
    );
  });

  test('two processes creating one project at once end up with one project and one database', async () => {
    const root = await makeRepo('twin', { 'twin.py': 'x = 1\n' });
    const [first, second] = await Promise.all([secondRegistry().create('twin', root), secondRegistry().create('twin', root)]);
    assert.equal(first.location, second.location);
    const twins = (await ourProjectDatabases()).filter((name) => name.startsWith('cb_proj_twin_'));
    assert.deepEqual(twins, [first.location]);
    // Creating it again is a no-op that returns the same project.
    assert.equal((await secondRegistry().create('twin', root)).location, first.location);
  });

  test('while one process indexes a project, another is refused with who holds it, and searches still run', async () => {
    const [mine, theirs] = [secondRegistry(), secondRegistry()];
    const [a, b] = [await mine.open('alpha'), await theirs.open('alpha')];
    try {
      await a.store.withIndexingLock('alpha', async () => {
        await assert.rejects(
          b.store.withIndexingLock('alpha', async () => 'never'),
          (error: unknown) =>
            error instanceof UserError &&
            error.code === 'INDEX_IN_PROGRESS' &&
            new RegExp(`indexed by another process \\(codebase-mcp pid ${process.pid}`).test(error.message),
        );
        assert.ok((await b.store.matchingChunks(queryLexemes(['reconcile']), 5, {})).length > 0, 'search works while the lock is held');
      });
      assert.equal(await b.store.withIndexingLock('alpha', async () => 'mine now'), 'mine now');
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('a store notices files written by another process instead of serving stale counts and paths', async () => {
    const [reader, writer] = [await secondRegistry().open('beta'), await secondRegistry().open('beta')];
    try {
      const before = await reader.store.counts();
      assert.equal((await reader.store.filePaths()).length, 2);
      await writer.store.deleteFiles(['beta_only.py']);
      assert.equal((await reader.store.counts()).files, before.files - 1);
      assert.deepEqual(
        (await reader.store.filePaths()).map((file) => file.path),
        ['ledger/beta_reconcile.py'],
      );
    } finally {
      await reader.close();
      await writer.close();
    }
    const summary = await service.indexRepository({ path: betaRoot, project: 'beta' });
    assert.equal(summary.summary.filesIndexed, 1, 'the next index run puts the deleted file back');
  });

  test('searches answer while an indexing job is in the middle of writing, and a second indexer is refused', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 100; i++) files[`handlers/handler_${i}.py`] = `def handle_event_${i}(event):\n    """Handle gizmo event ${i}."""\n    return event + ${i}\n`;
    const root = await makeRepo('busy', files);
    // The job's second embedding call waits until the test lets it go: the
    // job is then reliably mid-run, with its first batch committed.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    let reachedGate!: () => void;
    const atGate = new Promise<void>((resolve) => (reachedGate = resolve));
    const gated: Embedder = {
      id: embedder.id,
      dimensions: embedder.dimensions,
      embedQuery: (text) => embedder.embedQuery(text),
      embedDocuments: async (texts) => {
        if (++calls === 2) {
          reachedGate();
          await gate;
        }
        return embedder.embedDocuments(texts);
      },
    };
    const indexing = CodebaseService.create(config, async () => gated, silentLogger, { idleTimeoutMs: 60_000 });
    const other = CodebaseService.create(config, async () => embedder, silentLogger, { idleTimeoutMs: 0 });
    try {
      const { job } = await indexing.startIndexJob({ path: root, project: 'busy' });
      await atGate;
      const started = performance.now();
      const outcome = await other.search({ query: 'handle gizmo event', project: 'busy', mode: 'hybrid', limit: 5 }, []);
      const elapsed = performance.now() - started;
      assert.equal((await indexing.job(job.id)).state, 'running');
      assert.equal(outcome.results.length, 5, 'the first committed batch is searchable');
      assert.ok(elapsed < 5000, `search took ${elapsed} ms while indexing`);
      const sameProcess = await indexing.search({ query: 'handle gizmo event 7', project: 'busy', mode: 'lexical', limit: 3 }, []);
      assert.ok(sameProcess.results.length > 0);
      await assert.rejects(
        other.indexRepository({ path: root, project: 'busy' }),
        (error: unknown) => error instanceof UserError && error.code === 'INDEX_IN_PROGRESS',
      );
      release();
      const finished = await indexing.jobs.wait(job.id);
      assert.equal(finished?.state, 'succeeded', finished?.error ?? '');
      assert.equal(finished?.summary?.totalFiles, 100);
    } finally {
      release();
      await indexing.close();
      await other.close();
    }
  });

  test('at most maxOpenProjects pools stay open: the least recently used idle one is closed', async () => {
    const registry = secondRegistry(1);
    const connectionsTo = async (database: string) =>
      withServer(url as string, async (admin) => {
        const [row] = await admin.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE $2`,
          [database, `codebase-mcp pid ${process.pid} %`],
        );
        return row.count;
      });
    // A closed pool's server processes exit a moment after the client hangs up.
    const settledConnectionsTo = async (database: string) => {
      for (let attempt = 0; attempt < 50 && (await connectionsTo(database)) > 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return connectionsTo(database);
    };
    // Projects no other test opens, so every connection to them is this registry's.
    await registry.create('lru-one', await makeRepo('lru-one', { 'one.py': 'one = 1\n' }));
    await registry.create('lru-two', await makeRepo('lru-two', { 'two.py': 'two = 2\n' }));
    const one = await registry.open('lru-one');
    await one.store.counts();
    const two = await registry.open('lru-two');
    await two.store.counts();
    assert.equal(registry.openPools, 2, 'a pool in use is never closed under its user');
    assert.ok((await connectionsTo(one.record.location as string)) > 0);
    assert.deepEqual(await one.store.counts(), { files: 0, chunks: 0 });
    await one.close();
    assert.equal(registry.openPools, 1, 'released and least recently used: closed');
    assert.equal(await settledConnectionsTo(one.record.location as string), 0, 'its connections are gone');
    assert.deepEqual(await two.store.counts(), { files: 0, chunks: 0 }, 'the other project keeps working');
    await two.close();
    const again = await registry.open('lru-one');
    await again.store.counts();
    await again.close();
    assert.equal(registry.openPools, 1, 'opening it again evicts the other');
    assert.equal(await settledConnectionsTo(two.record.location as string), 0);
  });

  test('a project whose database is gone gives a clear error that says how to repair it', async () => {
    const registry = secondRegistry();
    const ghost = await registry.create('ghost', await makeRepo('ghost', { 'g.py': 'g = 1\n' }));
    await withServer(url as string, (admin) => admin.exec(`DROP DATABASE "${ghost.location}"`));
    await assert.rejects(
      registry.open('ghost'),
      (error: unknown) =>
        error instanceof UserError && /database cb_proj_ghost_[0-9a-f]{8} does not exist/.test(error.message) && /projects repair --yes/.test(error.hint ?? ''),
    );
    assert.deepEqual(
      (await registry.drift()).missing.map((entry) => entry.project),
      ['ghost'],
    );
    assert.deepEqual(
      (await registry.repairMissing()).map((entry) => entry.location),
      [ghost.location],
    );
    const reopened = await registry.open('ghost');
    assert.deepEqual(await reopened.store.counts(), { files: 0, chunks: 0 });
    await reopened.close();
    const removed = await registry.remove('ghost');
    assert.equal(removed.location, ghost.location);
    assert.equal(await withServer(url as string, (admin) => databaseExists(admin, ghost.location as string)), false);
    assert.equal(await registry.get('ghost'), undefined);
  });

  test('the pool gives every connection the search settings', async () => {
    const alpha = (await service.listProjects()).find((project) => project.name === 'alpha');
    const client = openPgDatabase({ url: urlWithDatabase(url as string, alpha?.location as string), maxConnections: 3 });
    try {
      // Three at once: three different connections.
      const rows = await Promise.all(
        [1, 2, 3].map(() =>
          client.query<{ scan: string; pid: number }>(
            `SELECT current_setting('ivfflat.iterative_scan') AS scan, pg_backend_pid() AS pid, pg_sleep(0.05)`,
          ),
        ),
      );
      assert.equal(new Set(rows.map(([row]) => row.pid)).size, 3);
      for (const [row] of rows) assert.equal(row.scan, 'relaxed_order');
    } finally {
      await client.close();
    }
  });
});
