// Drift between the registry and the databases, as a user meets it over the
// CLI: a project database dropped behind the product's back and a database no
// project names are reported by `projects` and `doctor`, and repaired or
// removed by explicit commands that refuse to act without --yes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { projectDatabaseComment } from '../store/databaseNames.js';
import { createDatabase, databaseExists, withServer } from '../store/serverAdmin.js';
import { urlWithDatabase } from '../store/serverUrl.js';
import { dropTestRegistry, NO_SERVER_REASON, testServerUrl, uniqueName } from '../testing/testBackends.js';
import { isolatedEnv, removeTemporaryDirectories, runCli, temporaryDirectory } from '../testing/testEnvironment.js';

const url = testServerUrl();

after(removeTemporaryDirectories);

async function tinyRepo(name: string, word: string): Promise<string> {
  const root = join(await temporaryDirectory('drift-repo'), name);
  await mkdir(root, { recursive: true });
  await writeFile(join(root, `${word}.py`), `def ${word}_total(values):\n    """Sum the ${word} values."""\n    return sum(values)\n`);
  return root;
}

function json(result: { code: number | null; stdout: string; stderr: string }) {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describe('drift in server mode', { skip: url ? false : NO_SERVER_REASON }, () => {
  const registry = uniqueName('cbtest_drift_registry');
  let env: NodeJS.ProcessEnv;
  let keepRoot: string;
  let lostRoot: string;
  let lostDatabase: string;
  let keepDatabase: string;
  let orphan: string;
  const cli = (...args: string[]) => runCli(args, { env, cwd: '/' });
  const exists = (database: string) => withServer(url as string, (admin) => databaseExists(admin, database));

  before(async () => {
    // Watching off: the service's watcher would refill a repaired database before the test's own index run does.
    env = isolatedEnv(await temporaryDirectory('drift-home'), { CODEBASE_MCP_DATABASE_URL: url as string, CODEBASE_MCP_REGISTRY_DATABASE: registry, CODEBASE_MCP_WATCH: '0' });
    keepRoot = await tinyRepo('keep', 'walrus');
    lostRoot = await tinyRepo('lost', 'narwhal');
    json(await cli('index', keepRoot, '--project', 'keep', '--json'));
    json(await cli('index', lostRoot, '--project', 'lost', '--json'));
    const listed = json(await cli('projects', '--json'));
    keepDatabase = listed.projects.find((project: { name: string }) => project.name === 'keep').location;
    lostDatabase = listed.projects.find((project: { name: string }) => project.name === 'lost').location;
    // Behind the product's back: one project database dropped, and one left
    // over as a crashed creation would leave it (marked for this registry).
    const registryId = await withServer(urlWithDatabase(url as string, registry), async (client) => {
      const [row] = await client.query<{ value: string }>(`SELECT value FROM registry_meta WHERE key = 'id'`);
      return row.value;
    });
    orphan = `cb_proj_ghost_${randomBytes(4).toString('hex')}`;
    // The service keeps project pools open; like a person would, stop it before dropping a database by hand.
    assert.equal((await cli('service', 'stop')).code, 0);
    await withServer(url as string, async (admin) => {
      await admin.exec(`DROP DATABASE "${lostDatabase}"`);
      await createDatabase(admin, orphan, projectDatabaseComment('ghost', registryId));
    });
  });

  after(async () => {
    if (url) await dropTestRegistry(url, registry);
  });

  test('projects reports the missing database and the orphan, as JSON and for people', async () => {
    const listed = json(await cli('projects', '--json'));
    assert.equal(listed.backend, 'server');
    assert.deepEqual(
      listed.drift.missing.map((entry: { project: string; location: string }) => [entry.project, entry.location]),
      [['lost', lostDatabase]],
    );
    assert.deepEqual(
      listed.drift.orphans.map((entry: { location: string; createdFor: string }) => [entry.location, entry.createdFor]),
      [[orphan, 'ghost']],
    );
    const human = await cli('projects');
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`missing: project 'lost' has no database ${lostDatabase}`));
    assert.match(human.stdout, /fix: codebase-mcp projects repair --yes/);
    assert.match(human.stdout, new RegExp(`orphan: +database ${orphan} on \\S+ belongs to no project \\(created for 'ghost'\\)`));
  });

  test('doctor fails its project-databases check and names both fixes', async () => {
    const result = await cli('doctor', '--json');
    assert.equal(result.code, 1);
    const drift = JSON.parse(result.stdout).checks.find((entry: { name: string }) => entry.name === 'project databases');
    assert.equal(drift.status, 'fail');
    assert.match(drift.detail, new RegExp(`project 'lost' has no database ${lostDatabase}`));
    assert.match(drift.detail, new RegExp(`database ${orphan} .* belongs to no project`));
    assert.match(drift.fix, /projects repair --yes/);
    assert.match(drift.fix, /projects drop-orphans --yes/);
  });

  test('using the project with the missing database says how to repair it', async () => {
    const result = await cli('search', 'narwhal', '--project', 'lost');
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`its database ${lostDatabase} does not exist`));
    assert.match(result.stderr, /projects repair --yes/);
  });

  test('repair refuses without --yes, then recreates the database empty, and the next index refills it', async () => {
    const refused = await cli('projects', 'repair');
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, new RegExp(`Refusing without --yes: this recreates ${lostDatabase} \\(project 'lost'\\)`));
    assert.equal(await exists(lostDatabase), false);

    const repaired = json(await cli('projects', 'repair', '--yes', '--json'));
    assert.deepEqual(repaired.repaired.map((entry: { location: string }) => entry.location), [lostDatabase]);
    assert.equal(await exists(lostDatabase), true);
    const status = json(await cli('status', '--project', 'lost', '--json'));
    assert.equal(status.indexed_files, 0);

    const refill = json(await cli('index', lostRoot, '--project', 'lost', '--json'));
    assert.equal(refill.filesIndexed, 1);
    const found = json(await cli('search', 'narwhal values', '--project', 'lost', '--json'));
    assert.equal(found.results[0].path, 'narwhal.py');
  });

  test('drop-orphans refuses without --yes, then drops only the orphan', async () => {
    const refused = await cli('projects', 'drop-orphans');
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, new RegExp(`Refusing without --yes: this drops database ${orphan}`));
    assert.equal(await exists(orphan), true);
    const dropped = json(await cli('projects', 'drop-orphans', '--yes', '--json'));
    assert.deepEqual(dropped.dropped.map((entry: { location: string }) => entry.location), [orphan]);
    assert.equal(await exists(orphan), false);
    assert.equal(await exists(keepDatabase), true);
    assert.equal(await exists(lostDatabase), true);
  });

  test('projects remove NAME refuses without --yes, then drops the database and the registry entry', async () => {
    const refused = await cli('projects', 'remove', 'keep');
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, new RegExp(`this drops database ${keepDatabase} on .* \\(the index of ${keepRoot}\\)`));
    assert.equal(await exists(keepDatabase), true);
    const removed = json(await cli('projects', 'remove', 'keep', '--yes', '--json'));
    assert.equal(removed.removed.location, keepDatabase);
    assert.equal(await exists(keepDatabase), false);
    const listed = json(await cli('projects', '--json'));
    assert.deepEqual(listed.projects.map((project: { name: string }) => project.name), ['lost']);
    assert.deepEqual(listed.drift, { missing: [], orphans: [], unreachable: [] });
    const doctor = await cli('doctor', '--json');
    assert.equal(doctor.code, 0, doctor.stdout);
  });
});

describe('drift in embedded mode', () => {
  let env: NodeJS.ProcessEnv;
  let home: string;
  const cli = (...args: string[]) => runCli(args, { env, cwd: '/' });

  before(async () => {
    home = await temporaryDirectory('drift-embedded-home');
    env = isolatedEnv(home);
    json(await cli('index', await tinyRepo('solo', 'otter'), '--project', 'solo', '--json'));
    await mkdir(join(home, 'projects', 'stray', 'pgdata'), { recursive: true });
  });

  test('a project folder without a project is an orphan that drop-orphans deletes', async () => {
    const listed = json(await cli('projects', '--json'));
    assert.deepEqual(listed.drift.orphans.map((entry: { location: string }) => entry.location), [join(home, 'projects', 'stray')]);
    const dropped = json(await cli('projects', 'drop-orphans', '--yes', '--json'));
    assert.equal(dropped.dropped.length, 1);
    assert.deepEqual(await readdir(join(home, 'projects')), ['solo']);
  });

  test('projects remove NAME --yes deletes the project folder', async () => {
    const refused = await cli('projects', 'remove', 'solo');
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, new RegExp(`this deletes ${join(home, 'projects', 'solo')} \\(the index of `));
    await stat(join(home, 'projects', 'solo', 'pgdata'));
    const removed = json(await cli('projects', 'remove', 'solo', '--yes', '--json'));
    assert.equal(removed.removed.project, 'solo');
    await assert.rejects(stat(join(home, 'projects', 'solo')));
    assert.deepEqual(json(await cli('projects', '--json')).projects, []);
  });
});
