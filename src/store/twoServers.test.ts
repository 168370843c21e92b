// A deployment spread over two PostgreSQL servers: the registry on one, a
// project's database on the other, named by the project's registry row.
// Two real clusters on two loopback ports.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../config/config.js';
import { CodebaseService } from '../core/codebaseService.js';
import { loadWordVectorEmbedder } from '../embed/wordVectorEmbedder.js';
import { UserError } from '../errors/userError.js';
import { silentLogger } from '../logging/logger.js';
import { dropTestRegistry, NO_SERVER_REASON, testServerUrl, uniqueName } from '../testing/testBackends.js';
import { REPO_ROOT, removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';
import { databaseExists, withServer } from './serverAdmin.js';
import { urlWithDatabase } from './serverUrl.js';

const firstUrl = testServerUrl();
const SECOND_PORT = '54330';
const registryDatabase = uniqueName('cbtest_two_servers');

function devPostgres(...args: string[]) {
  return spawnSync('bash', [join(REPO_ROOT, 'scripts', 'dev-postgres.sh'), ...args, '--port', SECOND_PORT], { encoding: 'utf8', timeout: 600_000 });
}

async function repoWith(name: string, file: string, content: string): Promise<string> {
  const root = join(await temporaryDirectory('two-servers'), name);
  await mkdir(root, { recursive: true });
  await writeFile(join(root, file), content);
  return root;
}

describe('server mode: projects on two servers', { skip: firstUrl ? false : NO_SERVER_REASON }, () => {
  let secondUrl: string;
  /** Only a cluster this test started is stopped again. */
  let startedSecond = false;
  let service: CodebaseService;

  before(async () => {
    const running = devPostgres('status');
    if (running.status === 0) {
      secondUrl = running.stdout.trim();
    } else {
      const started = devPostgres('start');
      assert.equal(started.status, 0, `scripts/dev-postgres.sh start --port ${SECOND_PORT} failed:\n${started.stderr}`);
      secondUrl = started.stdout.trim();
      startedSecond = true;
    }
    const embedder = await loadWordVectorEmbedder();
    const config = loadConfig({ home: await temporaryDirectory('two-servers-home'), databaseUrl: firstUrl as string, registryDatabase }, {});
    service = CodebaseService.create(config, async () => embedder, silentLogger, { idleTimeoutMs: 0 });
  });

  after(async () => {
    await service?.close();
    if (firstUrl) await dropTestRegistry(firstUrl, registryDatabase, secondUrl ? [secondUrl] : []);
    if (startedSecond) devPostgres('stop');
    await removeTemporaryDirectories();
  });

  test('a project created with another server URL lives on that server, and searches there', async () => {
    const localRoot = await repoWith('local', 'invoices.py', 'def settle_invoice(invoice):\n    """Settle an unpaid invoice."""\n    return invoice\n');
    const remoteRoot = await repoWith('remote', 'telemetry.py', 'def sample_telemetry(sensor):\n    """Sample a telemetry sensor."""\n    return sensor.read()\n');
    await service.indexRepository({ path: localRoot, project: 'local' });
    await service.indexRepository({ path: remoteRoot, project: 'remote', serverUrl: secondUrl });

    const [local, remote] = await service.listProjects();
    assert.deepEqual([local.name, local.server], ['local', null]);
    assert.deepEqual([remote.name, remote.server], ['remote', secondUrl]);
    const on = (url: string, database: string) => withServer(url, (admin) => databaseExists(admin, database));
    assert.equal(await on(secondUrl, remote.location as string), true, 'the remote project database is on the second server');
    assert.equal(await on(firstUrl as string, remote.location as string), false, 'and not on the first');
    assert.equal(await on(firstUrl as string, local.location as string), true);
    assert.equal(await on(secondUrl, registryDatabase), false, 'the registry stays on the first server');

    const found = await service.search({ query: 'telemetry sensor', project: 'remote', limit: 5 }, []);
    assert.deepEqual(found.results.map((hit) => hit.path), ['telemetry.py']);
    const notThere = await service.search({ query: 'telemetry sensor', project: 'local', mode: 'lexical', limit: 5 }, []);
    assert.deepEqual(notThere.results, []);

    const drift = await service.projectDrift();
    assert.deepEqual(drift, { missing: [], orphans: [], unreachable: [] });
  });

  test('a project does not move to another server by indexing it with another URL', async () => {
    const local = (await service.listProjects()).find((project) => project.name === 'local');
    await assert.rejects(
      service.indexRepository({ path: local?.root as string, project: 'local', serverUrl: secondUrl }),
      (error: unknown) => error instanceof UserError && error.code === 'PROJECT_EXISTS' && /lives on/.test(error.message) && /projects remove local --yes/.test(error.hint ?? ''),
    );
  });

  test('a server that cannot be reached is reported by the drift check, not taken for missing databases', async () => {
    const registryUrl = urlWithDatabase(firstUrl as string, registryDatabase);
    const deadUrl = 'postgres://postgres@127.0.0.1:1/postgres';
    await withServer(registryUrl, (client) => client.query(`UPDATE projects SET server_url = $1 WHERE name = 'remote'`, [deadUrl]));
    try {
      const drift = await service.projectDrift();
      assert.deepEqual(drift.missing, []);
      assert.deepEqual(drift.unreachable.map((entry) => entry.server), [deadUrl]);
      assert.match(drift.unreachable[0].error, /connection refused/);
    } finally {
      await withServer(registryUrl, (client) => client.query(`UPDATE projects SET server_url = $1 WHERE name = 'remote'`, [secondUrl]));
    }
  });

  test('removing the project drops its database on the other server', async () => {
    const remote = (await service.listProjects()).find((project) => project.name === 'remote');
    const removed = await service.removeProject('remote');
    assert.deepEqual(removed, { project: 'remote', location: remote?.location, server: secondUrl });
    assert.equal(await withServer(secondUrl, (admin) => databaseExists(admin, remote?.location as string)), false);
    assert.deepEqual((await service.listProjects()).map((project) => project.name), ['local']);
  });
});
