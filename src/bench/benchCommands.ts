// `codebase-mcp bench …`: the baseline tooling as CLI subcommands. Each is a
// thin adapter over one function of this folder.

import { Command, InvalidArgumentError, Option } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../config/config.js';
import { createEmbedder } from '../embed/createEmbedder.js';
import { UserError } from '../errors/userError.js';
import type { BenchmarkResult } from './benchmarkResult.js';
import { formatEmbedderCost, measureEmbedderCost } from './benchEmbedder.js';
import { formatComparison, formatGenerated, formatPerQuery, formatQuality, formatReport } from './benchFormat.js';
import { checkTargets } from './benchTargets.js';
import { compareResults, DEFAULT_COMPARE_OPTIONS } from './compareResults.js';
import { evaluateQuality, loadLabelledQueries } from './evaluateQuality.js';
import { corpusModules, DEFAULT_CORPUS_OPTIONS, GENERATED_LANGUAGES, generateRepository } from './generateRepository.js';
import type { GeneratedLanguage } from './languageSyntax.js';
import type { QualityResult } from './qualityResult.js';
import { DEFAULT_BENCHMARK_SETTINGS, runBenchmark, timeSearches } from './runBenchmark.js';
import { benchmarkQueries } from './benchQueries.js';
import { TIMED_MODES, type SearchMeasurement } from './benchmarkResult.js';
import { CodebaseService } from '../core/codebaseService.js';
import { silentLogger } from '../logging/logger.js';
import { loadavg } from 'node:os';
import { firstSyntaxProblem } from './syntaxCheck.js';
import { registerFreshnessBench } from './freshnessBenchmark.js';
import { DEFAULT_LOAD_QUERIES, formatLoadResult, LOAD_LIMITS, runLoadBenchmark } from './loadBench.js';
import { benchSnapshot, formatSnapshotBench } from './benchSnapshot.js';
import { formatFrontendLatency, measureFrontendLatency } from './frontendLatency.js';

function wholeNumber(name: string, min: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}.`);
    return Number(value);
  };
}

function languageList(value: string): GeneratedLanguage[] {
  const languages = value.split(',').map((language) => language.trim().toLowerCase()).filter(Boolean);
  const unknown = languages.filter((language) => !GENERATED_LANGUAGES.includes(language as GeneratedLanguage));
  if (unknown.length || languages.length === 0) {
    throw new InvalidArgumentError(`choose from ${GENERATED_LANGUAGES.join(', ')} (comma-separated)`);
  }
  return [...new Set(languages)] as GeneratedLanguage[];
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Progress for people goes to stderr, so stdout stays the result. */
function progressLine(quiet: boolean | undefined): (message: string) => void {
  const started = performance.now();
  return (message) => {
    if (!quiet) process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
  };
}

async function readResult<T>(path: string, what: string): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    throw new UserError('INVALID_INPUT', `Cannot read ${what} ${path}: ${(error as Error).message}.`, 'Pass a file written by codebase-mcp bench run (or bench quality --out).');
  }
}

function assertSchema(value: { schema?: string }, schema: string, path: string): void {
  if (value.schema !== schema) {
    throw new UserError('INVALID_INPUT', `${path} is not a ${schema} result (schema ${JSON.stringify(value.schema)}).`, 'Pass a file written by the matching bench command.');
  }
}

/** The generated query set of `bench run` and `bench search`: how many, warm-up, seed. */
function withQueryOptions(command: Command): Command {
  return command
    .option('-q, --queries <n>', 'timed queries per mode', wholeNumber('--queries', 1), DEFAULT_BENCHMARK_SETTINGS.queries)
    .option('--warmup <n>', 'untimed warm-up queries per mode', wholeNumber('--warmup', 0), DEFAULT_BENCHMARK_SETTINGS.warmupQueries)
    .option('--query-seed <n>', 'seed of the generated query set', wholeNumber('--query-seed', 0), DEFAULT_BENCHMARK_SETTINGS.querySeed);
}

export function registerBenchCommands(program: Command): void {
  const bench = program
    .command('bench')
    .description('Benchmark and quality tooling: generate a corpus, measure indexing and search, report against targets, compare runs')
    .addHelpText(
      'after',
      `
Typical use:
  codebase-mcp bench generate --out /tmp/corpus          10,000 Python files, seed 42
  codebase-mcp bench run --repo /tmp/corpus              writes baseline-results.json, prints the report
  codebase-mcp bench compare old.json baseline-results.json
  scripts/collect-baseline.sh                            all of the above, end to end
See docs/benchmarks.md.`,
    );

  bench
    .command('generate')
    .description('Write a deterministic synthetic repository (same options, byte-identical tree) and print its hash')
    .requiredOption('-o, --out <dir>', 'directory to write (must be empty, or hold an earlier generated corpus with --force)')
    .option('-n, --files <n>', 'number of files', wholeNumber('--files', 1), DEFAULT_CORPUS_OPTIONS.files)
    .option('-s, --seed <n>', 'random seed', wholeNumber('--seed', 0), DEFAULT_CORPUS_OPTIONS.seed)
    .addOption(
      new Option('--languages <list>', `comma-separated, files take them in turn: ${GENERATED_LANGUAGES.join(', ')}`)
        .argParser(languageList)
        .default([...DEFAULT_CORPUS_OPTIONS.languages], DEFAULT_CORPUS_OPTIONS.languages.join(',')),
    )
    .option('--min-lines <n>', 'fewest lines per file', wholeNumber('--min-lines', 40), DEFAULT_CORPUS_OPTIONS.minLines)
    .option('--max-lines <n>', 'most lines per file', wholeNumber('--max-lines', 40), DEFAULT_CORPUS_OPTIONS.maxLines)
    .option('-f, --force', 'replace a corpus generated in --out before')
    .option('--check-syntax', 'parse every file with tree-sitter and fail on any syntax error (about 5 ms per file)')
    .option('--json', 'print the summary as JSON')
    .action(async (options) => {
      const started = performance.now();
      const corpus = { files: options.files, seed: options.seed, languages: options.languages, minLines: options.minLines, maxLines: options.maxLines };
      const out = resolve(options.out);
      const tree = await generateRepository(out, corpus, {
        replace: options.force === true,
        onProgress: process.stderr.isTTY ? (done, total) => process.stderr.write(`\r  ${done}/${total} files`) : undefined,
      });
      if (process.stderr.isTTY) process.stderr.write('\n');
      let syntaxErrors: { path: string; line: number; node: string }[] | undefined;
      if (options.checkSyntax) {
        syntaxErrors = [];
        for (const module of corpusModules(corpus)) {
          const problem = await firstSyntaxProblem(module.language, module.content);
          if (problem) syntaxErrors.push({ path: module.path, ...problem });
        }
      }
      const elapsed = performance.now() - started;
      if (options.json) printJson({ ...tree, elapsedMs: Math.round(elapsed), ...(syntaxErrors ? { syntaxErrors } : {}) });
      else {
        console.log(formatGenerated(tree, elapsed));
        if (syntaxErrors) {
          console.log(syntaxErrors.length ? `  syntax: ${syntaxErrors.length} file(s) with errors, first ${syntaxErrors[0].path}:${syntaxErrors[0].line}` : '  syntax: every file parses without errors (tree-sitter)');
        }
      }
      if (syntaxErrors?.length) process.exitCode = 1;
    });

  withQueryOptions(bench
    .command('run'))
    .description('Measure indexing (full, unchanged, one file changed), peak memory and search latency per mode, with ripgrep as the yardstick')
    .requiredOption('-r, --repo <dir>', 'repository to benchmark (e.g. from bench generate); it is indexed into a temporary home')
    .option('-o, --out <file>', 'where to write the result JSON', 'baseline-results.json')
    .addOption(new Option('--backend <backend>', 'default: server when DATABASE_URL is set, else embedded').choices(['embedded', 'server']))
    .option('--no-ripgrep', 'skip the ripgrep yardstick')
    .option('--json', 'print the result JSON on stdout instead of the report')
    .action(async (options) => {
      const result = await runBenchmark({
        repo: resolve(options.repo),
        queries: options.queries,
        warmupQueries: options.warmup,
        querySeed: options.querySeed,
        limit: DEFAULT_BENCHMARK_SETTINGS.limit,
        maxTokens: DEFAULT_BENCHMARK_SETTINGS.maxTokens,
        backend: options.backend,
        withoutRipgrep: options.ripgrep === false,
        onProgress: progressLine(false),
      });
      const out = resolve(options.out);
      await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
      if (options.json) printJson(result);
      else console.log(`${formatReport(result, checkTargets(result))}\n\nWrote ${out}`);
    });

  withQueryOptions(bench
    .command('search'))
    .description('Time searches per mode on a project already indexed in this home (no re-index): p50/p95/p99 over the generated query set')
    .requiredOption('-p, --project <name>', 'an indexed project')
    .option('--modes <list>', 'comma-separated search modes', TIMED_MODES.join(','))
    .option('--json', 'print the measurements as JSON')
    .addHelpText('after', '\nRuns in this process: stop the shared service first (codebase-mcp service stop), which holds embedded projects open.')
    .action(async (options) => {
      const modes = String(options.modes).split(',').map((mode) => mode.trim());
      const unknown = modes.filter((mode) => !TIMED_MODES.includes(mode as (typeof TIMED_MODES)[number]));
      if (unknown.length) throw new UserError('INVALID_INPUT', `Unknown mode(s) ${unknown.join(', ')}.`, `Choose from ${TIMED_MODES.join(', ')}.`);
      const config = loadConfig();
      const service = CodebaseService.create(config, () => createEmbedder(config.embedder, { cacheDir: config.cacheDir }), silentLogger);
      try {
        const queries = benchmarkQueries(options.warmup + options.queries, options.querySeed);
        const settings = { limit: DEFAULT_BENCHMARK_SETTINGS.limit, maxTokens: DEFAULT_BENCHMARK_SETTINGS.maxTokens };
        const search: Record<string, SearchMeasurement & { load: number[] }> = {};
        for (const mode of modes as (typeof TIMED_MODES)[number][]) {
          const measured = await timeSearches(service, options.project, mode, queries.slice(0, options.warmup), queries.slice(options.warmup), settings);
          search[mode] = { ...measured, load: loadavg().map((value) => Math.round(value * 100) / 100) };
        }
        if (options.json) printJson({ project: options.project, backend: service.backend, queries: options.queries, warmup: options.warmup, search });
        else
          for (const [mode, measured] of Object.entries(search))
            console.log(`${mode.padEnd(9)} p50 ${measured.p50Ms} ms  p95 ${measured.p95Ms} ms  p99 ${measured.p99Ms} ms  max ${measured.maxMs} ms  (${measured.count} queries, load ${measured.load.join(' ')})`);
      } finally {
        await service.close();
      }
    });

  bench
    .command('frontends')
    .description('Warm CLI search latency (a process per search) and MCP search_code latency, through the shared service and in-process')
    .requiredOption('-r, --repo <dir>', 'repository to search (indexed into a temporary home)')
    .option('--cli-queries <n>', 'timed CLI searches per setting', wholeNumber('--cli-queries', 1), 20)
    .option('--mcp-queries <n>', 'timed search_code calls per setting', wholeNumber('--mcp-queries', 1), 100)
    .option('-o, --out <file>', 'also write the result JSON here')
    .option('--json', 'print the result JSON instead of the table')
    .action(async (options) => {
      const result = await measureFrontendLatency({
        repo: resolve(options.repo),
        cliQueries: options.cliQueries,
        mcpQueries: options.mcpQueries,
        onProgress: progressLine(options.json),
      });
      if (options.out) await writeFile(resolve(options.out), `${JSON.stringify(result, null, 2)}\n`);
      if (options.json) printJson(result);
      else console.log(formatFrontendLatency(result));
    });

  bench
    .command('report')
    .description('Print a benchmark result against the targets (seed and product), pass or miss for each')
    .argument('<file>', 'result JSON from bench run')
    .option('--quality <file>', 'quality result JSON from bench quality --out, for the MRR@10 target')
    .option('--strict', 'exit with status 1 when any target is missed')
    .option('--json', 'print the target checks as JSON')
    .action(async (file: string, options: { quality?: string; strict?: boolean; json?: boolean }) => {
      const result = await readResult<BenchmarkResult>(file, 'benchmark result');
      assertSchema(result, 'codebase-mcp/bench-run@1', file);
      const quality = options.quality ? await readResult<QualityResult>(options.quality, 'quality result') : undefined;
      if (quality && options.quality) assertSchema(quality, 'codebase-mcp/bench-quality@1', options.quality);
      const checks = checkTargets(result, quality);
      if (options.json) printJson({ file: resolve(file), backend: result.backend, corpus: result.corpus, checks });
      else console.log(quality ? `${formatReport(result, checks)}\n\n${formatQuality(quality)}` : formatReport(result, checks));
      if (options.strict && checks.some((check) => check.status === 'miss')) process.exitCode = 1;
    });

  bench
    .command('compare')
    .description('Compare two result files (bench run, or bench quality); flag each metric more than --threshold worse')
    .argument('<old>', 'the earlier result')
    .argument('<new>', 'the later result')
    .option('--threshold <percent>', 'how much worse counts as a regression', wholeNumber('--threshold', 0), DEFAULT_COMPARE_OPTIONS.threshold * 100)
    .option('--noise-ms <ms>', 'time differences below this never count', wholeNumber('--noise-ms', 0), DEFAULT_COMPARE_OPTIONS.noiseMs)
    .option('--json', 'print the comparison as JSON')
    .addHelpText('after', '\nExit status: 0 when nothing regressed, 1 when any metric regressed (ripgrep timings are shown but never count).')
    .action(async (oldFile: string, newFile: string, options: { threshold: number; noiseMs: number; json?: boolean }) => {
      const [oldResult, newResult] = await Promise.all([readResult<unknown>(oldFile, 'result'), readResult<unknown>(newFile, 'result')]);
      let comparison;
      try {
        comparison = compareResults(oldResult, newResult, { threshold: options.threshold / 100, noiseMs: options.noiseMs });
      } catch (error) {
        throw new UserError('INVALID_INPUT', `Cannot compare ${oldFile} with ${newFile}: ${(error as Error).message}.`, 'Compare two bench run results, or two bench quality results.');
      }
      if (options.json) printJson(comparison);
      else console.log(formatComparison(comparison));
      if (comparison.regressions.length > 0) process.exitCode = 1;
    });

  bench
    .command('quality')
    .description('Retrieval quality (MRR@10, Recall@1/5/10, nDCG@10) per search mode and for ripgrep keyword ranking, over labelled questions')
    .requiredOption('-c, --corpus <dir>', 'the codebase the questions are about (scripts/install-quality-corpus.sh installs the shipped one)')
    .requiredOption('-q, --queries <file>', 'JSON array of {"query", "file", "symbol"?}, e.g. bench/queries/django.json')
    .option('-o, --out <file>', 'also write the result JSON here (for bench report --quality and bench compare)')
    .addOption(new Option('--backend <backend>', 'default: server when DATABASE_URL is set, else embedded').choices(['embedded', 'server']))
    .option('--no-ripgrep', 'skip the ripgrep yardstick')
    .option('--candidates <file>', 'also write each hybrid search\'s two candidate lists here, for scripts/fit-fusion.mjs')
    .option('--per-query', 'also print each question with the gold file\'s rank in every mode')
    .option('--json', 'print the result JSON instead of the table')
    .action(async (options) => {
      const queries = await loadLabelledQueries(options.queries);
      const candidates: unknown[] = [];
      const result = await evaluateQuality({
        onCandidates: options.candidates ? (outcome, lists) => candidates.push({ query: outcome.query, file: outcome.file, ...lists }) : undefined,
        corpus: options.corpus,
        queries,
        queriesFile: options.queries,
        backend: options.backend,
        withoutRipgrep: options.ripgrep === false,
        onProgress: progressLine(options.json),
      });
      if (options.out) await writeFile(resolve(options.out), `${JSON.stringify(result, null, 2)}\n`);
      if (options.candidates) {
        const dump = { schema: 'codebase-mcp/fusion-candidates@1', queriesFile: resolve(options.queries), corpus: result.corpus, embedder: result.versions.embedder, searchLimit: result.settings.searchLimit, cutoff: result.settings.cutoff, queries: candidates };
        await writeFile(resolve(options.candidates), `${JSON.stringify(dump)}\n`);
      }
      if (options.json) printJson(result);
      else console.log(options.perQuery ? `${formatQuality(result)}\n\n${formatPerQuery(result)}` : formatQuality(result));
    });

  bench
    .command('load')
    .description('Concurrent MCP clients over Streamable HTTP (loopback only) searching one project while index jobs run on another: errors, p50/p95, server memory')
    .requiredOption('-r, --repo <dir>', 'repository to search (indexed into --home, or a temporary home)')
    .option('--clients <n>', `concurrent MCP clients (1-${LOAD_LIMITS.maxClients})`, wholeNumber('--clients', 1), 50)
    .option('--seconds <n>', `how long the load lasts (1-${LOAD_LIMITS.maxSeconds})`, wholeNumber('--seconds', 1), 60)
    .option('--interval-ms <n>', 'each client starts a search at most this often, like an assistant between tool calls (0: back to back, measuring capacity)', wholeNumber('--interval-ms', 0), 1000)
    .option('--no-index-load', 'no index jobs alongside the searches')
    .option('-q, --queries <file>', 'JSON array of {"query", "file"} to cycle through (default: a built-in list of general questions)')
    .option('--home <dir>', 'reuse this data home (and its index of --repo) instead of a temporary one')
    .option('-o, --out <file>', 'also write the result JSON here')
    .option('--json', 'print the result JSON instead of the summary')
    .action(async (options) => {
      const queries = options.queries ? (await loadLabelledQueries(options.queries)).map((entry) => entry.query) : DEFAULT_LOAD_QUERIES;
      const result = await runLoadBenchmark({
        repo: resolve(options.repo),
        clients: options.clients,
        seconds: options.seconds,
        queries,
        intervalMs: options.intervalMs,
        indexLoad: options.indexLoad,
        home: options.home ? resolve(options.home) : undefined,
        onProgress: progressLine(options.json),
      });
      if (options.out) await writeFile(resolve(options.out), `${JSON.stringify(result, null, 2)}\n`);
      if (options.json) printJson(result);
      else console.log(formatLoadResult(result));
      if (result.errors > 0) process.exitCode = 1;
    });
  bench
    .command('snapshot')
    .description('Time a backup and its restores: the repository is indexed on one backend, backed up, and restored into each backend')
    .requiredOption('-r, --repo <dir>', 'repository to index (e.g. from bench generate)')
    .addOption(new Option('--from <backend>', 'where it is indexed and backed up').choices(['embedded', 'server']).default('embedded'))
    .option('--json', 'print the result JSON')
    .addHelpText('after', '\nRestores go into the embedded store, and into the server too when DATABASE_URL is set.')
    .action(async (options) => {
      const server = Boolean(process.env.CODEBASE_MCP_DATABASE_URL || process.env.DATABASE_URL);
      const result = await benchSnapshot({
        repo: resolve(options.repo),
        source: options.from,
        targets: server ? ['embedded', 'server'] : ['embedded'],
        onProgress: progressLine(options.json),
      });
      if (options.json) printJson(result);
      else console.log(formatSnapshotBench(result));
    });

  registerFreshnessBench(bench, progressLine);

  bench
    .command('embedder')
    .description('Cost of the configured embedder (CODEBASE_MCP_EMBEDDER) per chunk and per query, on one core, over a corpus and labelled questions')
    .requiredOption('-c, --corpus <dir>', 'a codebase: its files are scanned and chunked as the indexer does')
    .requiredOption('-q, --queries <file>', 'labelled questions (bench/queries/*.json); only the question texts are used')
    .option('--max-chunks <n>', 'most chunks embedded', wholeNumber('--max-chunks', 1), 20_000)
    .option('--json', 'print the result JSON')
    .action(async (options) => {
      const config = loadConfig();
      const embedder = await createEmbedder(config.embedder, { cacheDir: config.cacheDir });
      const queries = (await loadLabelledQueries(options.queries)).map((query) => query.query);
      const cost = await measureEmbedderCost(embedder, { corpus: options.corpus, queries, maxChunks: options.maxChunks });
      if (options.json) printJson(cost);
      else console.log(formatEmbedderCost(cost));
    });
}
