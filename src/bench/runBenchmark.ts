// `bench run`: indexes a repository through the core API on a throwaway home,
// re-indexes it unchanged and with one file edited, times searches in every
// mode and the same queries through ripgrep, and returns the measurements.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadavg, tmpdir } from 'node:os';
import type { IndexProgress, IndexSummary } from '../indexer/indexRepository.js';
import { benchmarkQueries } from './benchQueries.js';
import {
  BENCHMARK_SCHEMA,
  TIMED_MODES,
  type BenchmarkResult,
  type IndexMeasurement,
  type RipgrepMeasurement,
  type SearchMeasurement,
} from './benchmarkResult.js';
import { openBenchService, serverVersions, type BenchBackend, type BenchService } from './benchService.js';
import { latencyStats } from './latencyStats.js';
import { machineInfo, softwareVersions } from './machineInfo.js';
import { rankFilesWithRipgrep, ripgrepArguments, ripgrepVersion } from './ripgrepRanking.js';
import { hashDirectory } from './treeHash.js';
import type { CodebaseService } from '../core/codebaseService.js';

export interface BenchmarkOptions {
  repo: string;
  /** Timed queries per mode (and for ripgrep). */
  queries: number;
  /** Untimed queries per mode first, to warm caches and the JIT. */
  warmupQueries: number;
  querySeed: number;
  limit: number;
  maxTokens: number;
  backend?: BenchBackend;
  /** Skip the ripgrep yardstick. */
  withoutRipgrep?: boolean;
  onProgress?: (message: string) => void;
}

export const DEFAULT_BENCHMARK_SETTINGS = { queries: 200, warmupQueries: 20, querySeed: 42, limit: 10, maxTokens: 8000 } as const;

const PROJECT = 'bench';

function measurement(summary: IndexSummary, wallMs: number, cpuMs: number): IndexMeasurement {
  const seconds = wallMs / 1000;
  return {
    wallMs: Math.round(wallMs),
    cpuMs: Math.round(cpuMs),
    filesScanned: summary.filesScanned,
    filesIndexed: summary.filesIndexed,
    filesUnchanged: summary.filesUnchanged,
    chunksWritten: summary.chunksWritten,
    chunksEmbedded: summary.chunksEmbedded,
    totalFiles: summary.totalFiles,
    totalChunks: summary.totalChunks,
    filesPerSecond: Math.round((summary.filesScanned / seconds) * 10) / 10,
    chunksPerSecond: Math.round((summary.chunksWritten / seconds) * 10) / 10,
    errors: summary.errors.length,
    stages: summary.stages,
    ...(summary.stagesCpu ? { stagesCpu: summary.stagesCpu } : {}),
  };
}

/** `progress` (for the long full index only) gets a line per tenth of the files. */
async function timedIndex(bench: BenchService, repo: string, progress?: (message: string) => void): Promise<IndexMeasurement> {
  let reported = 0;
  const onProgress = (update: IndexProgress) => {
    if (!progress) return;
    const tenth = update.filesTotal ? Math.floor((update.filesDone / update.filesTotal) * 10) : 0;
    if (update.phase === 'indexing' && tenth > reported && update.filesChanged > 0) {
      reported = tenth;
      progress(`  ${update.filesDone}/${update.filesTotal} files, ${update.chunksWritten} chunks`);
    }
    if (update.phase === 'finalizing' && update.filesChanged > 0) progress('  finalizing (vector index, ANALYZE)');
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const { summary } = await bench.service.indexRepository({ path: repo, project: PROJECT }, { onProgress });
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return measurement(summary, wallMs, (cpu.user + cpu.system) / 1000);
}

const peakRssBytes = () => process.resourceUsage().maxRSS * 1024;

/** A line the file's language reads as a comment, so the edit keeps the file valid. */
function commentLine(path: string): string {
  return /\.(py|rb|sh|bash|pl|r|ya?ml|toml)$/i.test(path) ? '# codebase-mcp bench: one-file change' : '// codebase-mcp bench: one-file change';
}

/** The first source file in path order: the one the benchmark edits (and restores). */
function fileToChange(paths: string[]): string {
  const visible = paths.filter((path) => !path.split('/').some((part) => part.startsWith('.')));
  const source = visible.find((path) => /\.(py|ts|tsx|js|go|java|rs|rb|c|cc|cpp)$/.test(path));
  const chosen = source ?? visible[0];
  if (!chosen) throw new Error('the repository has no file to edit for the one-file re-index');
  return chosen;
}

/** Indexes a one-file directory first, so the timed index does not pay for loading the embedder or the first data directory. */
async function warmUp(bench: BenchService): Promise<number> {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'codebase-mcp-bench-warmup-'));
  try {
    await writeFile(join(dir, 'warmup.py'), 'def warm_up():\n    """Loads what the first index needs."""\n    return 1\n');
    // Left in place: dispose() removes it with the rest.
    await bench.service.indexRepository({ path: dir, project: 'bench-warmup' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return Math.round(performance.now() - started);
}

/** Times each query of `timed` (after `warmup`, untimed) in one mode against an indexed project. */
export async function timeSearches(
  service: CodebaseService,
  project: string,
  mode: (typeof TIMED_MODES)[number],
  warmup: string[],
  timed: string[],
  options: { limit: number; maxTokens: number },
): Promise<SearchMeasurement> {
  const search = (query: string) => service.search({ query, project, mode, limit: options.limit, max_tokens: options.maxTokens }, []);
  for (const query of warmup) await search(query);
  const samples: number[] = [];
  let results = 0;
  for (const query of timed) {
    const started = performance.now();
    const outcome = await search(query);
    samples.push(performance.now() - started);
    results += outcome.results.length;
  }
  return { ...latencyStats(samples), meanResults: Math.round((results / timed.length) * 100) / 100 };
}

async function timeRipgrep(repo: string, warmup: string[], timed: string[], options: BenchmarkOptions): Promise<RipgrepMeasurement> {
  if (options.withoutRipgrep) return { available: false, reason: 'skipped (--no-ripgrep)' };
  const version = await ripgrepVersion();
  if (!version) return { available: false, reason: 'ripgrep (rg) is not installed' };
  for (const query of warmup) await rankFilesWithRipgrep(repo, query, { limit: options.limit });
  const samples: number[] = [];
  let results = 0;
  for (const query of timed) {
    const started = performance.now();
    const ranking = await rankFilesWithRipgrep(repo, query, { limit: options.limit });
    samples.push(performance.now() - started);
    results += ranking.files.length;
  }
  return {
    available: true,
    command: `rg ${ripgrepArguments(['<term>', '…']).join(' ')} (files ranked by distinct terms, then matches)`,
    ...latencyStats(samples),
    meanResults: Math.round((results / timed.length) * 100) / 100,
  };
}

export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkResult> {
  const progress = options.onProgress ?? (() => {});
  progress(`hashing ${options.repo}`);
  const corpus = await hashDirectory(options.repo);
  const bench = await openBenchService(options.backend);
  try {
    const root = await bench.service.repositoryRoot(options.repo);
    progress(`${bench.backend} store; warming up (embedder, first database)`);
    const warmupMs = await warmUp(bench);

    progress(`full index of ${corpus.files} files`);
    const loadAtStart = loadavg()[0];
    const full = await timedIndex(bench, root, progress);
    const peakRssAfterFullIndexBytes = peakRssBytes();
    progress(`full index: ${(full.wallMs / 1000).toFixed(1)} s, ${full.totalChunks} chunks; re-index without changes`);
    const noChange = await timedIndex(bench, root);

    const changedFile = fileToChange(corpus.paths);
    const original = await readFile(join(root, changedFile));
    let oneFileChanged: IndexMeasurement;
    try {
      await writeFile(join(root, changedFile), Buffer.concat([original, Buffer.from(`\n${commentLine(changedFile)}\n`)]));
      progress(`re-index after changing ${changedFile}`);
      oneFileChanged = await timedIndex(bench, root);
    } finally {
      await writeFile(join(root, changedFile), original);
    }

    // Timed as a long-lived service answers once it has read the index into memory (after its first search).
    progress('reading the index into memory');
    const memoryStarted = performance.now();
    const inMemory = await bench.service.readIntoMemory(PROJECT);
    const memoryReadMs = Math.round(performance.now() - memoryStarted);
    progress(inMemory ? `  read in ${(memoryReadMs / 1000).toFixed(1)} s` : '  too large: searches rank in the database');

    const queries = benchmarkQueries(options.warmupQueries + options.queries, options.querySeed);
    const warmup = queries.slice(0, options.warmupQueries);
    const timed = queries.slice(options.warmupQueries);
    const search = {} as Record<(typeof TIMED_MODES)[number], SearchMeasurement>;
    for (const mode of TIMED_MODES) {
      progress(`${timed.length} ${mode} searches`);
      search[mode] = await timeSearches(bench.service, PROJECT, mode, warmup, timed, options);
    }
    const peakRssOfProduct = peakRssBytes();
    progress(`${timed.length} ripgrep searches`);
    const ripgrep = await timeRipgrep(root, warmup, timed, options);

    const project = (await bench.service.listProjects()).find((record) => record.name === PROJECT);
    const embedder = (await bench.service.status(PROJECT, [])).embedder?.id ?? 'none';
    const database =
      bench.backend === 'server' && bench.config.databaseUrl
        ? await serverVersions(bench.config.databaseUrl)
        : { postgres: await pgliteServerVersion(project?.location), pgvector: 'bundled with @electric-sql/pglite-pgvector' };
    return {
      schema: BENCHMARK_SCHEMA,
      createdAt: new Date().toISOString(),
      machine: machineInfo(),
      versions: { ...softwareVersions(), ...database, ripgrep: await ripgrepVersion(), embedder },
      backend: bench.backend,
      corpus: { path: root, hash: corpus.hash, files: corpus.files, bytes: corpus.bytes, lines: corpus.lines },
      settings: {
        queries: options.queries,
        warmupQueries: options.warmupQueries,
        querySeed: options.querySeed,
        limit: options.limit,
        maxTokens: options.maxTokens,
      },
      setup: { warmupMs, inMemory, memoryReadMs },
      load: { atStart: round2(loadAtStart), atEnd: round2(loadavg()[0]) },
      index: { full, noChange, oneFileChanged: { ...oneFileChanged, changedFile } },
      memory: { peakRssBytes: peakRssOfProduct, peakRssAfterFullIndexBytes, peakRssWithYardstickBytes: peakRssBytes() },
      search,
      ripgrep,
    };
  } finally {
    await bench.dispose();
  }
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/** The major version PGlite's data directory was made with (PG_VERSION). */
async function pgliteServerVersion(dataDirectory: string | undefined): Promise<string> {
  if (!dataDirectory) return 'unknown';
  const major = await readFile(join(dataDirectory, 'PG_VERSION'), 'utf8').catch(() => null);
  return major ? `${major.trim()} (PGlite)` : 'unknown';
}
