// Public JSON shapes: MCP structuredContent and CLI --json output are the same,
// so scripts and agents see one contract.
import { z } from 'zod';
import type { IndexJob } from './indexJobs.js';
import type { ProjectStatus, SearchOutcome, SyncOutcome } from './codebaseService.js';
import { WATCHER_STATES, type WatcherStatus } from '../watch/watcherStatus.js';
import type { ProjectRecord } from '../store/projectRegistry.js';

export const indexStartedOutput = {
  job_id: z.string(),
  project: z.string(),
  root: z.string(),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  already_running: z.boolean(),
};

export const jobStatusOutput = {
  project: z.string(),
  root: z.string(),
  job_id: z.string().nullable(),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'idle']),
  phase: z.string().nullable(),
  files_done: z.number(),
  files_total: z.number(),
  files_changed: z.number(),
  chunks_written: z.number(),
  chunks_embedded: z.number(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  error: z.string().nullable(),
  file_errors: z.array(z.object({ path: z.string(), message: z.string() })),
  /** Nothing indexed, or most of the repository left out by ignore rules: which rules (file and line) did it. */
  warnings: z.array(z.string()),
  /** How ignore rules were applied (git missing, .gitignore files not read outside a repository). */
  notices: z.array(z.string()),
  /** The entries ignore rules left out in the job's scan, per rule, most first. */
  left_out_by_rule: z.array(z.object({ rule: z.string(), file: z.string(), line: z.number().nullable(), entries: z.number() })),
  indexed_files: z.number(),
  indexed_chunks: z.number(),
  /** Chunks still without vectors: keyword search covers them, meaning-based search not yet. */
  chunks_awaiting_embedding: z.number(),
  last_indexed_at: z.string().nullable(),
  embedding_model: z.string().nullable(),
  /** What started the job shown: an index request, a sync request, or the file watcher. */
  job_trigger: z.enum(['index', 'sync', 'watch']).nullable(),
  /** When the index last caught up with the files (a full index, a sync or a watched change). */
  indexed_at: z.string().nullable(),
  watcher: z.object({
    state: z.enum(WATCHER_STATES),
    detail: z.string().nullable(),
    fix: z.string().nullable(),
    pending_changes: z.number().nullable(),
    last_sync_at: z.string().nullable(),
    batches_applied: z.number(),
    last_batch_paths: z.union([z.number(), z.literal('all')]).nullable(),
  }),
};

export function watcherContent(status: WatcherStatus) {
  return {
    state: status.state,
    detail: status.detail,
    fix: status.fix,
    pending_changes: status.pendingChanges,
    last_sync_at: status.lastSyncAt,
    batches_applied: status.batchesApplied,
    last_batch_paths: status.lastBatchPaths,
  };
}

export const syncOutput = {
  project: z.string(),
  job_id: z.string(),
  added: z.array(z.string()),
  changed: z.array(z.string()),
  deleted: z.array(z.string()),
  /** Paths in each list beyond this many are counted, not listed. */
  listed_at_most: z.number(),
  files_added: z.number(),
  files_changed: z.number(),
  files_deleted: z.number(),
  chunks_written: z.number(),
  chunks_embedded: z.number(),
  indexed_files: z.number(),
  indexed_chunks: z.number(),
  duration_ms: z.number(),
  file_errors: z.array(z.object({ path: z.string(), message: z.string() })),
};

/** A sync after a branch switch can touch thousands of files: the lists are capped, the counts are not. */
const SYNC_LISTED_AT_MOST = 200;

export function syncContent(outcome: SyncOutcome) {
  const changes = outcome.summary.changes ?? { added: [], changed: [], deleted: [] };
  return {
    project: outcome.project.name,
    job_id: outcome.job.id,
    added: changes.added.slice(0, SYNC_LISTED_AT_MOST),
    changed: changes.changed.slice(0, SYNC_LISTED_AT_MOST),
    deleted: changes.deleted.slice(0, SYNC_LISTED_AT_MOST),
    listed_at_most: SYNC_LISTED_AT_MOST,
    files_added: changes.added.length,
    files_changed: changes.changed.length,
    files_deleted: changes.deleted.length,
    chunks_written: outcome.summary.chunksWritten,
    chunks_embedded: outcome.summary.chunksEmbedded,
    indexed_files: outcome.summary.totalFiles,
    indexed_chunks: outcome.summary.totalChunks,
    duration_ms: outcome.summary.durationMs,
    file_errors: outcome.summary.errors,
  };
}

export function syncText(content: ReturnType<typeof syncContent>): string {
  const total = content.files_added + content.files_changed + content.files_deleted;
  if (total === 0) return `Project '${content.project}' was up to date: no file added, changed or deleted since it was indexed.`;
  const lines = [
    `Synced '${content.project}': ${content.files_added} added, ${content.files_changed} changed, ${content.files_deleted} deleted; ${content.chunks_written} chunks written (${content.indexed_files} files, ${content.indexed_chunks} chunks indexed) in ${(content.duration_ms / 1000).toFixed(1)} s.`,
  ];
  for (const [label, paths, count] of [
    ['added', content.added, content.files_added],
    ['changed', content.changed, content.files_changed],
    ['deleted', content.deleted, content.files_deleted],
  ] as const) {
    if (paths.length > 0) lines.push(`  ${label}: ${paths.join(', ')}${count > paths.length ? ` … and ${count - paths.length} more` : ''}`);
  }
  for (const error of content.file_errors) lines.push(`  error: ${error.path}: ${error.message}`);
  return lines.join('\n');
}

export const searchOutput = {
  project: z.string(),
  mode: z.string(),
  results: z.array(
    z.object({
      path: z.string(),
      start_line: z.number(),
      end_line: z.number(),
      symbol: z.string().nullable(),
      kind: z.string().nullable(),
      language: z.string(),
      score: z.number(),
      snippet: z.string(),
      snippet_start_line: z.number(),
      truncated: z.boolean(),
      /** The file changed on disk since this chunk was indexed (size or mtime differ, or it is gone). */
      stale: z.boolean(),
    }),
  ),
  omitted_for_budget: z.number(),
  notices: z.array(z.string()),
  /** When the index last caught up with the files (ISO), or null. */
  indexed_at: z.string().nullable(),
  /** Changes the watcher has seen and not yet applied; null when nothing watches the project. */
  pending_changes: z.number().nullable(),
  watcher: z.enum(WATCHER_STATES),
};

export const projectsOutput = {
  projects: z.array(
    z.object({
      name: z.string(),
      root: z.string(),
      files: z.number().nullable(),
      chunks: z.number().nullable(),
      last_indexed_at: z.string().nullable(),
      indexing: z.boolean(),
    }),
  ),
};

export function jobFields(job: IndexJob | null) {
  return {
    job_id: job?.id ?? null,
    state: job?.state ?? ('idle' as const),
    phase: job?.state === 'running' ? job.progress.phase : null,
    files_done: job?.progress.filesDone ?? 0,
    files_total: job?.progress.filesTotal ?? 0,
    files_changed: job?.progress.filesChanged ?? 0,
    chunks_written: job?.progress.chunksWritten ?? 0,
    chunks_embedded: job?.progress.chunksEmbedded ?? 0,
    started_at: job?.startedAt ?? null,
    finished_at: job?.finishedAt ?? null,
    error: job?.error ?? null,
    file_errors: job?.summary?.errors ?? [],
    warnings: job?.summary?.warnings ?? [],
    notices: job?.summary?.notices ?? [],
    left_out_by_rule: job?.summary?.leftOutByRule ?? [],
  };
}

export function statusContent(status: ProjectStatus) {
  const job = jobFields(status.job);
  // Without this session's job to explain it, an empty index still says so.
  if (status.counts.files === 0 && job.state !== 'running' && job.warnings.length === 0 && status.project.lastIndex) {
    job.warnings = [
      `The index of '${status.project.name}' holds no files. Index it again (index_repository, or codebase-mcp index ${status.project.root}) to see which ignore rules left its files out.`,
    ];
  }
  return {
    project: status.project.name,
    root: status.project.root,
    ...job,
    indexed_files: status.counts.files,
    indexed_chunks: status.counts.chunks,
    chunks_awaiting_embedding: status.embeddingsPending,
    last_indexed_at: status.project.lastIndex?.finishedAt ?? null,
    embedding_model: status.embedder ? `${status.embedder.id} (${status.embedder.dimensions}d)` : null,
    job_trigger: status.job?.trigger ?? null,
    indexed_at: status.indexedAt,
    watcher: watcherContent(status.watcher),
  };
}

export function searchContent(outcome: SearchOutcome) {
  return {
    project: outcome.project,
    mode: outcome.mode,
    results: outcome.results.map((hit) => ({
      path: hit.path,
      start_line: hit.startLine,
      end_line: hit.endLine,
      symbol: hit.symbol,
      kind: hit.kind,
      language: hit.language,
      score: hit.score,
      snippet: hit.snippet,
      snippet_start_line: hit.snippetStartLine,
      truncated: hit.truncated,
      stale: hit.stale,
    })),
    omitted_for_budget: outcome.omittedForBudget,
    notices: outcome.notices,
    indexed_at: outcome.indexedAt,
    pending_changes: outcome.pendingChanges,
    watcher: outcome.watcher,
  };
}

/** Text for clients that read only `content`: the results themselves, compactly. */
export function searchText(outcome: SearchOutcome): string {
  if (outcome.results.length === 0) {
    return `No results in project '${outcome.project}' (${outcome.mode}). Try other words, mode "lexical" for exact identifiers, or fewer filters.`;
  }
  const lines = [...outcome.notices.map((notice) => `Note: ${notice}`), `${outcome.results.length} results in project '${outcome.project}' (${outcome.mode}):`];
  for (const hit of outcome.results) {
    const symbol = hit.symbol ? ` ${hit.symbol}` : '';
    lines.push('', `## ${hit.path}:${hit.startLine}-${hit.endLine}${symbol} (score ${hit.score})${hit.stale ? ' [stale: file changed since indexed]' : ''}`);
    lines.push('```' + hit.language, hit.snippet, '```');
  }
  if (outcome.omittedForBudget > 0) {
    lines.push('', `${outcome.omittedForBudget} more results left out to stay within max_tokens.`);
  }
  return lines.join('\n');
}

export function projectsContent(projects: (ProjectRecord & { indexing: boolean })[]) {
  return {
    projects: projects.map((project) => ({
      name: project.name,
      root: project.root,
      files: project.lastIndex?.files ?? null,
      chunks: project.lastIndex?.chunks ?? null,
      last_indexed_at: project.lastIndex?.finishedAt ?? null,
      indexing: project.indexing,
    })),
  };
}
