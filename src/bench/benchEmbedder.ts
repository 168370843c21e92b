// `bench embedder`: what an embedder costs per chunk and per query on one
// core, over the real chunks of a corpus (scanned and chunked as the indexer
// does) and labelled questions. The first pass over the chunks is the one an
// index pays (identifier caches cold); the second shows the warm cost. Costs
// are this process's CPU time (user + system), so other work on a shared
// machine does not inflate them; wall time is reported beside.

import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { chunkFile } from '../chunk/chunkFile.js';
import type { Embedder } from '../embed/embedder.js';
import { scanRepository } from '../scan/index.js';
import { percentile } from './latencyStats.js';

export interface EmbedderCost {
  embedder: string;
  dimensions: number;
  chunks: number;
  meanChunkChars: number;
  /** CPU time per chunk over the first pass (cold caches), microseconds. */
  microsecondsPerChunk: number;
  /** Wall-clock time per chunk over the first pass. */
  wallMicrosecondsPerChunk: number;
  /** Mean over a second pass (warm caches). */
  microsecondsPerChunkWarm: number;
  queries: number;
  queryMillisecondsMean: number;
  queryMillisecondsP95: number;
}

export interface EmbedderCostOptions {
  corpus: string;
  queries: string[];
  /** Most chunks embedded (the first ones, in path order). */
  maxChunks?: number;
  batchSize?: number;
}

export async function measureEmbedderCost(embedder: Embedder, options: EmbedderCostOptions): Promise<EmbedderCost> {
  const maxChunks = options.maxChunks ?? 20_000;
  const batchSize = options.batchSize ?? 256;
  const { files } = await scanRepository(options.corpus);
  const chunks: string[] = [];
  for (const file of files) {
    if (chunks.length >= maxChunks) break;
    const content = await readFile(file.absolutePath, 'utf8');
    const chunked = await chunkFile(file.relativePath, content);
    for (const chunk of chunked.chunks) if (chunks.length < maxChunks) chunks.push(chunk.content);
  }
  if (chunks.length === 0) throw new Error(`No chunks in ${options.corpus}: nothing to measure.`);
  const cpuMicroseconds = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return used.user + used.system;
  };
  const pass = async () => {
    const wallStarted = performance.now();
    const started = process.cpuUsage();
    for (let start = 0; start < chunks.length; start += batchSize) {
      await embedder.embedDocuments(chunks.slice(start, start + batchSize));
    }
    return { cpu: cpuMicroseconds(started) / chunks.length, wall: ((performance.now() - wallStarted) * 1000) / chunks.length };
  };
  const cold = await pass();
  const warm = await pass();
  const latencies: number[] = [];
  // Each question's CPU time; repeated so the clock's resolution does not dominate.
  const repeats = 20;
  for (const query of options.queries) {
    const started = process.cpuUsage();
    for (let i = 0; i < repeats; i++) await embedder.embedQuery(query);
    latencies.push(cpuMicroseconds(started) / repeats / 1000);
  }
  return {
    embedder: embedder.id,
    dimensions: embedder.dimensions,
    chunks: chunks.length,
    meanChunkChars: Math.round(chunks.reduce((sum, chunk) => sum + chunk.length, 0) / chunks.length),
    microsecondsPerChunk: cold.cpu,
    wallMicrosecondsPerChunk: cold.wall,
    microsecondsPerChunkWarm: warm.cpu,
    queries: latencies.length,
    queryMillisecondsMean: latencies.reduce((sum, value) => sum + value, 0) / Math.max(latencies.length, 1),
    queryMillisecondsP95: latencies.length ? percentile([...latencies].sort((a, b) => a - b), 95) : 0,
  };
}

export function formatEmbedderCost(cost: EmbedderCost): string {
  return [
    `Embedder ${cost.embedder} (${cost.dimensions} dimensions), one core, CPU time`,
    `  chunks   ${cost.chunks} (mean ${cost.meanChunkChars} chars): ${cost.microsecondsPerChunk.toFixed(1)} µs per chunk first pass (wall ${cost.wallMicrosecondsPerChunk.toFixed(1)} µs), ${cost.microsecondsPerChunkWarm.toFixed(1)} µs warm`,
    `  queries  ${cost.queries}: mean ${cost.queryMillisecondsMean.toFixed(3)} ms, p95 ${cost.queryMillisecondsP95.toFixed(3)} ms`,
  ].join('\n');
}
