// zod shapes of what the core API returns, checked by the front end on every
// answer. Objects pass unknown fields through, so a field the core gains
// (another branch's addition) reaches the adapters without a change here.
import { z } from 'zod';
import { SEARCH_MODES } from '../core/requests.js';

const count = z.number();

export const indexProgressSchema = z
  .object({
    phase: z.enum(['scanning', 'removing', 'indexing', 'embedding', 'finalizing', 'done']),
    filesTotal: count,
    filesDone: count,
    filesChanged: count,
    chunksWritten: count,
    chunksEmbedded: count,
    chunksPending: count,
  })
  .passthrough();

export const indexSummarySchema = z
  .object({
    filesScanned: count,
    filesIndexed: count,
    filesUnchanged: count,
    filesDeleted: count,
    filesSkipped: z.record(z.string(), count),
    chunksWritten: count,
    chunksEmbedded: count,
    chunksReused: count,
    cacheHits: count,
    cacheMisses: count,
    totalFiles: count,
    totalChunks: count,
    durationMs: count,
    errors: z.array(z.object({ path: z.string(), message: z.string() })),
  })
  .passthrough();

export const indexJobSchema = z
  .object({
    id: z.string(),
    project: z.string(),
    root: z.string(),
    state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
    progress: indexProgressSchema,
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    summary: indexSummarySchema.nullable(),
    error: z.string().nullable(),
  })
  .passthrough();

export const startedJobSchema = z.object({ job: indexJobSchema, alreadyRunning: z.boolean() });

export const projectRecordSchema = z
  .object({
    name: z.string(),
    root: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    lastIndex: z.object({ finishedAt: z.string(), files: count, chunks: count, durationMs: count }).passthrough().optional(),
    location: z.string().optional(),
    server: z.string().nullable().optional(),
  })
  .passthrough();

export const listedProjectSchema = projectRecordSchema.extend({ indexing: z.boolean() });

export const searchOutcomeSchema = z
  .object({
    project: z.string(),
    mode: z.enum(SEARCH_MODES),
    results: z.array(
      z
        .object({
          path: z.string(),
          startLine: count,
          endLine: count,
          symbol: z.string().nullable(),
          kind: z.string().nullable(),
          language: z.string(),
          score: count,
          snippet: z.string(),
          snippetStartLine: count,
          truncated: z.boolean(),
        })
        .passthrough(),
    ),
    omittedForBudget: count,
    notices: z.array(z.string()),
    estimatedTokens: count,
  })
  .passthrough();

export const projectStatusSchema = z
  .object({
    project: projectRecordSchema,
    counts: z.object({ files: count, chunks: count }).passthrough(),
    embedder: z.object({ id: z.string(), dimensions: count }).nullable(),
    embeddingsPending: count,
    job: indexJobSchema.nullable(),
  })
  .passthrough();

const missingDatabaseSchema = z.object({ project: z.string(), root: z.string(), location: z.string(), server: z.string().nullable() }).passthrough();
const orphanDatabaseSchema = z.object({ location: z.string(), server: z.string().nullable(), createdFor: z.string().nullable() }).passthrough();

export const driftReportSchema = z.object({
  missing: z.array(missingDatabaseSchema),
  orphans: z.array(orphanDatabaseSchema),
  unreachable: z.array(z.object({ server: z.string(), error: z.string() })),
});

export const removedProjectSchema = z.object({ project: z.string(), location: z.string(), server: z.string().nullable() }).passthrough();
export const missingDatabasesSchema = z.array(missingDatabaseSchema);
export const orphanDatabasesSchema = z.array(orphanDatabaseSchema);
export const storeInfoSchema = z.object({ backend: z.enum(['embedded', 'server']), server: z.string().nullable() });

export const syncOutcomeSchema = z.object({ project: projectRecordSchema, job: indexJobSchema, summary: indexSummarySchema }).passthrough();
