// The bad-input rows of docs/reliability.md, end to end: the built CLI (exit
// code, stderr, nothing on stdout) and the real MCP client over stdio
// (isError, the server still serving afterwards). One test per row; the
// catalogue names them.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { CLI_PATH, isolatedEnv, removeTemporaryDirectories, runCli, temporaryDirectory, type CliResult } from '../testing/testEnvironment.js';
import { RAW_DATABASE_ERROR } from '../testing/rawDatabaseError.js';

type ToolResult = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: Record<string, any> };

/** A small repository, made a git repository as users' are. */
async function smallRepository(label: string): Promise<string> {
  const root = await temporaryDirectory(label);
  await mkdir(join(root, 'src'), { recursive: true });
  await writeFile(join(root, 'src', 'limiter.py'), 'class RateLimiter:\n    def allow(self, key):\n        return True\n');
  await writeFile(join(root, 'src', 'notes.md'), '# Notes\nThe limiter drops requests over the quota.\n');
  await new Promise((resolve, reject) => spawn('git', ['init', '-q'], { cwd: root }).on('close', resolve).on('error', reject));
  return root;
}

/** The reported case: not a git repository, .gitignore `/*` then `!/debian/`. */
async function unpackedPackageTree(): Promise<string> {
  const root = await temporaryDirectory('unpacked');
  await mkdir(join(root, 'src'), { recursive: true });
  await mkdir(join(root, 'debian'), { recursive: true });
  await writeFile(join(root, '.gitignore'), '/*\n!/debian/\n');
  await writeFile(join(root, 'src', 'main.c'), 'int main(void) { return 0; }\n');
  await writeFile(join(root, 'src', 'parse.c'), 'int parse_header(const char *line) { return line[0]; }\n');
  await writeFile(join(root, 'debian', 'rules'), '#!/usr/bin/make -f\n%:\n\tdh $@\n');
  return root;
}

after(removeTemporaryDirectories);

describe('bad input over the CLI', () => {
  let home: string;
  let repo: string;
  let env: NodeJS.ProcessEnv;
  const cli = (args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> =>
    runCli(args, { env: { ...env, ...extraEnv }, cwd: '/' });

  before(async () => {
    home = await temporaryDirectory('bad-cli-home');
    env = isolatedEnv(home);
    repo = await smallRepository('bad-cli-repo');
    const indexed = await runCli(['index', repo, '--project', 'small', '--json'], { env });
    assert.equal(indexed.code, 0, indexed.stderr);
  });

  // [row label, arguments, environment, exit code, stderr]
  const refusals: Array<[string, () => string[], Record<string, string>, number, RegExp]> = [
    ['index "" is refused instead of indexing the working directory', () => ['index', ''], {}, 2, /^error: The repository path is empty\.\nPass the directory/],
    ['index of a blank path is refused', () => ['index', '   '], {}, 2, /The repository path is empty/],
    ['index of a missing path', () => ['index', '/no/such/repo'], {}, 2, /Path \/no\/such\/repo does not exist\.\nPass the directory/],
    ['index of a file instead of a directory', () => ['index', join(repo, 'src', 'limiter.py')], {}, 2, /is a file, not a directory\.\nPass the repository directory that contains it/],
    ['search with an unbalanced glob [[[ is INVALID_GLOB naming the glob', () => ['search', 'limiter', '--project', 'small', '--path', '[[['], {}, 2, /Invalid path glob "\[\[\[": Missing closing: "\]".*\nBalance the brackets/],
    ['search with an unclosed brace glob', () => ['search', 'limiter', '--project', 'small', '--path', 'src/{a,b'], {}, 2, /Invalid path glob "src\/\{a,b"/],
    ['search with a query over 2000 characters', () => ['search', 'x'.repeat(2001), '--project', 'small'], {}, 2, /Invalid query: String must contain at most 2000 character/],
    ['search with control characters (binary) in the query', () => ['search', 'abc\u0001\u0002', '--project', 'small'], {}, 2, /Invalid query: the query contains NUL or other control characters/],
    ['search with an empty query', () => ['search', '', '--project', 'small'], {}, 2, /the query is empty/],
    ['search --limit 0', () => ['search', 'x', '--project', 'small', '--limit', '0'], {}, 2, /Invalid limit: Number must be greater than or equal to 1/],
    ['search --limit 1000', () => ['search', 'x', '--project', 'small', '--limit', '1000'], {}, 2, /Invalid limit: Number must be less than or equal to 100/],
    ['search --limit abc', () => ['search', 'x', '--project', 'small', '--limit', 'abc'], {}, 2, /--limit must be a whole number/],
    ['search --mode fuzzy', () => ['search', 'x', '--project', 'small', '--mode', 'fuzzy'], {}, 2, /argument 'fuzzy' is invalid.*hybrid, semantic, lexical/],
    ['search --max-tokens 5', () => ['search', 'x', '--project', 'small', '--max-tokens', '5'], {}, 2, /Invalid max_tokens/],
    ['search --context -1', () => ['search', 'x', '--project', 'small', '--context', '-1'], {}, 2, /Invalid context_lines/],
    ['search --language cobol (unknown language)', () => ['search', 'x', '--project', 'small', '--language', 'cobol'], {}, 2, /Invalid language: unknown language; use one of .*python/],
    ['search --extension with a space', () => ['search', 'x', '--project', 'small', '--extension', 'p y'], {}, 2, /Invalid extension: an extension is letters/],
    ['search --project with an invalid name', () => ['search', 'x', '--project', 'bad name!'], {}, 2, /Invalid project: use 1-63 letters/],
    ['search --project that does not exist', () => ['search', 'x', '--project', 'nope'], {}, 1, /Unknown project 'nope'\. Known projects: small\./],
    ['a non-numeric CODEBASE_MCP_MAX_FILE_BYTES', () => ['status', '--project', 'small'], { CODEBASE_MCP_MAX_FILE_BYTES: 'lots' }, 2, /Invalid configuration: environment variable CODEBASE_MCP_MAX_FILE_BYTES = "lots".*\nFix or unset that value/],
    ['an unknown CODEBASE_MCP_LOG_LEVEL', () => ['status', '--project', 'small'], { CODEBASE_MCP_LOG_LEVEL: 'loud' }, 2, /CODEBASE_MCP_LOG_LEVEL = "loud"/],
    ['CODEBASE_MCP_NO_REQUIRE_GIT that is not a boolean', () => ['status', '--project', 'small'], { CODEBASE_MCP_NO_REQUIRE_GIT: 'maybe' }, 2, /CODEBASE_MCP_NO_REQUIRE_GIT = "maybe": must be true or false/],
    ['a database URL that is not postgres://', () => ['status'], { CODEBASE_MCP_DATABASE_URL: 'mysql://localhost/db' }, 2, /CODEBASE_MCP_DATABASE_URL .*must be a postgres:\/\/ or postgresql:\/\/ URL/],
    ['a database URL that is not a URL at all', () => ['status'], { CODEBASE_MCP_DATABASE_URL: 'not a url' }, 2, /CODEBASE_MCP_DATABASE_URL = "not a url": Invalid url/],
    ['a CODEBASE_MCP_CONFIG that does not exist', () => ['status'], { CODEBASE_MCP_CONFIG: '/no/such/config.json' }, 2, /Config file \/no\/such\/config\.json does not exist\.\nFix CODEBASE_MCP_CONFIG/],
    ['a database server that is not there', () => ['status'], { CODEBASE_MCP_DATABASE_URL: 'postgres://postgres@127.0.0.1:9/postgres' }, 1, /127\.0\.0\.1:9/],
  ];
  // None of these opens a project (each is refused first), so they may run side by side.
  describe('refusals', { concurrency: 3 }, () => {
    for (const [label, args, extraEnv, code, stderr] of refusals) {
      test(`CLI: ${label}`, async () => {
        const result = await cli(args(), extraEnv);
        assert.equal(result.code, code, result.stderr);
        assert.match(result.stderr, stderr);
        assert.equal(result.stdout, '', 'nothing on stdout');
        assert.doesNotMatch(result.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace');
      });
    }
  });

  test('CLI: a config file that is not JSON', async () => {
    const configPath = join(await temporaryDirectory('bad-config'), 'config.json');
    await writeFile(configPath, '{ maxFileBytes: ');
    const result = await cli(['status'], { CODEBASE_MCP_CONFIG: configPath });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Config file .*config\.json is not valid: .*JSON.*\nIt must be a JSON object/);
  });

  for (const query of ["'; DROP TABLE chunks; --", 'a & | !b', ':*', "' OR '1'='1", '$$ pg_sleep(10) $$']) {
    test(`CLI: the SQL/tsquery-looking query ${JSON.stringify(query)} is searched as words`, async () => {
      for (const mode of ['lexical', 'hybrid']) {
        const result = await cli(['search', query, '--project', 'small', '--json', '--mode', mode]);
        assert.equal(result.code, 0, result.stderr);
        assert.equal(JSON.parse(result.stdout).mode, mode);
        assert.doesNotMatch(result.stdout + result.stderr, RAW_DATABASE_ERROR);
      }
    });
  }

  test('CLI: an unreadable repository directory is PATH_UNREADABLE', async () => {
    const locked = await smallRepository('locked-repo');
    await chmod(locked, 0o000);
    try {
      // root reads anything; run the CLI as nobody then, with a home it may write.
      const asRoot = process.getuid?.() === 0;
      const userHome = await temporaryDirectory('nobody-home');
      await chmod(userHome, 0o777);
      const result = await runCli(['index', locked], {
        env: isolatedEnv(userHome, { HOME: userHome, CODEBASE_MCP_CACHE_DIR: join(userHome, 'cache') }),
        cwd: '/',
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
      });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /Directory .*locked-repo.* cannot be read \(EACCES\)\.\nCheck its permissions/);
    } finally {
      await chmod(locked, 0o755);
    }
  });

  test('CLI: the reported tree (.gitignore /* + !/debian/, no git) is indexed, with a note on how to apply the .gitignore', async () => {
    const tree = await unpackedPackageTree();
    const result = await cli(['index', tree, '--project', 'unpacked', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.totalFiles, 4);
    assert.equal(summary.ignoreMode, 'product-rules');
    assert.match(result.stderr, /note: .* is not inside a git repository, so its 1 \.gitignore file was not applied.*--no-require-git/);
    const found = JSON.parse((await cli(['search', 'parse_header', '--project', 'unpacked', '--json', '--mode', 'lexical'])).stdout);
    assert.equal(found.results[0].path, 'src/parse.c');
  });

  test('CLI: with --no-require-git the same tree keeps only debian/, and the warning names `/*` at `.gitignore:1`', async () => {
    const tree = await unpackedPackageTree();
    const result = await cli(['index', tree, '--project', 'unpacked-gitignore', '--no-require-git', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.totalFiles, 1);
    assert.deepEqual(summary.leftOutByRule[0], { rule: '/*', file: '.gitignore', line: 1, entries: 2 });
    assert.match(summary.warnings[0], /Most of .* was left out/);
    assert.match(result.stderr, /warning: Most of .*\n  2 left out by `\/\*` at `\.gitignore:1`/);
  });

  test('CLI: an index run that keeps nothing exits 1 and names the rule, on stderr and in --json', async () => {
    const tree = await unpackedPackageTree();
    await writeFile(join(tree, '.codebase-mcp-ignore'), '*\n');
    const result = await cli(['index', tree, '--project', 'emptied', '--json']);
    assert.equal(result.code, 1, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.totalFiles, 0);
    assert.match(summary.warnings[0], /^Nothing was indexed in .*: the scan kept 0 files/);
    assert.match(result.stderr, /warning: Nothing was indexed[^]*left out by `\*` at `\.codebase-mcp-ignore:1`[^]*Fix: /);
    const human = await cli(['index', tree, '--project', 'emptied']);
    assert.equal(human.code, 1);
    assert.match(human.stderr, /warning: Nothing was indexed/);
  });
});

describe('bad input over MCP (stdio)', () => {
  let client: Client;
  let home: string;
  let repo: string;
  let serverStderr = '';
  const protocolErrors: Error[] = [];
  const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as ToolResult;
  const text = (result: ToolResult) => result.content.map((part) => part.text ?? '').join('\n');

  before(async () => {
    home = await temporaryDirectory('bad-mcp-home');
    repo = await smallRepository('bad-mcp-repo');
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI_PATH, 'serve'],
      env: isolatedEnv(home, { CODEBASE_MCP_IDLE_TIMEOUT_MS: '600000' }) as Record<string, string>,
      cwd: home,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (data) => (serverStderr += data));
    client = new Client({ name: 'codebase-mcp-bad-input', version: '1.0.0' });
    client.onerror = (error) => protocolErrors.push(error);
    await client.connect(transport);
    const indexed = await call('index_repository', { path: repo, project: 'small', wait_seconds: 120 });
    assert.equal(indexed.structuredContent?.state, 'succeeded', text(indexed));
  });

  after(async () => {
    await client?.close();
  });

  const refusals: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ['index_repository with an empty path', 'index_repository', { path: '' }, /path/i],
    ['index_repository with a blank path', 'index_repository', { path: '  ' }, /the path is empty/],
    ['index_repository with a missing path', 'index_repository', { path: '/no/such/repo' }, /Path \/no\/such\/repo does not exist/],
    ['index_repository with a file path', 'index_repository', { path: '/etc/hostname' }, /is a file, not a directory/],
    ['index_repository with an invalid project name', 'index_repository', { path: '/tmp', project: '../etc' }, /project/i],
    ['search_code with an unbalanced glob [[[', 'search_code', { query: 'limiter', project: 'small', path: '[[[' }, /Invalid path glob "\[\[\["[^]*Balance the brackets/],
    ['search_code with a NUL byte in the query', 'search_code', { query: 'abc\u0000def', project: 'small' }, /control characters/],
    ['search_code with a lone surrogate in the query', 'search_code', { query: 'abc\uD800', project: 'small' }, /not valid Unicode text/],
    ['search_code with a query over 2000 characters', 'search_code', { query: 'q'.repeat(2001), project: 'small' }, /2000/],
    ['search_code with limit 0', 'search_code', { query: 'x', project: 'small', limit: 0 }, /limit/],
    ['search_code with limit 101', 'search_code', { query: 'x', project: 'small', limit: 101 }, /limit/],
    ['search_code with a fractional limit', 'search_code', { query: 'x', project: 'small', limit: 2.5 }, /limit/],
    ['search_code with mode "fuzzy"', 'search_code', { query: 'x', project: 'small', mode: 'fuzzy' }, /mode/],
    ['search_code with max_tokens 10', 'search_code', { query: 'x', project: 'small', max_tokens: 10 }, /max_tokens/],
    ['search_code with context_lines 51', 'search_code', { query: 'x', project: 'small', context_lines: 51 }, /context_lines/],
    ['search_code with an unknown language', 'search_code', { query: 'x', project: 'small', language: 'cobol' }, /unknown language/],
    ['search_code with a project name that is not a name', 'search_code', { query: 'x', project: "'; DROP" }, /project/],
    ['search_code with a query of the wrong type', 'search_code', { query: 42, project: 'small' }, /query/],
    ['get_indexing_status with an unknown job', 'get_indexing_status', { job_id: 'no-such-job' }, /Unknown indexing job 'no-such-job'/],
    ['cancel_indexing with an unknown job', 'cancel_indexing', { job_id: 'no-such-job' }, /Unknown indexing job/],
  ];
  for (const [label, tool, args, expected] of refusals) {
    test(`MCP: ${label}`, async () => {
      const result = await call(tool, args);
      assert.equal(result.isError, true, `${tool} ${JSON.stringify(args)} should fail: ${text(result)}`);
      assert.match(text(result), expected);
      assert.doesNotMatch(text(result), /\n\s+at .*\.js:\d+/, 'no stack trace');
      const still = await call('search_code', { query: 'limiter', project: 'small' });
      assert.equal(still.isError, undefined, `still serving: ${text(still)}`);
    });
  }

  test('MCP: an index that keeps nothing says so in the job, the status and its text, naming the rule', async () => {
    const tree = await unpackedPackageTree();
    await writeFile(join(tree, '.codebase-mcp-ignore'), '*\n');
    const started = await call('index_repository', { path: tree, project: 'emptied', wait_seconds: 120 });
    assert.equal(started.structuredContent?.state, 'succeeded', text(started));
    assert.match(text(started), /Warning: Nothing was indexed/);
    const status = await call('get_indexing_status', { project: 'emptied' });
    assert.equal(status.isError, undefined, text(status));
    assert.match(status.structuredContent!.warnings[0], /Nothing was indexed[^]*`\*` at `\.codebase-mcp-ignore:1`/);
    assert.deepEqual(status.structuredContent!.left_out_by_rule[0], { rule: '*', file: '.codebase-mcp-ignore', line: 1, entries: 4 });
    assert.match(text(status), /Warning: Nothing was indexed/);
  });

  test('MCP: no_require_git applies the .gitignore of a tree outside git', async () => {
    const tree = await unpackedPackageTree();
    const job = await call('index_repository', { path: tree, project: 'unpacked', no_require_git: true, wait_seconds: 120 });
    assert.equal(job.structuredContent?.state, 'succeeded', text(job));
    const status = await call('get_indexing_status', { project: 'unpacked' });
    assert.equal(status.structuredContent!.indexed_files, 1);
    assert.match(status.structuredContent!.warnings[0], /Most of .* was left out/);
  });

  test('MCP: 300 fuzzed queries through search_code: answers or isError, never database text, no protocol error', async () => {
    const queries = fc.sample(fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: fc.constantFrom(...'&|!:*()\'";-$\\[]{} abc'.split('')), maxLength: 30 })), { numRuns: 300, seed: 42 });
    let refused = 0;
    for (const [index, query] of queries.entries()) {
      const result = await call('search_code', { query, project: 'small', mode: (['hybrid', 'semantic', 'lexical'] as const)[index % 3] });
      if (result.isError) refused += 1;
      assert.doesNotMatch(text(result), RAW_DATABASE_ERROR, JSON.stringify(query));
      assert.doesNotMatch(text(result), /Internal error/, JSON.stringify(query));
    }
    assert.ok(refused < queries.length, 'most fuzzed queries are answered');
    assert.deepEqual(protocolErrors, []);
    assert.doesNotMatch(serverStderr, /Internal error|failed: /);
  });
});
