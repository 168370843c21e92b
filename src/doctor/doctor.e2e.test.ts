// `codebase-mcp doctor` as a user runs it: against a good server, a role
// without CREATEDB, a role that may not create the vector extension, an
// unreachable URL, and in embedded mode.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { databaseExists, withServer } from '../store/serverAdmin.js';
import { NO_SERVER_REASON, testServerUrl, uniqueName } from '../testing/testBackends.js';
import { isolatedEnv, removeTemporaryDirectories, runCli, temporaryDirectory, type CliResult } from '../testing/testEnvironment.js';
import type { DoctorCheck, DoctorReport } from './doctorCheck.js';

const url = testServerUrl();

after(removeTemporaryDirectories);

function parseReport(result: CliResult): DoctorReport {
  assert.equal(result.stderr.includes('    at '), false, `no stack trace: ${result.stderr}`);
  return JSON.parse(result.stdout) as DoctorReport;
}

function check(report: DoctorReport, name: string): DoctorCheck {
  const found = report.checks.find((candidate) => candidate.name === name);
  assert.ok(found, `no check named ${name}: ${report.checks.map((entry) => entry.name).join(', ')}`);
  return found;
}

function statuses(report: DoctorReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((entry) => [entry.name, entry.status]));
}

/** Scratch database names the checks report, to verify they were all dropped. */
function scratchDatabases(report: DoctorReport): string[] {
  return report.checks.flatMap((entry) => entry.detail.match(/cb_doctor_[a-z]+_[0-9a-f]{8}/g) ?? []);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('doctor against a PostgreSQL server', { skip: url ? false : NO_SERVER_REASON }, () => {
  const noCreateDb = uniqueName('cbtest_nocreatedb');
  const notSuperuser = uniqueName('cbtest_notsuper');
  let home: string;

  const roleUrl = (role: string) => {
    const parsed = new URL(url as string);
    parsed.username = role;
    parsed.password = '';
    return parsed.toString();
  };
  const doctor = (databaseUrl: string, args: string[] = ['--json']) =>
    runCli(['doctor', ...args], {
      env: isolatedEnv(home, { CODEBASE_MCP_DATABASE_URL: databaseUrl, CODEBASE_MCP_REGISTRY_DATABASE: uniqueName('cbtest_doctor_registry') }),
    });

  before(async () => {
    home = await temporaryDirectory('doctor-home');
    await withServer(url as string, async (admin) => {
      await admin.exec(`CREATE ROLE ${noCreateDb} LOGIN NOCREATEDB NOSUPERUSER`);
      await admin.exec(`CREATE ROLE ${notSuperuser} LOGIN CREATEDB NOSUPERUSER`);
    });
  });

  after(async () => {
    if (!url) return;
    // DROP ROLE fails if a role still owns a database: doctor must have dropped every scratch database.
    await withServer(url, async (admin) => {
      await admin.exec(`DROP ROLE IF EXISTS ${noCreateDb}`);
      await admin.exec(`DROP ROLE IF EXISTS ${notSuperuser}`);
    });
  });

  test('a good server passes every check and leaves no scratch database behind', async () => {
    const result = await doctor(url as string);
    const report = parseReport(result);
    assert.equal(result.code, 0, result.stdout);
    assert.equal(report.backend, 'server');
    assert.equal(report.ok, true);
    assert.deepEqual(statuses(report), {
      'database reachable': 'pass',
      'PostgreSQL version': 'pass',
      'CREATEDB permission': 'pass',
      'pgvector available': 'pass',
      'scratch project database': 'pass',
      'registry database': 'pass',
      'project databases': 'skip',
      'embedder ready': 'pass',
      'file-watch limit': 'pass',
    });
    const scratch = scratchDatabases(report);
    assert.equal(scratch.length, 3, report.checks.map((entry) => entry.detail).join('\n'));
    for (const name of scratch) assert.equal(await withServer(url as string, (admin) => databaseExists(admin, name)), false, `${name} was dropped`);
  });

  test('a role without CREATEDB fails that check, with the ALTER ROLE that fixes it', async () => {
    const result = await doctor(roleUrl(noCreateDb));
    const report = parseReport(result);
    assert.equal(result.code, 1);
    const createdb = check(report, 'CREATEDB permission');
    assert.equal(createdb.status, 'fail');
    assert.match(createdb.detail, new RegExp(`Role "${noCreateDb}" has neither CREATEDB nor SUPERUSER`));
    assert.match(createdb.fix ?? '', new RegExp(`ALTER ROLE "${noCreateDb}" CREATEDB;`));
    assert.equal(check(report, 'database reachable').status, 'pass');
    assert.equal(check(report, 'pgvector available').status, 'skip');
    assert.equal(check(report, 'scratch project database').status, 'skip');
  });

  test('a role that may not create the vector extension fails the pgvector check, with the fix', async () => {
    const result = await doctor(roleUrl(notSuperuser));
    const report = parseReport(result);
    assert.equal(result.code, 1);
    assert.equal(check(report, 'CREATEDB permission').status, 'pass');
    const vector = check(report, 'pgvector available');
    assert.equal(vector.status, 'fail');
    assert.match(vector.detail, /permission denied to create extension "vector"/);
    assert.match(vector.fix ?? '', /psql -d template1 -c "CREATE EXTENSION IF NOT EXISTS vector;"/);
    assert.equal(check(report, 'scratch project database').status, 'skip');
    for (const name of scratchDatabases(report)) assert.equal(await withServer(url as string, (admin) => databaseExists(admin, name)), false);
  });

  test('an unreachable URL is a failed check with a clear message, exit 1 and no stack trace', async () => {
    const deadUrl = `postgres://postgres:hunter2@127.0.0.1:${await freePort()}/postgres`;
    const json = await doctor(deadUrl);
    const report = parseReport(json);
    assert.equal(json.code, 1);
    const reachable = check(report, 'database reachable');
    assert.equal(reachable.status, 'fail');
    assert.match(reachable.detail, /nothing accepts connections on 127\.0\.0\.1:\d+ \(connection refused\)/);
    assert.match(reachable.fix ?? '', /pg_isready/);
    assert.equal(json.stdout.includes('hunter2'), false, 'the password is never printed');
    assert.deepEqual(
      report.checks.filter((entry) => entry.status === 'skip').map((entry) => entry.name),
      ['PostgreSQL version', 'CREATEDB permission', 'pgvector available', 'scratch project database', 'registry database', 'project databases', 'file-watch limit'],
    );

    const human = await doctor(deadUrl, []);
    assert.equal(human.code, 1);
    assert.equal(human.stderr, '');
    assert.match(human.stdout, /FAIL {2}database reachable +Cannot connect to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres/);
    assert.match(human.stdout, /\n +fix: Check the URL/);
    assert.match(human.stdout, /1 of 9 checks failed\.\n$/);
  });
});

test('doctor in embedded mode runs the checks that apply and passes', async () => {
  const result = await runCli(['doctor', '--json'], { env: isolatedEnv(await temporaryDirectory('doctor-embedded')) });
  const report = parseReport(result);
  assert.equal(result.code, 0, result.stdout);
  assert.equal(report.backend, 'embedded');
  assert.deepEqual(statuses(report), {
    'data directory writable': 'pass',
    'PGlite opens': 'pass',
    'pgvector loads': 'pass',
    'scratch project': 'pass',
    'project data directories': 'pass',
    'embedder ready': 'pass',
    'file-watch limit': 'pass',
  });
});
