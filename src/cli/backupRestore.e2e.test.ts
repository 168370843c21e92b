// Backup, restore and migrations as a user meets them over the CLI, and
// interrupted commands: a process killed (SIGKILL, by CODEBASE_MCP_CRASH_AT)
// at each step of a restore, a removal or doctor leaves the registry and the
// databases in agreement — at worst scratch that `projects drop-orphans`
// removes — and the project searches as before.
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openPgliteDatabase } from '../store/pgliteDatabase.js';
import { MIGRATIONS } from '../store/migrations.js';
import { loadConfig } from '../config/config.js';
import { SCRATCH_DATABASE_PREFIX, PROJECT_DATABASE_PREFIX } from '../store/databaseNames.js';
import { parseScratchDatabaseComment } from '../store/scratch.js';
import { databasesWithPrefix, withServer } from '../store/serverAdmin.js';
import { urlWithDatabase } from '../store/serverUrl.js';
import { dropTestRegistry, NO_SERVER_REASON, testServerUrl, uniqueName } from '../testing/testBackends.js';
import { copyOfSampleRepo, isolatedEnv, removeTemporaryDirectories, runCli, temporaryDirectory, type CliResult } from '../testing/testEnvironment.js';

const url = testServerUrl();

after(removeTemporaryDirectories);

function json(result: CliResult) {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** Paths, lines and scores of a few searches: what must survive every restore. */
async function searches(cli: (...args: string[]) => Promise<CliResult>, project: string): Promise<string[]> {
  const seen: string[] = [];
  for (const query of ['hash a password with a salt', 'retry with exponential backoff']) {
    const outcome = json(await cli('search', query, '--project', project, '--limit', '5', '--json'));
    seen.push(outcome.results.map((hit: { path: string; start_line: number; score: number }) => `${hit.path}:${hit.start_line}@${hit.score}`).join(' '));
  }
  return seen;
}

/** Kills the command at `step` and checks that it really died there. */
async function crashAt(step: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<void> {
  const result = await runCli(args, { env: { ...env, CODEBASE_MCP_CRASH_AT: step, CODEBASE_MCP_SERVICE: '0' }, cwd: '/' });
  assert.equal(result.code, null, `killed at ${step}, not finished: ${result.stdout}${result.stderr}`);
}

describe('backup and restore over the CLI (embedded)', () => {
  let env: NodeJS.ProcessEnv;
  let home: string;
  let snapshot: string;
  let expected: string[];
  const cli = (...args: string[]) => runCli(args, { env, cwd: '/' });

  before(async () => {
    home = await temporaryDirectory('cli-backup-home');
    env = isolatedEnv(home);
    json(await cli('index', await copyOfSampleRepo(), '--project', 'sample', '--json'));
    expected = await searches(cli, 'sample');
    snapshot = join(await temporaryDirectory('cli-backup-file'), 'sample.gz');
    const backup = json(await cli('backup', 'sample', '--out', snapshot, '--json'));
    assert.equal(backup.rows.files, 32);
  });

  test('restoring over an existing project without --yes exits 2 and says how', async () => {
    const refused = await cli('restore', snapshot);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /Refusing without --yes: project 'sample' exists/);
    assert.match(refused.stderr, /Run again with --yes/);
  });

  test('a truncated snapshot is refused (exit 1) and the project is untouched', async () => {
    const cut = join(await temporaryDirectory('cut'), 'cut.gz');
    const bytes = await readFile(snapshot);
    await writeFile(cut, bytes.subarray(0, bytes.length - 200));
    const refused = await cli('restore', cut, '--yes');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is truncated/);
    assert.deepEqual(await searches(cli, 'sample'), expected);
  });

  test('a crash at any step of a restore leaves the old or the new project whole, and at most scratch to drop', async () => {
    for (const step of ['restore:verified', 'restore:before-commit', 'restore:committed', 'restore:old-moved-aside', 'restore:new-moved-in']) {
      await crashAt(step, env, 'restore', snapshot, '--yes');
      const { drift } = json(await cli('projects', '--json'));
      assert.deepEqual(drift.missing, [], step);
      for (const orphan of drift.orphans) assert.match(orphan.scratch, /^restore-sample$/, `${step}: only the staging copy is left over`);
      json(await cli('projects', 'drop-orphans', '--yes', '--json'));
      assert.deepEqual(json(await cli('projects', '--json')).drift, { missing: [], orphans: [], unreachable: [] }, step);
      assert.deepEqual(await searches(cli, 'sample'), expected, step);
    }
    assert.deepEqual(await readdir(join(home, 'scratch')), []);
  });

  test('a crash while removing a project leaves no half-deleted project', async () => {
    await cli('restore', snapshot, '--project', 'doomed');
    await crashAt('remove:moved-aside', env, 'projects', 'remove', 'doomed', '--yes');
    const listed = json(await cli('projects', '--json'));
    assert.equal(listed.projects.some((project: { name: string }) => project.name === 'doomed'), false);
    assert.deepEqual(listed.drift.orphans.map((orphan: { scratch: string }) => orphan.scratch), ['removed-doomed']);
    json(await cli('projects', 'drop-orphans', '--yes', '--json'));
    assert.deepEqual(json(await cli('projects', '--json')).drift.orphans, []);
  });

  test('doctor leaves no scratch behind, and a killed doctor leaves scratch that drop-orphans removes', async () => {
    const report = await cli('doctor', '--json');
    assert.ok([0, 1].includes(report.code as number), report.stderr);
    assert.deepEqual(await readdir(join(home, 'scratch')), []);
    await crashAt('doctor:scratch-created', env, 'doctor');
    assert.equal((await readdir(join(home, 'scratch'))).length, 1);
    const dropped = json(await cli('projects', 'drop-orphans', '--yes', '--json')).dropped;
    assert.deepEqual(dropped.map((entry: { scratch: string }) => entry.scratch), ['doctor']);
    assert.deepEqual(await readdir(join(home, 'scratch')), []);
  });

  /** The schema version this code migrates to, and the one a later release would write. */
  const CURRENT = MIGRATIONS[MIGRATIONS.length - 1].version;
  const NEXT = CURRENT + 1;

  test('rehearsal: migrate --dry-run lists the upgrade, migrate snapshots first, a newer schema is refused with the restore command, which works', async () => {
    await cli('restore', snapshot, '--project', 'aged');
    // Back to schema version 2, as the previous release left projects.
    const client = await openPgliteDatabase(join(home, 'projects', 'aged', 'pgdata'), loadConfig({ home }, env).cacheDir);
    await client.exec(`DROP TABLE lexeme_stats; ALTER TABLE files DROP COLUMN mtime_ms; DELETE FROM schema_migrations WHERE version >= 3;`);
    await client.close();

    const plan = json(await cli('migrate', '--project', 'aged', '--dry-run', '--json'));
    assert.deepEqual(
      plan.projects.map((entry: { project: string; from: number; pending: { version: number }[] }) => [entry.project, entry.from, entry.pending.map((step) => step.version)]),
      [['aged', 2, MIGRATIONS.slice(2).map((migration) => migration.version)]],
    );
    const human = await cli('migrate', '--dry-run');
    assert.match(human.stdout, new RegExp(`aged: would migrate from schema version 2 to ${CURRENT}:\\n {2}3: document frequencies`));
    assert.match(human.stdout, new RegExp(`sample: up to date \\(schema version ${CURRENT}\\)`));
    const migrated = json(await cli('migrate', '--project', 'aged', '--json'));
    const taken = migrated.projects[0].snapshot as string;
    assert.ok(taken.startsWith(join(home, 'snapshots', 'aged', 'aged-schema2-')), taken);
    assert.equal(json(await cli('migrate', '--project', 'aged', '--dry-run', '--json')).projects[0].pending.length, 0);

    // A later release upgrades it further; then this one is run again.
    const upgraded = await openPgliteDatabase(join(home, 'projects', 'aged', 'pgdata'), loadConfig({ home }, env).cacheDir);
    await upgraded.exec(`INSERT INTO schema_migrations (version, description) VALUES (${NEXT}, 'ranking fields');
      UPDATE project_meta SET value = '{"codebaseMcp": "0.2.0", "schemaVersion": ${NEXT}}' WHERE key = 'schema_written_by';`);
    await upgraded.close();
    const refused = await cli('search', 'password', '--project', 'aged');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`Project 'aged' has schema version ${NEXT} \\(${NEXT}: ranking fields\\), written by codebase-mcp 0\\.2\\.0`));
    const command = /codebase-mcp (restore \S+ --project aged --yes)/.exec(refused.stderr);
    assert.ok(command, refused.stderr);
    assert.equal(command[1], `restore ${taken} --project aged --yes`);
    const restored = json(await cli(...command[1].split(' '), '--json'));
    assert.deepEqual([restored.schemaVersion, restored.migratedTo], [2, CURRENT]);
    assert.deepEqual((await searches(cli, 'aged')).length, 2);
  });
});

describe('backup and restore over the CLI (server)', { skip: url ? false : NO_SERVER_REASON }, () => {
  const registry = uniqueName('cbtest_cli_backup');
  let env: NodeJS.ProcessEnv;
  let snapshot: string;
  let expected: string[];
  const cli = (...args: string[]) => runCli(args, { env, cwd: '/' });

  let registryId = '';
  /** Every database on the server marked for this test's registry (by its id, or by its name for doctor's scratch). */
  async function ourDatabases(): Promise<string[]> {
    return withServer(url as string, async (admin) => {
      const listing = [...(await databasesWithPrefix(admin, PROJECT_DATABASE_PREFIX)), ...(await databasesWithPrefix(admin, SCRATCH_DATABASE_PREFIX))];
      return listing
        .filter((database) => parseScratchDatabaseComment(database.comment)?.registry === registry || (registryId !== '' && (database.comment ?? '').includes(registryId)))
        .map((database) => database.name)
        .sort();
    });
  }

  before(async () => {
    env = isolatedEnv(await temporaryDirectory('cli-server-backup-home'), { CODEBASE_MCP_DATABASE_URL: url as string, CODEBASE_MCP_REGISTRY_DATABASE: registry });
    json(await cli('index', await copyOfSampleRepo(), '--project', 'sample', '--json'));
    registryId = await withServer(urlWithDatabase(url as string, registry), async (client) => {
      const [row] = await client.query<{ value: string }>(`SELECT value FROM registry_meta WHERE key = 'id'`);
      return row.value;
    });
    expected = await searches(cli, 'sample');
    snapshot = join(await temporaryDirectory('cli-server-backup-file'), 'sample.gz');
    json(await cli('backup', 'sample', '--out', snapshot, '--json'));
  });

  after(async () => {
    if (!url) return;
    await dropTestRegistry(url, registry);
    assert.deepEqual(await ourDatabases(), [], 'nothing of this test is left on the server');
  });

  test('a crash at any step of a restore leaves registry and databases in agreement', async () => {
    for (const step of ['restore:staged', 'restore:verified', 'restore:before-commit', 'restore:committed']) {
      await crashAt(step, env, 'restore', snapshot, '--yes');
      const { drift, projects } = json(await cli('projects', '--json'));
      assert.deepEqual(drift.missing, [], step);
      assert.ok(drift.orphans.length <= 1, `${step}: ${JSON.stringify(drift.orphans)}`);
      json(await cli('projects', 'drop-orphans', '--yes', '--json'));
      assert.deepEqual(json(await cli('projects', '--json')).drift, { missing: [], orphans: [], unreachable: [] }, step);
      assert.deepEqual(await ourDatabases(), [projects[0].location], `${step}: one database, the project's`);
      assert.deepEqual(await searches(cli, 'sample'), expected, step);
    }
  });

  test('a crash between deleting the row and dropping the database leaves an orphan, which drop-orphans removes', async () => {
    json(await cli('restore', snapshot, '--project', 'doomed', '--json'));
    await crashAt('remove:row-deleted', env, 'projects', 'remove', 'doomed', '--yes');
    const { drift, projects } = json(await cli('projects', '--json'));
    assert.equal(projects.some((project: { name: string }) => project.name === 'doomed'), false);
    assert.deepEqual(drift.orphans.map((orphan: { createdFor: string }) => orphan.createdFor), ['doomed']);
    json(await cli('projects', 'drop-orphans', '--yes', '--json'));
    assert.equal((await ourDatabases()).length, 1);
  });

  test('doctor drops its scratch databases; a killed doctor leaves one marked for this registry, which drop-orphans removes', async () => {
    const before = await ourDatabases();
    const report = await cli('doctor', '--json');
    assert.ok([0, 1].includes(report.code as number), report.stderr);
    assert.deepEqual(await ourDatabases(), before, 'doctor left nothing');
    await crashAt('doctor:scratch-created', env, 'doctor');
    const left = (await ourDatabases()).filter((name) => name.startsWith(SCRATCH_DATABASE_PREFIX));
    assert.equal(left.length, 1);
    const dropped = json(await cli('projects', 'drop-orphans', '--yes', '--json')).dropped;
    assert.deepEqual(dropped.map((entry: { location: string }) => entry.location), left);
    assert.deepEqual(await ourDatabases(), before);
  });
});
