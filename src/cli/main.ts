#!/usr/bin/env node
// CLI adapter: parses arguments, calls the core API, prints for people (or
// --json for programs). Errors go to stderr with a non-zero exit code.
import { Command, InvalidArgumentError, Option } from 'commander';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadConfig, type Config } from '../config/config.js';
import { CodebaseService } from '../core/codebaseService.js';
import { parseInput, searchRequestSchema } from '../core/requests.js';
import { projectsContent, searchContent, statusContent } from '../core/responses.js';
import { loadWordVectorEmbedder } from '../embed/wordVectorEmbedder.js';
import { describeError, isUserError, UserError } from '../errors/userError.js';
import { IndexCancelledError } from '../indexer/indexRepository.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMcpServer } from '../mcp/mcpServer.js';
import { SEARCH_MODES } from '../search/hybridSearcher.js';
import { createIndexProgressBar } from './progressBar.js';

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

function openService(config: Config, logger: Logger, idleTimeoutMs?: number): CodebaseService {
  return CodebaseService.create(config, () => loadWordVectorEmbedder(), logger, { idleTimeoutMs });
}

/** Runs a command with a service that is always closed (locks released) afterwards. */
async function withService(work: (service: CodebaseService) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, config.logFile);
  const service = openService(config, logger, 0);
  try {
    await work(service);
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
    return `${index + 1}. ${hit.path}:${hit.start_line}-${hit.end_line}${symbol}  [${hit.language}, score ${hit.score.toFixed(3)}]\n${body}${more}`;
  });
  const omitted = outcome.omitted_for_budget ? `\n(${outcome.omitted_for_budget} more results left out to stay within --max-tokens)` : '';
  return blocks.join('\n\n') + omitted;
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
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Examples:
  codebase-mcp index ~/src/myrepo                 index a repository (only changed files on later runs)
  codebase-mcp search "where are passwords hashed"  search the project containing the current directory
  codebase-mcp serve                              run the MCP server on stdio (for Claude Code, Cursor, ...)

Data lives in $CODEBASE_MCP_HOME (default ~/.local/share/codebase-mcp). See docs/configuration.md.`,
    );

  program
    .command('serve')
    .description('Run the MCP server on stdio (stdout carries only MCP protocol; logs go to stderr)')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel, config.logFile);
      const service = openService(config, logger);
      const server = createMcpServer(service, logger);
      let closing = false;
      const shutdown = async () => {
        if (closing) return;
        closing = true;
        await service.close().catch((error) => logger.error(`shutdown: ${describeError(error)}`));
        process.exit(0);
      };
      process.stdin.on('end', shutdown);
      process.stdin.on('close', shutdown);
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
      await server.connect(new StdioServerTransport());
      logger.info(`codebase-mcp MCP server ready (data in ${config.home})`);
    });

  program
    .command('index')
    .description('Index a repository (incremental: only new and changed files are processed)')
    .argument('<path>', 'repository directory')
    .option('-p, --project <name>', 'project name (default: the directory name)')
    .option('-f, --force', 're-chunk and re-embed every file')
    .option('--json', 'print the summary as JSON')
    .option('--progress-json', 'report progress as JSON lines on stderr (for scripts and wrappers)')
    .action(async (path: string, options: { project?: string; force?: boolean; json?: boolean; progressJson?: boolean }) => {
      await withService(async (service) => {
        const controller = new AbortController();
        const interrupt = () => controller.abort();
        process.once('SIGINT', interrupt);
        const bar = createIndexProgressBar();
        try {
          const { project, summary } = await service.indexRepository(
            { path, project: options.project, force: options.force },
            {
              signal: controller.signal,
              onProgress: (progress) => {
                if (options.progressJson) process.stderr.write(`${JSON.stringify(progress)}\n`);
                else if (!options.json) bar.update(progress);
              },
            },
          );
          bar.done();
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
      await withService(async (service) => {
        const outcome = await service.search(input, [process.cwd()]);
        const content = searchContent(outcome);
        if (options.json) printJson(content);
        else console.log(formatSearchHuman(content, options.full === true));
      });
    });

  program
    .command('status')
    .description('What a project holds and when it was last indexed')
    .option('-p, --project <name>', 'project (default: the one containing the current directory)')
    .option('--json', 'print as JSON')
    .action(async (options: { project?: string; json?: boolean }) => {
      await withService(async (service) => {
        const content = statusContent(await service.status(options.project, [process.cwd()]));
        if (options.json) return printJson(content);
        console.log(
          [
            `project:  ${content.project}`,
            `root:     ${content.root}`,
            `files:    ${content.indexed_files}`,
            `chunks:   ${content.indexed_chunks}`,
            `model:    ${content.embedding_model ?? '(not indexed yet)'}`,
            `indexed:  ${content.last_indexed_at ?? 'never'}`,
          ].join('\n'),
        );
      });
    });

  program
    .command('projects')
    .description('List indexed projects')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }) => {
      await withService(async (service) => {
        const content = projectsContent(await service.listProjects());
        if (options.json) return printJson(content);
        if (content.projects.length === 0) return console.log('No projects yet. Run: codebase-mcp index <path>');
        for (const project of content.projects) {
          console.log(`${project.name.padEnd(24)} ${String(project.files ?? 0).padStart(7)} files ${String(project.chunks ?? 0).padStart(8)} chunks  ${project.root}`);
        }
      });
    });

  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(0);
    if (typeof code === 'string' && code.startsWith('commander.')) process.exit(EXIT_USAGE);
    if (error instanceof IndexCancelledError) {
      process.stderr.write(`Interrupted. ${error.message}\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    process.stderr.write(`error: ${describeError(error)}\n`);
    if (!isUserError(error) && process.env.CODEBASE_MCP_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(isUserError(error) && (error as UserError).code === 'INVALID_INPUT' ? EXIT_USAGE : EXIT_FAILURE);
  }
}

void main();
