// Plain-text renderings of benchmark, target, comparison and quality results
// for people; `--json` prints the data itself instead.

import type { IndexStages } from '../indexer/indexRepository.js';
import type { BenchmarkResult } from './benchmarkResult.js';
import { TIMED_MODES } from './benchmarkResult.js';
import { formatMs, type TargetCheck } from './benchTargets.js';
import type { Comparison } from './compareResults.js';
import type { GeneratedTree } from './generateRepository.js';
import { QUALITY_RANKERS, type QualityResult } from './qualityResult.js';
import { COPIED_RUN } from './queryOverlap.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ').trimEnd());
}

export function formatBytes(bytes: number): string {
  return bytes >= GIB ? `${(bytes / GIB).toFixed(2)} GiB` : `${(bytes / MIB).toFixed(0)} MiB`;
}

export function formatGenerated(tree: GeneratedTree, elapsedMs: number): string {
  const languages = Object.entries(tree.filesByLanguage).map(([language, count]) => `${count} ${language}`).join(', ');
  return [
    `Generated ${tree.files.toLocaleString('en-US')} files (${languages}) in ${tree.out} in ${formatMs(elapsedMs)}`,
    `  lines: ${tree.lines.toLocaleString('en-US')} (${tree.options.minLines}-${tree.options.maxLines} per file), size: ${formatBytes(tree.bytes)}, seed: ${tree.options.seed}`,
    `  tree hash: sha256:${tree.hash}`,
  ].join('\n');
}

function measuredText(check: TargetCheck): string {
  if (check.measured === null) return '-';
  if (check.unit === 'ms') return formatMs(check.measured);
  if (check.unit === 'bytes') return formatBytes(check.measured);
  return check.measured.toFixed(3);
}

export function formatReport(result: BenchmarkResult, checks: TargetCheck[]): string {
  const { full, noChange, oneFileChanged } = result.index;
  const lines = [
    `codebase-mcp benchmark, ${result.createdAt}`,
    `machine:  ${result.machine.cpuModel}, ${result.machine.cores} cores, ${formatBytes(result.machine.memoryBytes)} RAM; node ${result.versions.node}`,
    `backend:  ${result.backend} (PostgreSQL ${result.versions.postgres}, pgvector ${result.versions.pgvector ?? 'none'}); embedder ${result.versions.embedder}`,
    `corpus:   ${result.corpus.files.toLocaleString('en-US')} files, ${result.corpus.lines.toLocaleString('en-US')} lines, ${formatBytes(result.corpus.bytes)} (sha256:${result.corpus.hash.slice(0, 16)}…)`,
    '',
    'Indexing',
    ...table([
      ['', 'wall', 'cpu', 'files/s', 'chunks/s', 'files changed', 'chunks'],
      ['full', formatMs(full.wallMs), formatMs(full.cpuMs), full.filesPerSecond.toFixed(0), full.chunksPerSecond.toFixed(0), String(full.filesIndexed), String(full.totalChunks)],
      ['no change', formatMs(noChange.wallMs), formatMs(noChange.cpuMs), noChange.filesPerSecond.toFixed(0), '-', String(noChange.filesIndexed), String(noChange.totalChunks)],
      ['one file changed', formatMs(oneFileChanged.wallMs), formatMs(oneFileChanged.cpuMs), oneFileChanged.filesPerSecond.toFixed(0), '-', String(oneFileChanged.filesIndexed), String(oneFileChanged.totalChunks)],
    ]).map((line) => `  ${line}`),
    ...formatStages(full.stages, full.stagesCpu),
    `  peak memory (RSS): ${formatBytes(result.memory.peakRssBytes)} (${formatBytes(result.memory.peakRssWithYardstickBytes ?? result.memory.peakRssBytes)} with the ripgrep runs); load average ${result.load.atStart} at the start, ${result.load.atEnd} at the end (${result.machine.cores} cores)`,
    '',
    `Search latency (${result.settings.queries} queries per mode after ${result.settings.warmupQueries} warm-up, limit ${result.settings.limit}${searchSource(result.setup)})`,
    ...table([
      ['', 'p50', 'p95', 'p99', 'mean', 'results/query'],
      ...TIMED_MODES.map((mode) => {
        const stats = result.search[mode];
        return [mode, formatMs(stats.p50Ms), formatMs(stats.p95Ms), formatMs(stats.p99Ms), formatMs(stats.meanMs), stats.meanResults.toFixed(1)];
      }),
      result.ripgrep.available
        ? ['ripgrep (yardstick)', formatMs(result.ripgrep.p50Ms), formatMs(result.ripgrep.p95Ms), formatMs(result.ripgrep.p99Ms), formatMs(result.ripgrep.meanMs), result.ripgrep.meanResults.toFixed(1)]
        : ['ripgrep (yardstick)', 'not measured', '', '', '', ''],
    ]).map((line) => `  ${line}`),
    ...(result.ripgrep.available ? [] : [`  ripgrep: ${result.ripgrep.reason}`]),
    '',
    ...formatTargets(checks),
  ];
  return lines.join('\n');
}

/** The full index's stage profile, one line (preparation runs on workers, beside embedding and writing); `wall / cpu` where CPU was measured. */
function formatStages(stages: IndexStages | undefined, cpu: IndexStages | undefined): string[] {
  if (!stages) return [];
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  const stage = (name: keyof IndexStages) => (cpu ? `${seconds(stages[name])} / ${seconds(cpu[name])} s` : `${seconds(stages[name])} s`);
  return [
    `  full index stages (${cpu ? 'wall / cpu of its thread' : 'wall'}): scan ${stage('scan')}; on the workers: read ${stage('read')}, parse+chunk ${stage('parse')}, lexemes ${stage('lexemes')};` +
      ` main thread: waiting for the workers ${stage('waitForPreparation')}, embed ${stage('embed')}, write ${stage('write')}, backfill ${stage('backfill')}, vector index ${stage('vectorIndex')}, finalise ${stage('finalise')}`,
  ];
}

export function formatTargets(checks: TargetCheck[]): string[] {
  const label = { pass: 'PASS', miss: 'MISS', 'n/a': 'N/A ' } as const;
  const rows = checks.map((check) => [`${label[check.status]}  ${check.source === 'seed' ? 'seed   ' : 'product'}  ${check.target}`, measuredText(check), check.note]);
  const width = Math.max(...rows.map((row) => row[0].length));
  const misses = checks.filter((check) => check.status === 'miss').length;
  return [
    'Targets',
    ...rows.map(([what, measured, note]) => `  ${what.padEnd(width)}  ${measured.padStart(9)}${note ? `  ${note}` : ''}`),
    '',
    misses ? `${misses} of ${checks.filter((check) => check.status !== 'n/a').length} targets missed.` : 'Every measured target passed.',
  ];
}

function formatChange(change: number | null): string {
  if (change === null) return '-';
  if (!Number.isFinite(change)) return change > 0 ? '+inf' : '-inf';
  return `${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%`;
}

function formatValue(value: number | null, unit: string): string {
  if (value === null) return '-';
  if (unit === 'ms') return formatMs(value);
  if (unit === 'bytes') return formatBytes(value);
  if (unit === 'score') return value.toFixed(3);
  return value.toFixed(1);
}

export function formatComparison(comparison: Comparison): string {
  const rows = [
    ['metric', 'old', 'new', 'change', ''],
    ...comparison.metrics.map((entry) => [
      entry.name,
      formatValue(entry.old, entry.unit),
      formatValue(entry.new, entry.unit),
      formatChange(entry.change),
      entry.regression ? (entry.yardstick ? 'slower (yardstick: machine drift?)' : 'REGRESSION') : '',
    ]),
  ];
  const lines = table(rows);
  const verdict = comparison.regressions.length
    ? `${comparison.regressions.length} regression(s) of more than ${Math.round(comparison.threshold * 100)}%: ${comparison.regressions.join(', ')}`
    : `No metric is more than ${Math.round(comparison.threshold * 100)}% worse.`;
  return [...comparison.warnings.map((warning) => `warning: ${warning}`), ...lines, '', verdict].join('\n');
}

const QUERY_COLUMN = 60;

/**
 * One row per question: the gold file's rank in each mode and for ripgrep
 * ("-" when below the cutoff), so a change in the scores can be traced to the
 * questions that moved.
 */
export function formatPerQuery(result: QualityResult): string {
  const rankers = QUALITY_RANKERS.filter((ranker) => result.modes[ranker]);
  const rank = (value: number | null | undefined) => (value === undefined ? '?' : value === null ? '-' : String(value));
  const rows = [
    ['#', 'question', 'gold file', ...rankers],
    ...result.perQuery.map((outcome, index) => [
      String(index + 1),
      outcome.query.length > QUERY_COLUMN ? `${outcome.query.slice(0, QUERY_COLUMN - 1)}…` : outcome.query,
      outcome.file,
      ...rankers.map((ranker) => rank(outcome.ranks[ranker])),
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  // Text columns left-aligned, ranks right-aligned.
  const lines = rows.map((row) => row.map((cell, column) => (column >= 1 && column <= 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ').trimEnd());
  return [`Per question: rank of the gold file among distinct result files (past ${result.settings.cutoff} counts as a miss; - not found)`, '', ...lines.map((line) => `  ${line}`)].join('\n');
}

export function formatQuality(result: QualityResult): string {
  const rows = [
    ['ranker', 'MRR@10', 'Recall@1', 'Recall@5', 'Recall@10', 'nDCG@10'],
    ...QUALITY_RANKERS.flatMap((ranker) => {
      const scores = result.modes[ranker];
      if (!scores) return [[`${ranker} (not measured)`, '-', '-', '-', '-', '-']];
      return [[ranker === 'ripgrep' ? 'ripgrep (yardstick)' : ranker, scores.mrrAt10.toFixed(3), scores.recallAt1.toFixed(3), scores.recallAt5.toFixed(3), scores.recallAt10.toFixed(3), scores.ndcgAt10.toFixed(3)]];
    }),
  ];
  const copied = result.perQuery.filter((outcome) => outcome.sharedRun >= COPIED_RUN);
  return [
    `Retrieval quality: ${result.perQuery.length} questions over ${result.corpus.files.toLocaleString('en-US')} files (${result.corpus.path}), ${result.backend} store`,
    `File-level ranking: distinct files of the top ${result.settings.searchLimit} chunks; a gold file below rank ${result.settings.cutoff} counts as a miss.`,
    '',
    ...table(rows).map((line) => `  ${line}`),
    ...(copied.length
      ? ['', `warning: ${copied.length} question(s) share ${COPIED_RUN}+ consecutive words with their gold file:`, ...copied.map((outcome) => `  "${outcome.query}" (${outcome.sharedRun} words, ${outcome.file})`)]
      : []),
  ].join('\n');
}

/** Where the timed searches ranked: from memory (read first, in how long) or in the database. */
function searchSource(setup: BenchmarkResult['setup']): string {
  if (setup.inMemory === undefined) return '';
  return setup.inMemory ? `; index read into memory first, in ${formatMs(setup.memoryReadMs ?? 0)}` : '; ranked in the database (too large for memory)';
}
