import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isolatedEnv, removeTemporaryDirectories, runCli, temporaryDirectory } from '../testing/testEnvironment.js';
import { compareResults, DEFAULT_COMPARE_OPTIONS } from './compareResults.js';
import { sampleBenchmarkResult, sampleQualityResult } from './resultFixtures.js';

after(removeTemporaryDirectories);

test('an identical pair of results has no regression', () => {
  const comparison = compareResults(sampleBenchmarkResult(), sampleBenchmarkResult());
  assert.deepEqual(comparison.regressions, []);
  assert.deepEqual(comparison.warnings, []);
  assert.ok(comparison.metrics.every((metric) => metric.change === 0));
});

test('a search p95 more than 10% slower is flagged, one 5% slower is not', () => {
  const slower = sampleBenchmarkResult();
  slower.search.hybrid.p95Ms = 40 * 1.2;
  slower.search.lexical.p95Ms = 30 * 1.05;
  const comparison = compareResults(sampleBenchmarkResult(), slower);
  assert.deepEqual(comparison.regressions, ['search.hybrid.p95Ms']);
  const hybrid = comparison.metrics.find((metric) => metric.name === 'search.hybrid.p95Ms');
  assert.equal(Math.round((hybrid?.change ?? 0) * 100), 20);
});

test('direction matters: lower throughput and higher times are worse, the opposite is not', () => {
  const changed = sampleBenchmarkResult();
  changed.index.full.filesPerSecond *= 0.8; // worse
  changed.index.full.chunksPerSecond *= 1.5; // better
  changed.index.noChange.wallMs *= 0.5; // better
  changed.memory.peakRssBytes *= 1.25; // worse
  const comparison = compareResults(sampleBenchmarkResult(), changed);
  assert.deepEqual(comparison.regressions.sort(), ['index.full.filesPerSecond', 'memory.peakRssBytes']);
});

test('ripgrep timings are shown but never count as a regression of the product', () => {
  const changed = sampleBenchmarkResult();
  if (!changed.ripgrep.available) throw new Error('fixture has ripgrep');
  changed.ripgrep.p95Ms *= 2;
  const comparison = compareResults(sampleBenchmarkResult(), changed);
  assert.deepEqual(comparison.regressions, []);
  assert.equal(comparison.metrics.find((metric) => metric.name === 'ripgrep.p95Ms')?.regression, true);
});

test('time differences below the noise floor are not regressions even when relatively large', () => {
  const base = sampleBenchmarkResult();
  base.search.semantic.p50Ms = 2;
  const changed = sampleBenchmarkResult();
  changed.search.semantic.p50Ms = 2.5; // +25%, but half a millisecond
  assert.deepEqual(compareResults(base, changed, { ...DEFAULT_COMPARE_OPTIONS, noiseMs: 1 }).regressions, []);
  assert.deepEqual(compareResults(base, changed, { ...DEFAULT_COMPARE_OPTIONS, noiseMs: 0 }).regressions, ['search.semantic.p50Ms']);
});

test('quality results compare by score, where lower is worse', () => {
  const worse = sampleQualityResult();
  worse.modes.hybrid.mrrAt10 = 0.5; // 0.6 → 0.5 is 17% worse
  const comparison = compareResults(sampleQualityResult(), worse);
  assert.deepEqual(comparison.regressions, ['hybrid.mrrAt10']);
  assert.throws(() => compareResults(sampleQualityResult(), sampleBenchmarkResult()), /cannot compare a quality result with a benchmark result/);
});

test('different corpora or machines are called out', () => {
  const other = sampleBenchmarkResult();
  other.corpus.hash = 'c'.repeat(64);
  other.machine.cores = 8;
  const { warnings } = compareResults(sampleBenchmarkResult(), other);
  assert.equal(warnings.length, 2);
});

test('bench compare exits 1 on a regression and 0 for an identical pair', async () => {
  const dir = await temporaryDirectory('compare');
  const oldFile = join(dir, 'old.json');
  const sameFile = join(dir, 'same.json');
  const slowerFile = join(dir, 'slower.json');
  const slower = sampleBenchmarkResult();
  slower.index.full.wallMs *= 1.5;
  await writeFile(oldFile, JSON.stringify(sampleBenchmarkResult()));
  await writeFile(sameFile, JSON.stringify(sampleBenchmarkResult()));
  await writeFile(slowerFile, JSON.stringify(slower));
  const env = isolatedEnv(join(dir, 'home'));

  const same = await runCli(['bench', 'compare', oldFile, sameFile], { env });
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /No metric is more than 10% worse/);

  const regressed = await runCli(['bench', 'compare', oldFile, slowerFile, '--json'], { env });
  assert.equal(regressed.code, 1, regressed.stderr);
  assert.deepEqual(JSON.parse(regressed.stdout).regressions, ['index.full.wallMs']);
});
