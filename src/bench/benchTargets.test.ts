import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTargets } from './benchTargets.js';
import { sampleBenchmarkResult, sampleQualityResult } from './resultFixtures.js';

const byId = (checks: ReturnType<typeof checkTargets>, id: string) => {
  const check = checks.find((candidate) => candidate.id === id);
  assert.ok(check, `no check ${id}`);
  return check;
};

test('a result inside every target passes each of them', () => {
  const checks = checkTargets(sampleBenchmarkResult(), sampleQualityResult());
  assert.deepEqual(
    checks.filter((check) => check.status !== 'pass').map((check) => check.id),
    [],
  );
  assert.equal(checks.length, 9);
});

test('a miss says by how much it misses', () => {
  const slow = sampleBenchmarkResult();
  slow.index.full.wallMs = 75_000;
  slow.search.semantic.p95Ms = 60;
  slow.memory.peakRssBytes = 2 * 1024 ** 3;
  const checks = checkTargets(slow);
  assert.equal(byId(checks, 'seed.index').note, 'misses by 15.0 s (25% over)');
  assert.equal(byId(checks, 'product.search-p95.semantic').note, 'misses by 10.0 ms (20% over)');
  assert.equal(byId(checks, 'product.peak-memory').note, 'misses by 0.50 GiB (33% over)');
  assert.equal(byId(checks, 'seed.search-p95').status, 'pass');
});

test('the server backend is held to the 30 s index target', () => {
  const server = sampleBenchmarkResult();
  server.backend = 'server';
  server.index.full.wallMs = 45_000;
  const checks = checkTargets(server);
  assert.equal(byId(checks, 'product.index').status, 'miss');
  assert.equal(byId(checks, 'seed.index').status, 'pass');
});

test('index targets do not apply to a corpus smaller than 10,000 files', () => {
  const small = sampleBenchmarkResult();
  small.corpus.files = 200;
  const checks = checkTargets(small);
  assert.equal(byId(checks, 'seed.index').status, 'n/a');
  assert.match(byId(checks, 'product.index').note, /200 files/);
});

test('the quality target needs hybrid ahead of both lexical and ripgrep', () => {
  const quality = sampleQualityResult();
  quality.modes.lexical.mrrAt10 = 0.65;
  const check = byId(checkTargets(sampleBenchmarkResult(), quality), 'product.quality');
  assert.equal(check.status, 'miss');
  assert.equal(check.note, 'hybrid 0.600 is short of lexical 0.650 by 0.050');
  assert.equal(byId(checkTargets(sampleBenchmarkResult()), 'product.quality').status, 'n/a');
});
