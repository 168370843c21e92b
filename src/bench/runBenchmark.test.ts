// A small benchmark end to end, as a smoke test of the tooling: the result has
// every field and every metric was measured. No timing is asserted.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isolatedEnv, removeTemporaryDirectories, runCli, temporaryDirectory } from '../testing/testEnvironment.js';
import { TIMED_MODES, type BenchmarkResult } from './benchmarkResult.js';
import { checkTargets } from './benchTargets.js';
import { generateRepository } from './generateRepository.js';
import { ripgrepVersion } from './ripgrepRanking.js';
import { hashDirectory } from './treeHash.js';

after(removeTemporaryDirectories);

const FILES = 200;
const QUERIES = 6;

function assertMeasured(value: unknown, name: string): void {
  assert.equal(typeof value, 'number', `${name} is a number`);
  assert.ok(Number.isFinite(value as number) && (value as number) >= 0, `${name} = ${value} is measured`);
}

function assertShape(result: BenchmarkResult, repo: string, hash: string): void {
  assert.equal(result.schema, 'codebase-mcp/bench-run@1');
  assert.equal(result.corpus.hash, hash);
  assert.equal(result.corpus.files, FILES);
  assert.ok(result.machine.cpuModel.length > 0 && result.machine.cores >= 1 && result.machine.memoryBytes > 0);
  assert.match(result.versions.node, /^v\d+/);
  assert.match(result.versions.postgres, /^\d+/);
  assert.ok(result.versions.embedder.length > 0);

  const { full, noChange, oneFileChanged } = result.index;
  assert.equal(full.filesIndexed, FILES);
  assert.ok(full.totalChunks >= FILES);
  assert.equal(full.errors, 0);
  assert.equal(noChange.filesIndexed, 0);
  assert.equal(noChange.filesUnchanged, FILES);
  assert.equal(oneFileChanged.filesIndexed, 1);
  assert.equal(oneFileChanged.changedFile, 'module_00000.py');
  for (const [phase, measurement] of Object.entries(result.index)) {
    for (const key of ['wallMs', 'cpuMs', 'filesPerSecond', 'chunksPerSecond'] as const) assertMeasured(measurement[key], `index.${phase}.${key}`);
  }
  assert.ok(full.wallMs > 0 && full.filesPerSecond > 0 && full.chunksPerSecond > 0);
  assert.ok(result.memory.peakRssBytes > 0 && result.memory.peakRssBytes >= result.memory.peakRssAfterFullIndexBytes);
  assert.ok(result.memory.peakRssWithYardstickBytes >= result.memory.peakRssBytes);

  for (const mode of TIMED_MODES) {
    const stats = result.search[mode];
    assert.equal(stats.count, QUERIES, `${mode} timed every query`);
    for (const key of ['p50Ms', 'p95Ms', 'p99Ms', 'meanMs', 'minMs', 'maxMs'] as const) assertMeasured(stats[key], `search.${mode}.${key}`);
    assert.ok(stats.p50Ms <= stats.p95Ms && stats.p95Ms <= stats.p99Ms);
    assert.ok(stats.meanResults > 0, `${mode} searches found something`);
  }
  assert.equal(checkTargets(result).length, 9);
  assert.equal(result.corpus.path, repo);
}

test('bench run measures indexing, re-indexing, memory and search latency in every mode, beside ripgrep', async () => {
  const repo = join(await temporaryDirectory('bench-repo'), 'corpus');
  const tree = await generateRepository(repo, { files: FILES, seed: 42, languages: ['python', 'typescript', 'go'], minLines: 100, maxLines: 200 });
  const out = join(await temporaryDirectory('bench-out'), 'results.json');
  const run = await runCli(['bench', 'run', '--repo', repo, '--out', out, '--queries', String(QUERIES), '--warmup', '2'], {
    env: isolatedEnv(join(await temporaryDirectory('bench-home'), 'home')),
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Targets/);

  const result = JSON.parse(await readFile(out, 'utf8')) as BenchmarkResult;
  assertShape(result, repo, tree.hash);
  assert.equal(result.backend, 'embedded');
  if (await ripgrepVersion()) {
    assert.equal(result.ripgrep.available, true);
    if (result.ripgrep.available) {
      assert.equal(result.ripgrep.count, QUERIES);
      assertMeasured(result.ripgrep.p95Ms, 'ripgrep.p95Ms');
    }
  } else {
    assert.deepEqual(result.ripgrep, { available: false, reason: 'ripgrep (rg) is not installed' });
  }
  // The one-file edit was undone.
  assert.equal((await hashDirectory(repo)).hash, tree.hash);

  const report = await runCli(['bench', 'report', out, '--json'], { env: isolatedEnv(join(await temporaryDirectory('bench-home'), 'home')) });
  assert.equal(report.code, 0, report.stderr);
  assert.equal(JSON.parse(report.stdout).checks.find((check: { id: string }) => check.id === 'seed.index').status, 'n/a');
});

const serverUrl = process.env.CODEBASE_MCP_TEST_DATABASE_URL;

test('bench run works on a PostgreSQL server and leaves no database behind', { skip: serverUrl ? false : 'CODEBASE_MCP_TEST_DATABASE_URL is not set' }, async () => {
  const repo = join(await temporaryDirectory('bench-repo'), 'corpus');
  const tree = await generateRepository(repo, { files: FILES, seed: 7, languages: ['python'], minLines: 100, maxLines: 150 });
  const out = join(await temporaryDirectory('bench-out'), 'results.json');
  const env = { ...isolatedEnv(join(await temporaryDirectory('bench-home'), 'home')), DATABASE_URL: serverUrl as string };
  const before = await benchDatabases(serverUrl as string);
  const run = await runCli(['bench', 'run', '--repo', repo, '--out', out, '--queries', String(QUERIES), '--warmup', '1', '--no-ripgrep'], { env });
  assert.equal(run.code, 0, run.stderr);
  const result = JSON.parse(await readFile(out, 'utf8')) as BenchmarkResult;
  assert.equal(result.backend, 'server');
  assertShape(result, repo, tree.hash);
  assert.deepEqual(result.ripgrep, { available: false, reason: 'skipped (--no-ripgrep)' });
  assert.deepEqual(await benchDatabases(serverUrl as string), before);
});

async function benchDatabases(url: string): Promise<string[]> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'codebase_mcp_bench_%' OR datname LIKE 'cb_proj_bench%' ORDER BY 1");
    return rows.rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}
