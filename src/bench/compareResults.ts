// `bench compare`: the same metrics from two result files (two benchmark runs,
// or two quality runs), each flagged when it got more than a threshold worse
// in its own direction: a time that went up, a throughput or a score that went down.

import { TIMED_MODES, type BenchmarkResult } from './benchmarkResult.js';
import { QUALITY_RANKERS, type QualityResult } from './qualityResult.js';

export type Direction = 'lower-is-better' | 'higher-is-better';

export interface MetricDefinition {
  name: string;
  direction: Direction;
  unit: 'ms' | 'bytes' | 'per-second' | 'score';
  /** Yardstick metrics (ripgrep) say how the machine drifted; they are shown but never count as a regression. */
  yardstick?: boolean;
  read: (result: never) => number | undefined;
}

export interface MetricComparison {
  name: string;
  unit: MetricDefinition['unit'];
  direction: Direction;
  old: number | null;
  new: number | null;
  /** Relative change, new vs old, as a fraction (0.12 = 12% higher). */
  change: number | null;
  /** Worse by more than the threshold in this metric's direction. */
  regression: boolean;
  yardstick: boolean;
}

export interface Comparison {
  kind: 'benchmark' | 'quality';
  threshold: number;
  metrics: MetricComparison[];
  regressions: string[];
  /** Differences that make the comparison less meaningful (another corpus, machine or backend). */
  warnings: string[];
}

type Reader<T> = (result: T) => number | undefined;
const metric = <T>(name: string, direction: Direction, unit: MetricDefinition['unit'], read: Reader<T>, yardstick = false): MetricDefinition => ({
  name,
  direction,
  unit,
  read: read as MetricDefinition['read'],
  yardstick,
});

const BENCHMARK_METRICS: MetricDefinition[] = [
  metric<BenchmarkResult>('index.full.wallMs', 'lower-is-better', 'ms', (r) => r.index.full.wallMs),
  metric<BenchmarkResult>('index.full.filesPerSecond', 'higher-is-better', 'per-second', (r) => r.index.full.filesPerSecond),
  metric<BenchmarkResult>('index.full.chunksPerSecond', 'higher-is-better', 'per-second', (r) => r.index.full.chunksPerSecond),
  metric<BenchmarkResult>('index.noChange.wallMs', 'lower-is-better', 'ms', (r) => r.index.noChange.wallMs),
  metric<BenchmarkResult>('index.oneFileChanged.wallMs', 'lower-is-better', 'ms', (r) => r.index.oneFileChanged.wallMs),
  metric<BenchmarkResult>('memory.peakRssBytes', 'lower-is-better', 'bytes', (r) => r.memory.peakRssBytes),
  ...TIMED_MODES.flatMap((mode) =>
    (['p50Ms', 'p95Ms', 'p99Ms'] as const).map((stat) =>
      metric<BenchmarkResult>(`search.${mode}.${stat}`, 'lower-is-better', 'ms', (r) => r.search[mode][stat]),
    ),
  ),
  ...(['p50Ms', 'p95Ms', 'p99Ms'] as const).map((stat) =>
    metric<BenchmarkResult>(`ripgrep.${stat}`, 'lower-is-better', 'ms', (r) => (r.ripgrep.available ? r.ripgrep[stat] : undefined), true),
  ),
];

const QUALITY_METRICS: MetricDefinition[] = QUALITY_RANKERS.flatMap((ranker) =>
  (['mrrAt10', 'recallAt1', 'recallAt5', 'recallAt10', 'ndcgAt10'] as const).map((score) =>
    metric<QualityResult>(`${ranker}.${score}`, 'higher-is-better', 'score', (r) => r.modes[ranker]?.[score], ranker === 'ripgrep'),
  ),
);

export interface CompareOptions {
  /** Fraction: 0.10 flags a metric more than 10% worse. */
  threshold: number;
  /** Time differences smaller than this many milliseconds are noise, never a regression. */
  noiseMs: number;
}

export const DEFAULT_COMPARE_OPTIONS: CompareOptions = { threshold: 0.1, noiseMs: 1 };

function kindOf(result: { schema?: string }): 'benchmark' | 'quality' {
  if (result.schema === 'codebase-mcp/bench-run@1') return 'benchmark';
  if (result.schema === 'codebase-mcp/bench-quality@1') return 'quality';
  throw new Error(`not a codebase-mcp benchmark or quality result (schema ${JSON.stringify(result.schema)})`);
}

function compareMetric(definition: MetricDefinition, oldValue: number | undefined, newValue: number | undefined, options: CompareOptions): MetricComparison {
  const base = { name: definition.name, unit: definition.unit, direction: definition.direction, yardstick: definition.yardstick === true };
  if (oldValue === undefined || newValue === undefined || !Number.isFinite(oldValue) || !Number.isFinite(newValue)) {
    return { ...base, old: oldValue ?? null, new: newValue ?? null, change: null, regression: false };
  }
  const change = oldValue === 0 ? (newValue === 0 ? 0 : Number.POSITIVE_INFINITY * Math.sign(newValue)) : (newValue - oldValue) / Math.abs(oldValue);
  const worse = definition.direction === 'lower-is-better' ? change : -change;
  const belowNoise = definition.unit === 'ms' && Math.abs(newValue - oldValue) < options.noiseMs;
  return { ...base, old: oldValue, new: newValue, change, regression: worse > options.threshold && !belowNoise };
}

export function compareResults(oldResult: unknown, newResult: unknown, options: CompareOptions = DEFAULT_COMPARE_OPTIONS): Comparison {
  const oldKind = kindOf(oldResult as { schema?: string });
  const newKind = kindOf(newResult as { schema?: string });
  if (oldKind !== newKind) throw new Error(`cannot compare a ${oldKind} result with a ${newKind} result`);
  const definitions = oldKind === 'benchmark' ? BENCHMARK_METRICS : QUALITY_METRICS;
  const metrics = definitions.map((definition) =>
    compareMetric(definition, definition.read(oldResult as never), definition.read(newResult as never), options),
  );
  return {
    kind: oldKind,
    threshold: options.threshold,
    metrics,
    regressions: metrics.filter((entry) => entry.regression && !entry.yardstick).map((entry) => entry.name),
    warnings: comparabilityWarnings(oldResult as BenchmarkResult | QualityResult, newResult as BenchmarkResult | QualityResult),
  };
}

function comparabilityWarnings(a: BenchmarkResult | QualityResult, b: BenchmarkResult | QualityResult): string[] {
  const warnings: string[] = [];
  if (a.corpus.hash !== b.corpus.hash) warnings.push(`different corpora (${a.corpus.hash.slice(0, 12)} vs ${b.corpus.hash.slice(0, 12)})`);
  if (a.backend !== b.backend) warnings.push(`different backends (${a.backend} vs ${b.backend})`);
  if (a.machine.cpuModel !== b.machine.cpuModel || a.machine.cores !== b.machine.cores) {
    warnings.push(`different machines (${a.machine.cpuModel} × ${a.machine.cores} vs ${b.machine.cpuModel} × ${b.machine.cores})`);
  }
  return warnings;
}
