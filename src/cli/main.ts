#!/usr/bin/env node
// CLI adapter: parses arguments, calls the core API, prints for people (or
// --json for programs). Errors go to stderr with a non-zero exit code.
import { Command, InvalidArgumentError, Option } from 'commander';
import { dirname, join } from 'node:path';
import { loadConfig, type Config } from '../config/config.js';
import type { CodebaseApi } from '../core/codebaseApi.js';
import type { CodebaseService } from '../core/codebaseService.js';
import { parseInput, searchRequestSchema, SEARCH_MODES } from '../core/requests.js';
import { projectsContent, searchContent, statusContent, syncContent, syncText } from '../core/responses.js';
import type { DoctorReport } from '../doctor/doctorCheck.js';
import { describeError, isBadInput, isUserError, UserError } from '../errors/userError.js';
import { storageError } from '../errors/storageErrors.js';
import { createLogger } from '../logging/logger.js';
import type { DriftReport, ProjectRecord } from '../store/projectRegistry.js';
import { openApi } from '../client/openApi.js';
import { registerServiceCommands } from './serviceCommands.js';
import { createIndexProgressBar, createSnapshotProgress } from './progressBar.js';

/** Exit codes: 0 success, 1 failure, 2 bad input or usage, 130 interrupted. */
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function integer(name: string) {
  return (value: string) => {
    if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number.`);
    return Number(value);
  };
}

/** Settings for this command; --no-service (a global flag) wins over CODEBASE_MCP_SERVICE. */
function commandConfig(program: Command, overrides: Partial<Config> = {}): Config {
  return loadConfig({ ...(program.opts<{ service?: boolean }>().service === false ? { useService: false } : {}), ...overrides });
}

/**
 * `serve --http`: the shared service listens, with this process's HTTP
 * settings, for as long as this process runs (it prints the banner and
 * stops the listener on Ctrl-C). With --no-service this process serves.
 */
async function serveOverHttp(program: Command, address: string): Promise<void> {
  const config = commandConfig(program);
  const logger = createLogger(config.logLevel, config.logFile);
  const { httpEnvironment, httpSettingsFromEnv, parseListenAddress } = await import('../http/httpSettings.js');
  // Bad settings are this command's error, before any service is involved.
  parseListenAddress(address);
  httpSettingsFromEnv(process.env);
  if (!config.useService) {
    const service = (await openApi(config, logger, { watch: true })) as CodebaseService;
    const { serveHttp } = await import('../http/serveHttp.js');
    const { running, banner } = await serveHttp(service, { address, home: config.home, logger });
    process.stderr.write(banner);
    const stop = async () => {
      await running.close().catch((error) => logger.error(`shutdown: ${describeError(error)}`));
      await service.close().catch((error) => logger.error(`shutdown: ${describeError(error)}`));
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  const [{ RemoteApi }, { serviceTarget }] = await Promise.all([import('../client/remoteApi.js'), import('../client/openApi.js')]);
  const api = new RemoteApi(serviceTarget(config, logger));
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await api.serveHttp(address, httpEnvironment(process.env), { signal: stopping.signal, onListening: ({ banner }) => process.stderr.write(banner) });
  } catch (error) {
    if (!stopping.signal.aborted) throw error;
  } finally {
    await api.close();
  }
  if (!stopping.signal.aborted) {
    throw new UserError('SERVICE_UNAVAILABLE', 'The codebase-mcp service stopped serving HTTP.', `See ${(await import('../service/serviceFiles.js')).servicePaths(config.home).log}, then run serve --http again.`);
  }
}

/** Runs a command against the service (or in-process with --no-service); always closed (locks released) afterwards. */
async function withApi(program: Command, work: (api: CodebaseApi, config: Config) => Promise<void>): Promise<void> {
  const config = commandConfig(program);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, config.logFile);
  const api = await openApi(config, logger, { inProcessIdleMs: 0 });
  try {
    await work(api, config);
  } catch (error) {
    throw storageError(error, config.home) ?? error;
  } finally {
    await api.close();
  }
}

/**
 * In this process, whatever the service setting: backup, restore and migrate
 * (not yet methods of the service). The service, if one runs, is asked to stop
 * first, so it does not hold the project's embedded store.
 */
async function withLocalService(program: Command, work: (service: CodebaseService, config: Config) => Promise<void>): Promise<void> {
  const config = commandConfig(program);
  // Even with --no-service: a running service would hold the project's embedded store.
  const { stopRunningService } = await import('./serviceCommands.js');
  await stopRunningService(config, 'a backup, restore or migrate runs in its own process');
  const local = { ...config, useService: false };
  const logger = createLogger(local.logLevel === 'info' ? 'warn' : local.logLevel, local.logFile);
  const service = (await openApi(local, logger, { inProcessIdleMs: 0 })) as CodebaseService;
  try {
    await work(service, local);
  } catch (error) {
    throw storageError(error, local.home) ?? error;
  } finally {
    await service.close();
  }
}

function formatSearchHuman(outcome: ReturnType<typeof searchContent>, full: boolean): string {
  if (outcome.results.length === 0) return `No results in project '${outcome.project}'.`;
  const blocks = outcome.results.map((hit, index) => {
    const symbol = hit.symbol ? `  ${hit.symbol}` : '';
    const lines = hit.snippet.split('\n');
    const shown = full ? lines : lines.slice(0, 12);
    const body = shown.map((line, offset) => `  ${String(hit.snippet_start_line + offset).padStart(5)} │ ${line}`).join('\n');
    const more = shown.length < lines.length ? `\n        … ${lines.length - shown.length} more lines (--full to show)` : '';
    const stale = hit.stale ? ', stale: file changed since indexed' : '';
    return `${index + 1}. ${hit.path}:${hit.start_line}-${hit.end_line}${symbol}  [${hit.language}, score ${hit.score.toFixed(3)}${stale}]\n${body}${more}`;
  });
  const omitted = outcome.omitted_for_budget ? `\n(${outcome.omitted_for_budget} more results left out to stay within --max-tokens)` : '';
  return blocks.join('\n\n') + omitted;
}

function formatDoctorHuman(report: DoctorReport): string {
  const label = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;
  const width = Math.max(...report.checks.map((check) => check.name.length));
  const lines = [`codebase-mcp doctor: ${report.backend} mode, ${report.target}`, ''];
  for (const check of report.checks) {
    lines.push(`  ${label[check.status]}  ${check.name.padEnd(width)}  ${check.detail}`);
    if (check.status === 'fail' && check.fix) lines.push(`        fix: ${check.fix}`);
  }
  const failed = report.checks.filter((check) => check.status === 'fail').length;
  const skipped = report.checks.filter((check) => check.status === 'skip').length;
  lines.push('', failed ? `${failed} of ${report.checks.length} checks failed.` : `All checks passed${skipped ? ` (${skipped} skipped)` : ''}.`);
  return lines.join('\n');
}

function whereStored(project: ProjectRecord): string {
  if (!project.location) return '';
  return `  [${project.location}${project.server ? ` on ${project.server}` : ''}]`;
}

function formatDriftHuman(drift: DriftReport): string[] {
  const lines: string[] = [];
  for (const entry of drift.missing) {
    lines.push(
      `  missing: project '${entry.project}' has no ${entry.server ? `database ${entry.location} on ${entry.server}` : `data directory ${entry.location}`}`,
      `           fix: codebase-mcp projects repair --yes, then codebase-mcp index ${entry.root} --project ${entry.project}`,
    );
  }
  for (const entry of drift.orphans) {
    const where = entry.server ? `database ${entry.location} on ${entry.server}` : entry.location;
    const why = entry.scratch ? ` (scratch of an interrupted command: ${entry.scratch})` : entry.createdFor ? ` (created for '${entry.createdFor}')` : '';
    lines.push(
      `  orphan:  ${where} belongs to no project${why}`,
      `           fix: codebase-mcp projects drop-orphans --yes`,
    );
  }
  for (const entry of drift.unreachable) lines.push(`  unreachable: ${entry.server}: ${entry.error}`);
  return lines.length ? ['', 'Drift between the registry and the databases:', ...lines] : [];
}

/** Destructive commands say what they would do and stop unless --yes is given. */
function requireYes(yes: boolean | undefined, refusal: string): void {
  if (yes) return;
  throw new UserError('INVALID_INPUT', `Refusing without --yes: ${refusal}`, 'Run the command again with --yes to go ahead.');
}

export function buildProgram(): Command {
  const program = new Command();
  // Set before adding subcommands, which copy these settings when created.
  program.exitOverride();
  program.configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program
    .name('codebase-mcp')
    .description('Search local codebases by meaning and by keyword: an MCP server and CLI over PostgreSQL + pgvector.')
    .version('0.1.0')
    .option('--no-service', 'work in this process instead of through the shared service (also CODEBASE_MCP_SERVICE=0)')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  codebase-mcp index ~/src/myrepo                 index a repository (only changed files on later runs)
  codebase-mcp search "where are passwords hashed"  search the project containing the current directory
  codebase-mcp serve                              run the MCP server on stdio (for Claude Code, Cursor, ...)
  codebase-mcp service status                     the shared service every session and command uses

Data lives in $CODEBASE_MCP_HOME (default ~/.local/share/codebase-mcp), or on a PostgreSQL server
when DATABASE_URL is set (server mode). See docs/configuration.md.`,
    );

  program
    .command('serve')
    .description('Run the MCP server on stdio (stdout carries only MCP protocol; logs go to stderr)')
    .option('--http <[host:]port>', 'serve MCP over Streamable HTTP at /mcp (plus the web page, /healthz, /readyz, /metrics) instead of stdio; 127.0.0.1 unless a host is named')
    .action(async (options: { http?: string }) => {
      if (options.http) {
        await serveOverHttp(program, options.http);
        return;
      }
      const config = commandConfig(program);
      const logger = createLogger(config.logLevel, config.logFile);
      // In-process (--no-service), a long-lived host watches the indexed projects itself; the service does otherwise.
      const api = await openApi(config, logger, { watch: true });
      const [{ createMcpServer }, { StdioServerTransport }] = await Promise.all([
        import('../mcp/mcpServer.js'),
        import('@modelcontextprotocol/sdk/server/stdio.js'),
      ]);
      const server = createMcpServer(api, logger, config.home);
      let closing = false;
      const shutdown = async () => {
        if (closing) return;
        closing = true;
        await api.close().catch((error) => logger.error(`shutdown: ${describeError(error)}`));
        process.exit(0);
      };
      process.stdin.on('end', shutdown);
      process.stdin.on('close', shutdown);
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
      const transport = new StdioServerTransport();
      await server.connect(transport);
      // Through the service, its /metrics counts this session's tool calls too.
      const { observeToolCalls } = await import('../mcp/observeToolCalls.js');
      observeToolCalls(transport, (call) => void api.recordToolCall?.({ ...call, transport: 'stdio' }));
      // Start (or find) the service now, so the first tool call does not wait for it.
      if ('connect' in api) {
        void (api as { connect(): Promise<unknown> }).connect().catch((error) => logger.warn(`the service is not reachable yet: ${describeError(error)}`));
      }
      logger.info(`codebase-mcp MCP server ready (data in ${config.home}${config.useService ? ', through the shared service' : ''})`);
    });

  program
    .command('index')
    .description('Index a repository (incremental: only new and changed files are processed)')
    .argument('<path>', 'repository directory')
    .option('-p, --project <name>', 'project name (default: the directory name)')
    .option('-f, --force', 're-chunk and re-embed every file')
    .option('--server-url <url>', "server mode: create a new project on this PostgreSQL server instead of the registry's")
    .option('--json', 'print the summary as JSON')
    .option('--progress-json', 'report progress as JSON lines on stderr (for scripts and wrappers)')
    .option('--no-require-git', 'outside a git repository, apply .gitignore files too (like ripgrep; setting noRequireGit)')
    .addHelpText(
      'after',
      '\nInside a git repository the files git lists are indexed (tracked, plus untracked ones no .gitignore excludes);\n' +
        'outside one, .gitignore files apply only with --no-require-git. .codebase-mcp-ignore and the built-in ignores always apply.\n' +
        'Exit status: 0 indexed, 1 failed or nothing at all was indexed, 2 bad input.',
    )
    .action(async (path: string, options: { project?: string; force?: boolean; serverUrl?: string; json?: boolean; progressJson?: boolean; requireGit?: boolean }) => {
      await withApi(program, async (api) => {
        const controller = new AbortController();
        const interrupt = () => controller.abort();
        process.once('SIGINT', interrupt);
        const bar = createIndexProgressBar();
        try {
          const { project, summary } = await api.indexRepository(
            {
              path,
              project: options.project,
              force: options.force,
              serverUrl: options.serverUrl,
              noRequireGit: options.requireGit === false ? true : undefined,
            },
            {
              signal: controller.signal,
              onProgress: (progress) => {
                if (options.progressJson) process.stderr.write(`${JSON.stringify(progress)}\n`);
                else if (!options.json) bar.update(progress);
              },
            },
          );
          bar.done();
          // Notices and warnings go to stderr in every output mode, so scripts see them too.
          for (const notice of summary.notices) process.stderr.write(`note: ${notice}\n`);
          for (const warning of summary.warnings) process.stderr.write(`warning: ${warning}\n`);
          if (summary.totalFiles === 0) process.exitCode = EXIT_FAILURE;
          if (options.json) {
            printJson({ project: project.name, root: project.root, ...summary });
            return;
          }
          const skipped = Object.entries(summary.filesSkipped).map(([reason, count]) => `${count} ${reason}`).join(', ');
          console.log(
            [
              `Indexed ${project.root} as project '${project.name}' in ${(summary.durationMs / 1000).toFixed(1)} s`,
              `  files:  ${summary.totalFiles} indexed (${summary.filesIndexed} new or changed, ${summary.filesUnchanged} unchanged, ${summary.filesDeleted} removed)`,
              `  chunks: ${summary.totalChunks} (${summary.chunksEmbedded} embedded, ${summary.chunksReused} reused)`,
              summary.cacheHits + summary.cacheMisses > 0
                ? `  embedding cache: ${summary.cacheHits} hits, ${summary.cacheMisses} misses`
                : '',
              skipped ? `  skipped: ${skipped}` : '',
              ...summary.errors.map((error) => `  error: ${error.path}: ${error.message}`),
            ]
              .filter(Boolean)
              .join('\n'),
          );
        } finally {
          bar.done();
          process.removeListener('SIGINT', interrupt);
        }
      });
    });

  program
    .command('search')
    .description('Search a project (default: the one whose repository contains the current directory)')
    .argument('<query>', 'a natural-language question or identifiers')
    .option('-p, --project <name>', 'project to search')
    .option('-n, --limit <n>', 'number of results (1-100)', integer('--limit'), 10)
    .addOption(new Option('-m, --mode <mode>', 'hybrid, semantic or lexical').choices(SEARCH_MODES).default('hybrid'))
    .option('-l, --language <language>', 'only this language, e.g. python')
    .option('-e, --extension <ext>', 'only this file extension, e.g. ts')
    .option('--path <glob>', 'only paths matching this glob or below this directory')
    .option('--max-tokens <n>', 'budget for all snippets together', integer('--max-tokens'), 8000)
    .option('-C, --context <n>', 'lines of context around each result', integer('--context'))
    .option('--full', 'show whole snippets (default: first 12 lines)')
    .option('--json', 'print results as JSON')
    .option('--remote <url>', 'ask a codebase-mcp HTTP server (serve --http) instead of the local index; token from CODEBASE_MCP_HTTP_TOKEN')
    .action(async (query: string, options) => {
      const input = parseInput(searchRequestSchema, {
        query,
        project: options.project,
        limit: options.limit,
        mode: options.mode,
        language: options.language,
        extension: options.extension,
        path: options.path,
        max_tokens: options.maxTokens,
        context_lines: options.context,
      });
      const print = (content: ReturnType<typeof searchContent>) => {
        if (options.json) return printJson(content);
        for (const notice of content.notices) process.stderr.write(`note: ${notice}\n`);
        console.log(formatSearchHuman(content, options.full === true));
      };
      if (options.remote) {
        const { searchRemote } = await import('../http/remoteSearch.js');
        return print(await searchRemote(options.remote, input, process.env.CODEBASE_MCP_HTTP_TOKEN));
      }
      await withApi(program, async (api) => {
        const started = performance.now();
        let failed = true;
        try {
          const outcome = await api.search(input, [process.cwd()]);
          failed = false;
          print(searchContent(outcome));
        } finally {
          await api.recordToolCall?.({ tool: 'search_code', mode: input.mode, seconds: (performance.now() - started) / 1000, failed, transport: 'cli' });
        }
      });
    });

  program
    .command('status')
    .description('What a project holds and when it was last indexed')
    .option('-p, --project <name>', 'project (default: the one containing the current directory)')
    .option('--json', 'print as JSON')
    .action(async (options: { project?: string; json?: boolean }) => {
      await withApi(program, async (api) => {
        const content = statusContent(await api.status(options.project, [process.cwd()]));
        if (options.json) return printJson(content);
        for (const warning of content.warnings) process.stderr.write(`warning: ${warning}\n`);
        console.log(
          [
            `project:  ${content.project}`,
            `root:     ${content.root}`,
            `files:    ${content.indexed_files}`,
            `chunks:   ${content.indexed_chunks}`,
            `model:    ${content.embedding_model ?? '(not indexed yet)'}`,
            `indexed:  ${content.indexed_at ?? content.last_indexed_at ?? 'never'}`,
            `watcher:  ${content.watcher.state}${content.watcher.detail ? ` (${content.watcher.detail})` : ''}`,
            ...(content.watcher.fix ? [`          fix: ${content.watcher.fix}`] : []),
          ].join('\n'),
        );
      });
    });

  program
    .command('sync')
    .description('Bring the index up to date with the files now: re-index what changed, remove what was deleted (what a watching server does by itself)')
    .option('-p, --project <name>', 'project (default: the one containing the current directory)')
    .option('--json', 'print what changed as JSON')
    .action(async (options: { project?: string; json?: boolean }) => {
      await withApi(program, async (api) => {
        const content = syncContent(await api.syncIndex(options.project, [process.cwd()]));
        if (options.json) return printJson(content);
        console.log(syncText(content));
      });
    });

  const projects = program
    .command('projects')
    .description('List indexed projects, and any drift between the registry and the databases')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
Drift is a project whose database (or data directory) is missing, or a project
database that no project names. The subcommands repair it; each asks for --yes.`,
    )
    .action(async (options: { json?: boolean }) => {
      await withApi(program, async (api) => {
        const records = await api.listProjects();
        const drift = await api.projectDrift();
        const { backend } = await api.storeInfo();
        const content = projectsContent(records);
        if (options.json) {
          return printJson({
            backend,
            projects: content.projects.map((project, index) => ({
              ...project,
              location: records[index].location ?? null,
              server: records[index].server ?? null,
            })),
            drift,
          });
        }
        const lines = content.projects.map(
          (project, index) =>
            `${project.name.padEnd(24)} ${String(project.files ?? 0).padStart(7)} files ${String(project.chunks ?? 0).padStart(8)} chunks  ${project.root}${
              backend === 'server' ? whereStored(records[index]) : ''
            }`,
        );
        if (lines.length === 0) lines.push('No projects yet. Run: codebase-mcp index <path>');
        console.log([...lines, ...formatDriftHuman(drift)].join('\n'));
      });
    });

  projects
    .command('remove')
    .description("Delete a project's index (its database, or its data directory) and its registry entry; the repository is not touched")
    .argument('<name>', 'project name')
    .option('--yes', 'really delete it')
    .option('--json', 'print what was removed as JSON')
    .action(async (name: string, options: { yes?: boolean }, command: Command) => {
      const { json } = command.optsWithGlobals<{ json?: boolean }>();
      await withApi(program, async (api) => {
        const project = await api.resolveProject(name, []);
        const store = await api.storeInfo();
        const what =
          store.backend === 'server'
            ? `this drops database ${project.location} on ${project.server ?? store.server ?? ''} (the index of ${project.root}) and the project's registry entry.`
            : `this deletes ${project.location ? dirname(project.location) : 'its folder'} (the index of ${project.root}).`;
        requireYes(options.yes, `removing project '${name}': ${what}`);
        const removed = await api.removeProject(name);
        if (json) return printJson({ removed });
        console.log(`Removed project '${removed.project}' (${removed.server ? `database ${removed.location} on ${removed.server}` : removed.location}).`);
      });
    });

  projects
    .command('repair')
    .description('Recreate, empty and with the schema, every database a project names but that is missing; index those projects again afterwards')
    .option('--yes', 'really recreate them')
    .option('--json', 'print what was repaired as JSON')
    .action(async (options: { yes?: boolean }, command: Command) => {
      const { json } = command.optsWithGlobals<{ json?: boolean }>();
      await withApi(program, async (api) => {
        const { missing } = await api.projectDrift();
        if (missing.length === 0) {
          if (json) return printJson({ repaired: [] });
          return console.log('Nothing to repair: every project has its database.');
        }
        requireYes(
          options.yes,
          `this recreates ${missing.map((entry) => `${entry.location} (project '${entry.project}')`).join(', ')}, empty; nothing is dropped.`,
        );
        const repaired = await api.repairMissingDatabases();
        if (json) return printJson({ repaired });
        for (const entry of repaired) {
          console.log(`Recreated ${entry.location} for project '${entry.project}' (empty). Refill it: codebase-mcp index ${entry.root} --project ${entry.project}`);
        }
      });
    });

  projects
    .command('drop-orphans')
    .description('Drop every project database (or data directory) that no project names')
    .option('--yes', 'really drop them')
    .option('--json', 'print what was dropped as JSON')
    .action(async (options: { yes?: boolean }, command: Command) => {
      const { json } = command.optsWithGlobals<{ json?: boolean }>();
      await withApi(program, async (api) => {
        const { orphans } = await api.projectDrift();
        if (orphans.length === 0) {
          if (json) return printJson({ dropped: [] });
          return console.log('No orphaned project databases.');
        }
        requireYes(
          options.yes,
          `this drops ${orphans.map((entry) => (entry.server ? `database ${entry.location} on ${entry.server}` : entry.location)).join(', ')}.`,
        );
        const dropped = await api.dropOrphanDatabases();
        if (json) return printJson({ dropped });
        for (const entry of dropped) console.log(`Dropped ${entry.server ? `database ${entry.location} on ${entry.server}` : entry.location}.`);
      });
    });

  program
    .command('backup')
    .description("Write a portable snapshot of a project's index (settings, files, chunks, vectors, lexeme statistics) to a file")
    .argument('<project>', 'project name')
    .requiredOption('-o, --out <file>', 'snapshot file to write (gzip\'d JSON lines; replaced if it exists)')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', '\nRestore it on either backend with: codebase-mcp restore FILE [--project NAME] [--yes]')
    .action(async (name: string, options: { out: string; json?: boolean }) => {
      await withLocalService(program, async (service) => {
        const progress = createSnapshotProgress('backup');
        const outcome = await service.backup(name, options.out, options.json ? undefined : (update) => progress.update(update)).finally(() => progress.done());
        if (options.json) return printJson(outcome);
        const rows = Object.entries(outcome.rows).map(([table, count]) => `${count} ${table}`).join(', ');
        console.log(
          `Backed up project '${outcome.project}' (schema version ${outcome.schemaVersion}) to ${outcome.path} in ${(outcome.durationMs / 1000).toFixed(1)} s: ${(outcome.bytes / 1024 / 1024).toFixed(1)} MB; ${rows}.`,
        );
      });
    });

  program
    .command('restore')
    .description('Restore a snapshot written by backup, into this store (embedded or server); verified before it replaces anything')
    .argument('<file>', 'snapshot file')
    .option('-p, --project <name>', 'restore under this name (default: the name in the snapshot)')
    .option('--yes', 'replace the project if it exists')
    .option('--json', 'print the summary as JSON')
    .action(async (file: string, options: { project?: string; yes?: boolean; json?: boolean }) => {
      await withLocalService(program, async (service) => {
        const progress = createSnapshotProgress('restore');
        const outcome = await service
          .restore({ file, project: options.project, yes: options.yes, onProgress: options.json ? undefined : (update) => progress.update(update) })
          .finally(() => progress.done());
        if (options.json) return printJson(outcome);
        const migrated = outcome.migratedTo > outcome.schemaVersion ? `, migrated from schema version ${outcome.schemaVersion} to ${outcome.migratedTo}` : '';
        console.log(
          [
            `Restored project '${outcome.project}' from ${outcome.file} in ${(outcome.durationMs / 1000).toFixed(1)} s${outcome.replaced ? ' (replacing its old index)' : ''}${migrated}.`,
            `  rows:     ${Object.entries(outcome.rows).map(([table, count]) => `${count} ${table}`).join(', ')}`,
            `  verified: ${outcome.verified.join('; ')}`,
          ].join('\n'),
        );
      });
    });

  program
    .command('migrate')
    .description("Upgrade projects' schemas to this version (each after a snapshot); --dry-run lists what would change")
    .option('-p, --project <name>', 'only this project')
    .option('--dry-run', 'list the migrations each project would get, change nothing')
    .option('--json', 'print as JSON')
    .action(async (options: { project?: string; dryRun?: boolean; json?: boolean }) => {
      await withLocalService(program, async (service) => {
        const plans = options.dryRun ? await service.migrationPlans(options.project) : await service.migrate(options.project);
        if (options.json) return printJson({ dryRun: options.dryRun === true, projects: plans });
        if (plans.length === 0) return console.log('No projects.');
        const lines: string[] = [];
        for (const plan of plans) {
          if (plan.newer) lines.push(`${plan.project}: schema version ${plan.from} is newer than this codebase-mcp (${plan.to}); it will not be opened.`);
          else if (plan.pending.length === 0) lines.push(`${plan.project}: up to date (schema version ${plan.from}).`);
          else {
            const verb = options.dryRun ? 'would migrate' : 'migrated';
            lines.push(`${plan.project}: ${verb} from schema version ${plan.from} to ${plan.to}:`);
            for (const step of plan.pending) lines.push(`  ${step.version}: ${step.description}`);
            if (options.dryRun && plan.from > 0) lines.push(`  (a snapshot is taken first, under ${join(service.config.home, 'snapshots', plan.project)})`);
            if (plan.snapshot) lines.push(`  snapshot taken before: ${plan.snapshot}`);
          }
        }
        console.log(lines.join('\n'));
      });
    });

  program
    .command('doctor')
    .description('Check the setup: database reachable, PostgreSQL >= 14, pgvector, CREATEDB, a scratch project database, the embedder')
    .option('--json', 'print the checks as JSON')
    .addHelpText('after', '\nExit status: 0 when no check fails (skipped checks do not count), 1 when any check fails.')
    .action(async (options: { json?: boolean }) => {
      const config = loadConfig();
      const [{ runDoctor }, { createEmbedder }] = await Promise.all([import('../doctor/runDoctor.js'), import('../embed/createEmbedder.js')]);
      const report = await runDoctor(config, () => createEmbedder(config.embedder, { cacheDir: config.cacheDir }));
      if (options.json) printJson(report);
      else console.log(formatDoctorHuman(report));
      if (!report.ok) process.exitCode = EXIT_FAILURE;
    });

  registerServiceCommands(program, () => commandConfig(program));

  return program;
}

/** The bench tooling loads the indexer and searcher; only commands that may need it pay for that. */
function mayNeedBench(args: string[]): boolean {
  return args.length === 0 || args.some((arg) => arg === 'bench' || arg === 'help' || arg === '--help' || arg === '-h');
}

async function main(): Promise<void> {
  const program = buildProgram();
  if (mayNeedBench(process.argv.slice(2))) {
    const { registerBenchCommands } = await import('../bench/benchCommands.js');
    registerBenchCommands(program);
  }
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(0);
    if (typeof code === 'string' && code.startsWith('commander.')) process.exit(EXIT_USAGE);
    // By name: the indexer's error (in-process) and the service client's (remote) both say so.
    if ((error as Error)?.name === 'IndexCancelledError') {
      process.stderr.write(`Interrupted. ${(error as Error).message}\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    process.stderr.write(`error: ${describeError(error)}\n`);
    if (!isUserError(error) && process.env.CODEBASE_MCP_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(isBadInput(error) ? EXIT_USAGE : EXIT_FAILURE);
  }
}

void main();
