// `bench quality`: indexes a corpus through the core API on a throwaway home,
// asks every labelled question in every mode and through the ripgrep
// yardstick, and scores where the gold file lands.

import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { embedderIdFor } from '../embed/createEmbedder.js';
import { UserError } from '../errors/userError.js';
import type { SearchResponse } from '../search/hybridSearcher.js';
import { goldRank, qualityScores, type LabelledQuery } from '../search/retrievalMetrics.js';
import { openBenchService, type BenchBackend } from './benchService.js';
import { machineInfo, softwareVersions } from './machineInfo.js';
import { QUALITY_SCHEMA, type QualityRanker, type QualityResult, type QueryOutcome } from './qualityResult.js';
import { longestSharedRun } from './queryOverlap.js';
import { rankFilesWithRipgrep, ripgrepVersion } from './ripgrepRanking.js';
import { hashDirectory } from './treeHash.js';

const labelledQueriesSchema = z
  .array(
    z.object({
      query: z.string().trim().min(1),
      file: z.string().min(1),
      symbol: z.string().min(1).optional(),
      kind: z.string().optional(),
    }),
  )
  .min(1);

export async function loadLabelledQueries(path: string): Promise<LabelledQuery[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UserError('INVALID_INPUT', `Cannot read the query file ${path}: ${(error as Error).message}.`, 'Pass a JSON array of {"query", "file", "symbol"?}.');
  }
  const checked = labelledQueriesSchema.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new UserError('INVALID_INPUT', `Query file ${path} is not valid at ${issue.path.join('.') || 'top level'}: ${issue.message}.`, 'Each entry needs "query" and "file" (relative to the corpus), optionally "symbol".');
  }
  return checked.data;
}

export interface QualityOptions {
  corpus: string;
  queries: LabelledQuery[];
  queriesFile: string;
  backend?: BenchBackend;
  withoutRipgrep?: boolean;
  onProgress?: (message: string) => void;
  /** Called with each hybrid search's two candidate lists before fusion (to re-fit the fusion offline). */
  onCandidates?: (outcome: QueryOutcome, candidates: NonNullable<SearchResponse['candidates']>) => void;
}

/** Chunks fetched per question: their distinct files, in order, are the ranking that is scored. */
export const QUALITY_SEARCH_LIMIT = 30;
export const QUALITY_CUTOFF = 10;
const PROJECT = 'quality';

async function assertGoldFilesExist(corpus: string, queries: LabelledQuery[]): Promise<void> {
  const missing: string[] = [];
  for (const file of new Set(queries.map((query) => query.file))) {
    const found = await stat(join(corpus, file)).then((info) => info.isFile(), () => false);
    if (!found) missing.push(file);
  }
  if (missing.length) {
    throw new UserError(
      'INVALID_INPUT',
      `${missing.length} gold file(s) are not in the corpus ${corpus}: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}.`,
      'Install the corpus the query set was written for (scripts/install-quality-corpus.sh), or fix the paths.',
    );
  }
}

export async function evaluateQuality(options: QualityOptions): Promise<QualityResult> {
  const progress = options.onProgress ?? (() => {});
  const corpusPath = resolve(options.corpus);
  await assertGoldFilesExist(corpusPath, options.queries);
  const corpus = await hashDirectory(corpusPath);
  const outcomes: QueryOutcome[] = [];
  for (const labelled of options.queries) {
    const gold = await readFile(join(corpusPath, labelled.file), 'utf8');
    outcomes.push({
      query: labelled.query,
      file: labelled.file,
      ...(labelled.symbol ? { symbol: labelled.symbol } : {}),
      ranks: {},
      sharedRun: longestSharedRun(labelled.query, gold),
    });
  }

  const bench = await openBenchService(options.backend);
  let index: QualityResult['index'];
  try {
    progress(`indexing ${corpus.files} files (${bench.backend} store)`);
    const { project, summary } = await bench.service.indexRepository({ path: corpusPath, project: PROJECT });
    index = { files: summary.totalFiles, chunks: summary.totalChunks, durationMs: summary.durationMs };
    progress(`indexed ${index.files} files, ${index.chunks} chunks in ${(index.durationMs / 1000).toFixed(1)} s`);
    // Every question answered as a long-lived service answers it: from memory when the project fits.
    if (await bench.service.readIntoMemory(PROJECT)) progress('read into memory');
    for (const mode of ['hybrid', 'semantic', 'lexical'] as const) {
      progress(`${options.queries.length} ${mode} searches`);
      for (const outcome of outcomes) {
        const response = await bench.service.search(
          { query: outcome.query, project: project.name, mode, limit: QUALITY_SEARCH_LIMIT, max_tokens: 100_000 },
          [],
          { traceCandidates: mode === 'hybrid' && options.onCandidates !== undefined },
        );
        if (response.candidates) options.onCandidates?.(outcome, response.candidates);
        outcome.ranks[mode] = goldRank(response.results.map((hit) => hit.path), outcome.file);
      }
    }
  } finally {
    await bench.dispose();
  }

  const ripgrep = options.withoutRipgrep ? null : await ripgrepVersion();
  if (ripgrep) {
    progress(`${options.queries.length} ripgrep rankings`);
    for (const outcome of outcomes) {
      const ranking = await rankFilesWithRipgrep(corpusPath, outcome.query);
      outcome.ranks.ripgrep = goldRank(ranking.files, outcome.file);
    }
  }

  const scores = (ranker: QualityRanker) => qualityScores(outcomes.map((outcome) => outcome.ranks[ranker] ?? null));
  return {
    schema: QUALITY_SCHEMA,
    createdAt: new Date().toISOString(),
    machine: machineInfo(),
    versions: { ...softwareVersions(), ripgrep, embedder: embedderIdFor(bench.config.embedder) },
    backend: bench.backend,
    corpus: { path: corpusPath, hash: corpus.hash, files: corpus.files },
    index,
    queriesFile: resolve(options.queriesFile),
    settings: { searchLimit: QUALITY_SEARCH_LIMIT, cutoff: QUALITY_CUTOFF },
    modes: {
      hybrid: scores('hybrid'),
      semantic: scores('semantic'),
      lexical: scores('lexical'),
      ...(ripgrep ? { ripgrep: scores('ripgrep') } : {}),
    },
    perQuery: outcomes,
  };
}
