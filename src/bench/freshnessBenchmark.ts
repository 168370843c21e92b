// `codebase-mcp bench freshness`: edit-to-searchable latency. A copy of the
// sample repository is indexed by a watching service (as `serve` runs it);
// then, N times, a file gets a new function under a never-seen name and the
// clock runs until a keyword search returns that file first. What is
// measured is everything a user waits for: the file event, the debounce,
// the incremental index of that file, and the search that finds it.
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Option, type Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { latencyStats, type LatencyStats } from './latencyStats.js';
import { machineInfo, type MachineInfo } from './machineInfo.js';
import { openBenchService, type BenchBackend } from './benchService.js';

export const SAMPLE_REPOSITORY = fileURLToPath(new URL('../../test/fixtures/sample-repo', import.meta.url));
/** Files the edits rotate over: one per language family the sample holds. */
const EDITED_FILES = ['services/cache/lru_cache.py', 'web/src/lib/debounce.js', 'gateway/main.go', 'web/src/cart/cart.ts', 'firmware/ring_buffer.c'];
const TARGET_MS = 2000;
/** An edit not searchable after this long counts as a failure of the run. */
const GIVE_UP_MS = 30_000;

export interface FreshnessResult {
  schema: 'codebase-mcp/freshness@1';
  backend: BenchBackend;
  startedAt: string;
  machine: MachineInfo;
  edits: number;
  debounceMs: number;
  /** Edit (file written) to the first search that returns the edited file first. */
  editToSearchable: LatencyStats;
  targetMedianMs: number;
  meetsTarget: boolean;
}

function comment(file: string, name: string): string {
  if (file.endsWith('.py')) return `\n\ndef ${name}():\n    return "${name}"\n`;
  if (file.endsWith('.go')) return `\n\nfunc ${name}() string {\n\treturn "${name}"\n}\n`;
  return `\n\nexport function ${name}() {\n  return '${name}';\n}\n`;
}

/** Letters only, so the tokenizer keeps it whole, and never a word the repository holds. */
function uniqueName(): string {
  return `zq${[...randomBytes(10)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('')}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureFreshness(options: {
  edits: number;
  backend?: BenchBackend;
  onProgress?: (message: string) => void;
}): Promise<FreshnessResult> {
  const bench = await openBenchService(options.backend, process.env, { watch: true });
  const workDir = await mkdtemp(join(tmpdir(), 'codebase-mcp-freshness-'));
  try {
    const repo = join(workDir, 'sample-repo');
    await cp(SAMPLE_REPOSITORY, repo, { recursive: true });
    const { service } = bench;
    const { project } = await service.indexRepository({ path: repo, project: 'freshness-bench' });
    for (let waited = 0; service.watchers.get(project.name)?.status().state !== 'watching'; waited += 50) {
      if (waited > GIVE_UP_MS) throw new Error(`the watcher did not start: ${JSON.stringify(service.watchers.status(project.name))}`);
      await sleep(50);
    }
    const originals = new Map(await Promise.all(EDITED_FILES.map(async (file) => [file, await readFile(join(repo, file), 'utf8')] as const)));
    const samples: number[] = [];
    for (let edit = 0; edit < options.edits; edit++) {
      await service.watchers.get(project.name)!.settled();
      const file = EDITED_FILES[edit % EDITED_FILES.length];
      const name = uniqueName();
      const started = performance.now();
      await writeFile(join(repo, file), originals.get(file) + comment(file, name));
      for (;;) {
        const outcome = await service.search({ query: name, project: project.name, mode: 'lexical', limit: 1 }, []);
        if (outcome.results[0]?.path === file) break;
        if (performance.now() - started > GIVE_UP_MS) throw new Error(`edit ${edit + 1} (${file}) was not searchable after ${GIVE_UP_MS} ms`);
        await sleep(10);
      }
      samples.push(performance.now() - started);
      options.onProgress?.(`edit ${edit + 1}/${options.edits}: ${file} searchable after ${Math.round(samples[samples.length - 1])} ms`);
    }
    const stats = latencyStats(samples);
    return {
      schema: 'codebase-mcp/freshness@1',
      backend: bench.backend,
      startedAt: new Date().toISOString(),
      machine: machineInfo(),
      edits: options.edits,
      debounceMs: bench.config.watchDebounceMs,
      editToSearchable: stats,
      targetMedianMs: TARGET_MS,
      meetsTarget: stats.p50Ms < TARGET_MS,
    };
  } finally {
    await bench.dispose();
    await rm(workDir, { recursive: true, force: true });
  }
}

export function formatFreshness(result: FreshnessResult): string {
  const stats = result.editToSearchable;
  return [
    `edit-to-searchable latency, ${result.backend} backend, ${result.edits} edits of the sample repository (debounce ${result.debounceMs} ms)`,
    `  median ${stats.p50Ms} ms   p95 ${stats.p95Ms} ms   min ${stats.minMs} ms   max ${stats.maxMs} ms`,
    `  target: median < ${result.targetMedianMs} ms: ${result.meetsTarget ? 'met' : 'MISSED'}`,
  ].join('\n');
}

function atLeastOne(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('--edits must be a whole number of at least 1.');
  return Number(value);
}

export function registerFreshnessBench(bench: Command, progress: (quiet: boolean | undefined) => (message: string) => void): void {
  bench
    .command('freshness')
    .description('Edit-to-searchable latency: edits to a watched copy of the sample repository, timed until search finds them (median, p95)')
    .option('-n, --edits <n>', 'edits to time', atLeastOne, 30)
    .addOption(new Option('--backend <backend>', 'default: server when DATABASE_URL is set, else embedded').choices(['embedded', 'server']))
    .option('-o, --out <file>', 'also write the result JSON here')
    .option('--json', 'print the result JSON instead of the summary')
    .action(async (options: { edits: number; backend?: BenchBackend; out?: string; json?: boolean }) => {
      const result = await measureFreshness({ edits: options.edits, backend: options.backend, onProgress: progress(options.json) });
      if (options.out) await writeFile(options.out, `${JSON.stringify(result, null, 2)}\n`);
      if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else console.log(formatFreshness(result));
      if (!result.meetsTarget) process.exitCode = 1;
    });
}
