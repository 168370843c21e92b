// The targets a benchmark result is held against: the seed plan's two and the
// product's own. Each check says pass or miss, and by how much a miss misses.

import type { BenchmarkResult } from './benchmarkResult.js';
import { TIMED_MODES } from './benchmarkResult.js';
import type { QualityResult } from './qualityResult.js';

export type TargetStatus = 'pass' | 'miss' | 'n/a';

export interface TargetCheck {
  id: string;
  source: 'seed' | 'product';
  target: string;
  /** Measured value in `unit`; null when not measured. */
  measured: number | null;
  unit: 'ms' | 'bytes' | 'mrr';
  limit: number | null;
  status: TargetStatus;
  /** For a miss: by how much; for n/a: why. */
  note: string;
}

export const TARGET_FILES = 10_000;
const GIB = 1024 ** 3;

function upperBound(id: string, source: TargetCheck['source'], target: string, measured: number, limit: number, unit: 'ms' | 'bytes'): TargetCheck {
  const pass = measured < limit;
  const over = measured - limit;
  const amount = unit === 'ms' ? formatMs(over) : `${(over / GIB).toFixed(2)} GiB`;
  return {
    id,
    source,
    target,
    measured,
    unit,
    limit,
    status: pass ? 'pass' : 'miss',
    note: pass ? '' : `misses by ${amount} (${Math.round((over / limit) * 100)}% over)`,
  };
}

export function formatMs(ms: number): string {
  return Math.abs(ms) >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`;
}

function notApplicable(id: string, source: TargetCheck['source'], target: string, measured: number | null, unit: TargetCheck['unit'], note: string): TargetCheck {
  return { id, source, target, measured, unit, limit: null, status: 'n/a', note };
}

export function checkTargets(result: BenchmarkResult, quality?: QualityResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const fullMs = result.index.full.wallMs;
  const fullSized = result.corpus.files >= TARGET_FILES;
  const sizeNote = `the corpus has ${result.corpus.files} files; the target is for ${TARGET_FILES.toLocaleString('en-US')}`;
  const worstP95 = Math.max(...TIMED_MODES.map((mode) => result.search[mode].p95Ms));

  checks.push(
    fullSized
      ? upperBound('seed.index', 'seed', 'index 10,000 files < 60 s', fullMs, 60_000, 'ms')
      : notApplicable('seed.index', 'seed', 'index 10,000 files < 60 s', fullMs, 'ms', sizeNote),
  );
  checks.push(upperBound('seed.search-p95', 'seed', 'search p95 < 500 ms (slowest mode)', worstP95, 500, 'ms'));

  const indexLimit = result.backend === 'server' ? 30_000 : 60_000;
  const indexTarget = `index 10,000 files < ${indexLimit / 1000} s (${result.backend})`;
  checks.push(
    fullSized
      ? upperBound('product.index', 'product', indexTarget, fullMs, indexLimit, 'ms')
      : notApplicable('product.index', 'product', indexTarget, fullMs, 'ms', sizeNote),
  );
  checks.push(upperBound('product.reindex-unchanged', 'product', 'no-change re-index < 3 s', result.index.noChange.wallMs, 3000, 'ms'));
  for (const mode of TIMED_MODES) {
    checks.push(upperBound(`product.search-p95.${mode}`, 'product', `${mode} search p95 < 50 ms`, result.search[mode].p95Ms, 50, 'ms'));
  }
  checks.push(upperBound('product.peak-memory', 'product', 'peak memory < 1.5 GiB', result.memory.peakRssBytes, 1.5 * GIB, 'bytes'));
  checks.push(qualityCheck(quality));
  return checks;
}

function qualityCheck(quality: QualityResult | undefined): TargetCheck {
  const target = 'hybrid beats lexical and ripgrep on MRR@10';
  if (!quality) return notApplicable('product.quality', 'product', target, null, 'mrr', 'no quality result given (--quality FILE from bench quality --out)');
  const hybrid = quality.modes.hybrid.mrrAt10;
  const rivals = [
    { name: 'lexical', mrr: quality.modes.lexical.mrrAt10 },
    ...(quality.modes.ripgrep ? [{ name: 'ripgrep', mrr: quality.modes.ripgrep.mrrAt10 }] : []),
  ];
  const best = rivals.reduce((a, b) => (b.mrr > a.mrr ? b : a));
  const pass = rivals.every((rival) => hybrid > rival.mrr) && quality.modes.ripgrep !== undefined;
  const note = pass
    ? `hybrid ${hybrid.toFixed(3)} vs ${rivals.map((rival) => `${rival.name} ${rival.mrr.toFixed(3)}`).join(', ')}`
    : quality.modes.ripgrep === undefined
      ? 'ripgrep was not measured'
      : `hybrid ${hybrid.toFixed(3)} is short of ${best.name} ${best.mrr.toFixed(3)} by ${(best.mrr - hybrid).toFixed(3)}`;
  return { id: 'product.quality', source: 'product', target, measured: hybrid, unit: 'mrr', limit: best.mrr, status: pass ? 'pass' : 'miss', note };
}
