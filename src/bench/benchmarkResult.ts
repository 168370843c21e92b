// The shape of `baseline-results.json`: what `bench run` writes and what
// `bench report` and `bench compare` read.

import type { IndexStages } from '../indexer/indexRepository.js';
import type { BenchBackend } from './benchService.js';
import type { LatencyStats } from './latencyStats.js';
import type { MachineInfo, SoftwareVersions } from './machineInfo.js';

export const BENCHMARK_SCHEMA = 'codebase-mcp/bench-run@1';

export const TIMED_MODES = ['hybrid', 'semantic', 'lexical'] as const;
export type TimedMode = (typeof TIMED_MODES)[number];

export interface IndexMeasurement {
  wallMs: number;
  /** CPU time of this process (user + system) during the index: less sensitive than wall time to other load on the machine. Excludes a server's own CPU. */
  cpuMs: number;
  filesScanned: number;
  filesIndexed: number;
  filesUnchanged: number;
  chunksWritten: number;
  chunksEmbedded: number;
  totalFiles: number;
  totalChunks: number;
  /** Files scanned per second of wall time. */
  filesPerSecond: number;
  /** Chunks written per second of wall time. */
  chunksPerSecond: number;
  errors: number;
  /** Wall ms per stage of the run (IndexStages: preparation on a worker overlaps embedding and writing). Absent in results from before it was recorded. */
  stages?: IndexStages;
  /** CPU ms per stage, of the thread that ran it (Linux); absent where not measured. */
  stagesCpu?: IndexStages;
}

export interface SearchMeasurement extends LatencyStats {
  /** Results per query, on average: a search that finds nothing is fast for the wrong reason. */
  meanResults: number;
}

export type RipgrepMeasurement = (SearchMeasurement & { available: true; command: string }) | { available: false; reason: string };

export interface BenchmarkResult {
  schema: typeof BENCHMARK_SCHEMA;
  createdAt: string;
  machine: MachineInfo;
  versions: SoftwareVersions & {
    /** PostgreSQL of the backend (inside PGlite when embedded). */
    postgres: string;
    pgvector: string | null;
    ripgrep: string | null;
    embedder: string;
  };
  backend: BenchBackend;
  corpus: { path: string; hash: string; files: number; bytes: number; lines: number };
  settings: {
    queries: number;
    warmupQueries: number;
    querySeed: number;
    limit: number;
    maxTokens: number;
  };
  /** One-time costs kept out of the index timings: embedder load, first data directory. */
  setup: {
    warmupMs: number;
    /** Whether the index was read into memory before the searches (absent in older results), and how long that took. */
    inMemory?: boolean;
    memoryReadMs?: number;
  };
  /** 1-minute load average when the full index started and when the run ended: above the core count, other work competed for the CPU. */
  load: { atStart: number; atEnd: number };
  index: {
    full: IndexMeasurement;
    noChange: IndexMeasurement;
    oneFileChanged: IndexMeasurement & { changedFile: string };
  };
  memory: {
    /**
     * High-water mark of this process's resident set through indexing and the
     * product's searches (includes embedded PGlite; not a server's memory).
     */
    peakRssBytes: number;
    peakRssAfterFullIndexBytes: number;
    /** The same at the very end: parsing the ripgrep yardstick's output (every match of common words) grows the heap too. */
    peakRssWithYardstickBytes: number;
  };
  search: Record<TimedMode, SearchMeasurement>;
  ripgrep: RipgrepMeasurement;
}
