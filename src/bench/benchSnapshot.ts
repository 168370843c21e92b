// `bench snapshot`: how long a backup and a restore of a real index take, on
// each backend and between them. The repository is indexed into a temporary
// home (and registry) first; everything is removed afterwards.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openBenchService, type BenchBackend, type BenchService } from './benchService.js';

export interface SnapshotBenchResult {
  schema: 'codebase-mcp-bench-snapshot/1';
  repo: string;
  source: BenchBackend;
  files: number;
  chunks: number;
  indexMs: number;
  backupMs: number;
  snapshotBytes: number;
  uncompressedBytes: number;
  restores: { into: BenchBackend; ms: number; verified: string[] }[];
}

export async function benchSnapshot(options: { repo: string; source: BenchBackend; targets: BenchBackend[]; onProgress?: (message: string) => void }): Promise<SnapshotBenchResult> {
  const opened: BenchService[] = [];
  try {
    const source = await openBenchService(options.source);
    opened.push(source);
    options.onProgress?.(`indexing ${options.repo} (${options.source})`);
    let started = performance.now();
    const indexed = await source.service.indexRepository({ path: options.repo, project: 'bench' });
    const indexMs = performance.now() - started;
    const file = join(source.home, 'bench.snapshot.jsonl.gz');
    options.onProgress?.('backing up');
    started = performance.now();
    const backup = await source.service.backup('bench', file);
    const backupMs = performance.now() - started;
    const restores: SnapshotBenchResult['restores'] = [];
    for (const into of options.targets) {
      const target = into === options.source ? source : await openBenchService(into);
      if (target !== source) opened.push(target);
      options.onProgress?.(`restoring into ${into}`);
      started = performance.now();
      const restored = await target.service.restore({ file, project: 'restored' });
      restores.push({ into, ms: Math.round(performance.now() - started), verified: restored.verified });
    }
    return {
      schema: 'codebase-mcp-bench-snapshot/1',
      repo: options.repo,
      source: options.source,
      files: indexed.summary.totalFiles,
      chunks: indexed.summary.totalChunks,
      indexMs: Math.round(indexMs),
      backupMs: Math.round(backupMs),
      snapshotBytes: backup.bytes,
      uncompressedBytes: backup.uncompressedBytes,
      restores,
    };
  } finally {
    for (const service of opened) await service.dispose();
  }
}

export function formatSnapshotBench(result: SnapshotBenchResult): string {
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return [
    `Snapshot of ${result.repo}: ${result.files} files, ${result.chunks} chunks, indexed on ${result.source} in ${(result.indexMs / 1000).toFixed(1)} s`,
    `  backup (${result.source}):  ${(result.backupMs / 1000).toFixed(2)} s, ${mb(result.snapshotBytes)} (${mb(result.uncompressedBytes)} uncompressed)`,
    ...result.restores.map((restore) => `  restore into ${restore.into}: ${(restore.ms / 1000).toFixed(2)} s (verified: ${restore.verified.join('; ')})`),
  ].join('\n');
}
