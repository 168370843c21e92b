// Plausible result objects for the tests of report and compare, built in
// code so each test can change exactly the numbers it is about.

import { BENCHMARK_SCHEMA, type BenchmarkResult, type IndexMeasurement } from './benchmarkResult.js';
import { QUALITY_SCHEMA, type QualityResult } from './qualityResult.js';

function indexMeasurement(wallMs: number, filesIndexed: number): IndexMeasurement {
  return {
    wallMs,
    cpuMs: wallMs,
    filesScanned: 10_000,
    filesIndexed,
    filesUnchanged: 10_000 - filesIndexed,
    chunksWritten: filesIndexed * 40,
    chunksEmbedded: filesIndexed * 40,
    totalFiles: 10_000,
    totalChunks: 400_000,
    filesPerSecond: Math.round((10_000 / (wallMs / 1000)) * 10) / 10,
    chunksPerSecond: Math.round(((filesIndexed * 40) / (wallMs / 1000)) * 10) / 10,
    errors: 0,
  };
}

const latency = (p50Ms: number, p95Ms: number, p99Ms: number) => ({
  count: 200,
  p50Ms,
  p95Ms,
  p99Ms,
  meanMs: p50Ms,
  minMs: p50Ms / 2,
  maxMs: p99Ms * 1.2,
  meanResults: 10,
});

export function sampleBenchmarkResult(): BenchmarkResult {
  return {
    schema: BENCHMARK_SCHEMA,
    createdAt: '2026-01-01T00:00:00.000Z',
    machine: { cpuModel: 'Test CPU', cores: 2, memoryBytes: 8 * 1024 ** 3, platform: 'linux', arch: 'x64', osRelease: '6.0' },
    versions: {
      node: 'v20.0.0',
      codebaseMcp: '0.1.0',
      pglite: '0.5.14',
      pglitePgvector: '0.0.15',
      postgres: '18 (PGlite)',
      pgvector: 'bundled',
      ripgrep: 'ripgrep 13.0.0',
      embedder: 'word-vectors-sg-100d@1',
    },
    backend: 'embedded',
    corpus: { path: '/tmp/corpus', hash: 'a'.repeat(64), files: 10_000, bytes: 400_000_000, lines: 10_000_000 },
    settings: { queries: 200, warmupQueries: 20, querySeed: 42, limit: 10, maxTokens: 8000 },
    setup: { warmupMs: 3000 },
    load: { atStart: 1, atEnd: 1 },
    index: {
      full: indexMeasurement(50_000, 10_000),
      noChange: indexMeasurement(2000, 0),
      oneFileChanged: { ...indexMeasurement(2100, 1), changedFile: 'module_00000.py' },
    },
    memory: { peakRssBytes: 1024 ** 3, peakRssAfterFullIndexBytes: 1024 ** 3, peakRssWithYardstickBytes: 1024 ** 3 },
    search: { hybrid: latency(20, 40, 45), semantic: latency(5, 10, 12), lexical: latency(15, 30, 35) },
    ripgrep: { available: true, command: 'rg …', ...latency(300, 400, 450) },
  };
}

const scores = (mrrAt10: number) => ({ queries: 60, mrrAt10, recallAt1: mrrAt10 - 0.1, recallAt5: mrrAt10 + 0.1, recallAt10: mrrAt10 + 0.15, ndcgAt10: mrrAt10 + 0.05 });

export function sampleQualityResult(): QualityResult {
  const base = sampleBenchmarkResult();
  return {
    schema: QUALITY_SCHEMA,
    createdAt: base.createdAt,
    machine: base.machine,
    versions: { ...softwareOf(base), ripgrep: 'ripgrep 13.0.0', embedder: 'word-vectors-sg-100d@1' },
    backend: 'embedded',
    corpus: { path: '/tmp/django', hash: 'b'.repeat(64), files: 900 },
    queriesFile: '/tmp/queries.json',
    settings: { searchLimit: 30, cutoff: 10 },
    modes: { hybrid: scores(0.6), semantic: scores(0.4), lexical: scores(0.5), ripgrep: scores(0.3) },
    perQuery: [],
  };
}

function softwareOf(result: BenchmarkResult) {
  const { node, codebaseMcp, pglite, pglitePgvector } = result.versions;
  return { node, codebaseMcp, pglite, pglitePgvector };
}
