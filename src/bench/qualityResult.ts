// The shape of a `bench quality` result file.

import type { QualityScores } from '../search/retrievalMetrics.js';
import type { BenchBackend } from './benchService.js';
import type { MachineInfo, SoftwareVersions } from './machineInfo.js';

export const QUALITY_SCHEMA = 'codebase-mcp/bench-quality@1';

export const QUALITY_RANKERS = ['hybrid', 'semantic', 'lexical', 'ripgrep'] as const;
export type QualityRanker = (typeof QUALITY_RANKERS)[number];

export interface QueryOutcome {
  query: string;
  file: string;
  symbol?: string;
  /** 1-based rank of the gold file among distinct result files, null when not in the top `cutoff`. */
  ranks: Partial<Record<QualityRanker, number | null>>;
  /** Longest run of consecutive query words found verbatim in the gold file. */
  sharedRun: number;
}

export interface QualityResult {
  schema: typeof QUALITY_SCHEMA;
  createdAt: string;
  machine: MachineInfo;
  versions: SoftwareVersions & { ripgrep: string | null; embedder: string };
  backend: BenchBackend;
  corpus: { path: string; hash: string; files: number };
  /** What indexing the corpus produced and took (absent in files written before it was recorded). */
  index?: { files: number; chunks: number; durationMs: number };
  queriesFile: string;
  settings: {
    /** Chunks fetched per search; their distinct files form the ranking. */
    searchLimit: number;
    cutoff: number;
  };
  /** ripgrep is absent when rg is not installed. */
  modes: Record<Exclude<QualityRanker, 'ripgrep'>, QualityScores> & { ripgrep?: QualityScores };
  perQuery: QueryOutcome[];
}
