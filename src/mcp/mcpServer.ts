// MCP adapter: six tools over the core API. Errors a user can act on come
// back as isError results; stdout belongs to the protocol alone.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { CodebaseApi } from '../core/codebaseApi.js';
import type { IndexJob } from '../core/indexJobs.js';
import { indexRequest, projectName, searchRequest } from '../core/requests.js';
import { describeError, isUserError } from '../errors/userError.js';
import { storageError } from '../errors/storageErrors.js';
import type { Logger } from '../logging/logger.js';
import {
  indexStartedOutput,
  jobFields,
  jobStatusOutput,
  projectsContent,
  projectsOutput,
  searchContent,
  searchOutput,
  searchText,
  statusContent,
  syncContent,
  syncOutput,
  syncText,
} from '../core/responses.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const VERSION = '0.1.0';
const ROOTS_TIMEOUT_MS = 2000;

function result(structured: Record<string, unknown>, text: string): CallToolResult {
  return { structuredContent: structured, content: [{ type: 'text', text }] };
}

function jobText(job: IndexJob): string {
  const progress = job.progress;
  switch (job.state) {
    case 'running':
      return `Indexing '${job.project}': ${progress.phase}, ${progress.filesDone}/${progress.filesTotal} files, ${progress.chunksWritten} chunks written.`;
    case 'succeeded': {
      const summary = job.summary!;
      const warnings = summary.warnings.map((warning) => `\nWarning: ${warning}`).join('');
      return `Indexed '${job.project}': ${summary.totalFiles} files, ${summary.totalChunks} chunks (${summary.filesIndexed} files changed, ${summary.filesDeleted} removed) in ${(summary.durationMs / 1000).toFixed(1)} s.${warnings}`;
    }
    default:
      return `Indexing '${job.project}' ${job.state}: ${job.error ?? ''}`;
  }
}

/** The one tool registry: stdio and HTTP front ends serve these tools over any CodebaseApi (in-process or the shared service). `home` names where data lives in storage-error messages. */
export function createMcpServer(api: CodebaseApi, logger: Logger, home?: string): McpServer {
  const server = new McpServer(
    { name: 'codebase-mcp', version: VERSION },
    {
      instructions:
        'Search local code repositories by meaning and by keyword. Index a repository once with index_repository ' +
        '(it runs in the background; poll get_indexing_status), then use search_code with natural-language questions ' +
        'or identifiers. Projects are picked from your workspace root unless you pass project.',
    },
  );

  /** Directories that tell which project a call means: the client's roots, then our working directory. */
  async function workspaceDirectories(): Promise<string[]> {
    const directories: string[] = [];
    if (server.server.getClientCapabilities()?.roots) {
      try {
        const { roots } = await server.server.listRoots(undefined, { timeout: ROOTS_TIMEOUT_MS });
        for (const root of roots) {
          if (root.uri.startsWith('file://')) directories.push(fileURLToPath(root.uri));
        }
      } catch (error) {
        logger.debug(`roots/list failed: ${describeError(error)}`);
      }
    }
    directories.push(process.cwd());
    return directories;
  }

  function guarded<Args>(name: string, handler: (args: Args, extra: Extra) => Promise<CallToolResult>) {
    return async (args: Args, extra: Extra): Promise<CallToolResult> => {
      try {
        return await handler(args, extra);
      } catch (thrown) {
        const error = (home ? storageError(thrown, home) : null) ?? thrown;
        if (!isUserError(error)) logger.error(`${name} failed: ${(error as Error).stack ?? String(error)}`);
        const text = isUserError(error)
          ? error.describe()
          : `Internal error in ${name}: ${describeError(error)}. The server is still running; see its log (stderr) for details.`;
        return { isError: true, content: [{ type: 'text', text }] };
      }
    };
  }

  // The MCP client hears about a waited-on job through progress notifications (when it sent a progress token).
  async function reportProgress(extra: Extra, job: IndexJob): Promise<void> {
    const token = extra._meta?.progressToken;
    if (token === undefined) return;
    await extra.sendNotification({
      method: 'notifications/progress',
      params: {
        progressToken: token,
        progress: job.progress.filesDone,
        total: job.progress.filesTotal || undefined,
        message: jobText(job),
      },
    });
  }

  server.registerTool(
    'index_repository',
    {
      title: 'Index a repository',
      description:
        'Index (or re-index) a local repository for search_code. Returns a job id at once and indexes in the background; ' +
        'only changed files are re-processed. Poll get_indexing_status with the job id. Pass wait_seconds to wait ' +
        '(with progress notifications) up to that long.',
      inputSchema: {
        ...indexRequest,
        wait_seconds: z.number().int().min(0).max(600).optional().describe('Wait up to this long for the job to finish (default 0: return at once)'),
      },
      outputSchema: indexStartedOutput,
      annotations: { readOnlyHint: false, openWorldHint: false },
    },
    guarded('index_repository', async (args, extra) => {
      const { wait_seconds: waitSeconds, no_require_git: noRequireGit, ...request } = args;
      const started = await api.startIndexJob({ ...request, noRequireGit });
      const alreadyRunning = started.alreadyRunning;
      const job =
        waitSeconds && started.job.state === 'running'
          ? await api.waitForJob(started.job.id, {
              timeoutMs: waitSeconds * 1000,
              signal: extra.signal,
              onProgress: (progress) => void reportProgress(extra, progress).catch(() => {}),
            })
          : started.job;
      const text = alreadyRunning
        ? `Project '${job.project}' is already being indexed (job ${job.id}). ${jobText(job)}`
        : job.state === 'running'
          ? `Started indexing ${job.root} as project '${job.project}' (job ${job.id}). Poll get_indexing_status with this job_id.`
          : jobText(job);
      return result(
        { job_id: job.id, project: job.project, root: job.root, state: job.state, already_running: alreadyRunning },
        text,
      );
    }),
  );

  server.registerTool(
    'get_indexing_status',
    {
      title: 'Indexing status',
      description:
        'State of an indexing job (by job_id) or of a project (by project, or the workspace project): phase, files and chunks done and total, errors, timestamps, and what the index holds.',
      inputSchema: {
        job_id: z.string().min(1).max(100).optional().describe('Job id from index_repository'),
        project: projectName.optional(),
      },
      outputSchema: jobStatusOutput,
      annotations: { readOnlyHint: true },
    },
    guarded('get_indexing_status', async (args) => {
      const job = args.job_id ? await api.job(args.job_id) : undefined;
      const status = await api.status(job ? job.project : args.project, await workspaceDirectories());
      if (job) status.job = job;
      const content = statusContent(status);
      const watcher = `Watcher: ${content.watcher.state}${content.watcher.detail ? ` (${content.watcher.detail})` : ''}${content.watcher.fix ? `; fix: ${content.watcher.fix}` : ''}.`;
      const text = `${
        status.job
          ? jobText(status.job)
          : `Project '${content.project}': ${content.indexed_files} files, ${content.indexed_chunks} chunks indexed; no indexing job in this server session.`
      } ${watcher}` +
        content.warnings.map((warning) => `\nWarning: ${warning}`).join('');
      return result(content, text);
    }),
  );

  server.registerTool(
    'search_code',
    {
      title: 'Search code',
      description:
        'Search an indexed repository by meaning and keywords (hybrid by default). Ask natural-language questions ' +
        '("where are passwords hashed?") or give identifiers. Implementation ranks above test files unless the question mentions tests. ' +
        'Returns ranked snippets with path, line range, symbol and a score in [0, 1], within max_tokens.',
      inputSchema: searchRequest,
      outputSchema: searchOutput,
      annotations: { readOnlyHint: true },
    },
    guarded('search_code', async (args) => {
      const outcome = await api.search(args, await workspaceDirectories());
      return result(searchContent(outcome), searchText(outcome));
    }),
  );

  server.registerTool(
    'list_projects',
    {
      title: 'List projects',
      description: 'Indexed projects with their repository roots, sizes and last index time.',
      inputSchema: {},
      outputSchema: projectsOutput,
      annotations: { readOnlyHint: true },
    },
    guarded('list_projects', async () => {
      const content = projectsContent(await api.listProjects());
      const text = content.projects.length
        ? content.projects.map((project) => `${project.name}: ${project.root} (${project.files ?? 0} files, ${project.chunks ?? 0} chunks)`).join('\n')
        : 'No projects yet. Index a repository with index_repository.';
      return result(content, text);
    }),
  );

  server.registerTool(
    'cancel_indexing',
    {
      title: 'Cancel indexing',
      description: 'Stop a running indexing job. Files indexed so far stay searchable; the next index_repository finishes the rest.',
      inputSchema: { job_id: z.string().min(1).max(100).describe('Job id from index_repository') },
      outputSchema: { job_id: z.string(), project: z.string(), state: z.string() },
      annotations: { readOnlyHint: false },
    },
    guarded('cancel_indexing', async (args) => {
      const job = await api.cancelJob(args.job_id);
      const finished = job.state === 'running' ? await api.waitForJob(job.id) : job;
      const state = finished.state;
      return result(
        { job_id: job.id, project: job.project, state },
        state === 'cancelled' ? `Cancelled indexing of '${job.project}'.` : `Job ${job.id} had already ${state}.`,
      );
    }),
  );

  server.registerTool(
    'sync_index',
    {
      title: 'Sync the index with the files',
      description:
        'Bring a project\'s index up to date with its files now (what the file watcher does by itself in a long-lived server): ' +
        'files that differ from the index by size or modification time are re-indexed, deleted ones removed. Returns the files added, changed and deleted. ' +
        'Use it when search results say stale: true, or when watching is off.',
      inputSchema: { project: projectName.optional() },
      outputSchema: syncOutput,
      annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    },
    guarded('sync_index', async (args) => {
      const content = syncContent(await api.syncIndex(args.project, await workspaceDirectories()));
      return result(content, syncText(content));
    }),
  );

  return server;
}
