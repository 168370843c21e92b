// End to end over the CLI, as a user runs it, in a temporary data home —
// embedded, and in server mode against a real PostgreSQL when there is one.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dropTestRegistry, testBackends, testServerUrl, uniqueName } from '../testing/testBackends.js';
import { spawnHttpServer } from '../http/httpServerProcess.js';
import { copyOfSampleRepo, isolatedEnv, removeTemporaryDirectories, runCli, temporaryDirectory } from '../testing/testEnvironment.js';

after(removeTemporaryDirectories);

for (const backend of testBackends()) {
  describe(`CLI end to end (${backend.name})`, { skip: backend.skip }, () => {
    let env: NodeJS.ProcessEnv;
    let repo: string;
    const serverUrl = testServerUrl();
    const registry = uniqueName('cbtest_cli_registry');

    before(async () => {
      const server: Record<string, string> =
        backend.name === 'server' && serverUrl ? { CODEBASE_MCP_DATABASE_URL: serverUrl, CODEBASE_MCP_REGISTRY_DATABASE: registry } : {};
      // Watching off: these tests count what each index run changed, which the service's watcher would otherwise race
      // (freshness has its own tests, src/mcp/freshness.e2e.test.ts).
      env = isolatedEnv(await temporaryDirectory('cli-home'), { ...server, CODEBASE_MCP_WATCH: '0' });
      repo = await copyOfSampleRepo();
    });

    after(async () => {
      if (backend.name === 'server' && serverUrl) await dropTestRegistry(serverUrl, registry);
    });

    test('index prints a JSON summary; a second run re-embeds nothing', async () => {
      const first = await runCli(['index', repo, '--json'], { env });
      assert.equal(first.code, 0, first.stderr);
      const summary = JSON.parse(first.stdout);
      assert.equal(summary.project, 'sample-repo');
      assert.ok(summary.totalFiles >= 20);
      assert.equal(summary.filesIndexed, summary.totalFiles);
      assert.ok(summary.chunksEmbedded > 0);
      assert.ok(summary.filesSkipped.secret >= 3);

      const second = JSON.parse((await runCli(['index', repo, '--json'], { env })).stdout);
      assert.equal(second.filesIndexed, 0);
      assert.equal(second.chunksEmbedded, 0);
      assert.equal(second.filesUnchanged, summary.totalFiles);
      assert.ok(second.durationMs < summary.durationMs, `no-change run ${second.durationMs} ms vs first ${summary.durationMs} ms`);
    });

    test('search from inside the repository finds its project; --json gives structured results', async () => {
      const result = await runCli(['search', 'ring buffer push and pop', '--json', '--limit', '3'], { env, cwd: join(repo, 'firmware') });
      assert.equal(result.code, 0, result.stderr);
      const parsed = JSON.parse(result.stdout);
      assert.equal(parsed.project, 'sample-repo');
      assert.equal(parsed.mode, 'hybrid');
      assert.ok(parsed.results.length <= 3);
      assert.equal(parsed.results[0].path, 'firmware/ring_buffer.c');
      assert.equal(typeof parsed.results[0].snippet, 'string');
    });

    test('human output shows path, lines and the snippet with line numbers', async () => {
      const result = await runCli(['search', 'matrix multiply', '--project', 'sample-repo', '-n', '1'], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /^1\. native\/matrix\.cpp:\d+-\d+/);
      assert.match(result.stdout, /\n\s+\d+ │ /);
    });

    test('an edited file is re-indexed and found by its new content', async () => {
      await writeFile(join(repo, 'services', 'platypus.py'), 'def platypus_invoice_reconciler(ledger):\n    return ledger\n');
      const indexed = JSON.parse((await runCli(['index', repo, '--json'], { env })).stdout);
      assert.equal(indexed.filesIndexed, 1);
      const found = JSON.parse((await runCli(['search', 'platypus reconciler', '--json', '--project', 'sample-repo'], { env })).stdout);
      assert.equal(found.results[0].path, 'services/platypus.py');
    });

    test('status and projects report the index', async () => {
      const status = JSON.parse((await runCli(['status', '--project', 'sample-repo', '--json'], { env })).stdout);
      assert.equal(status.project, 'sample-repo');
      assert.ok(status.indexed_files >= 20);
      const projects = JSON.parse((await runCli(['projects', '--json'], { env })).stdout);
      assert.deepEqual(projects.projects.map((project: { name: string }) => project.name), ['sample-repo']);
    });

    test('bad input exits non-zero with a clear message on stderr and nothing on stdout', async () => {
      const cases: [string[], number, RegExp][] = [
        [['index', '/no/such/repo'], 2, /^error: Path \/no\/such\/repo does not exist\.\nPass the directory of a repository to index\.\n$/],
        [['index', join(repo, 'firmware', 'ring_buffer.c')], 2, /is a file, not a directory/],
        [['index', ''], 2, /^error: The repository path is empty\.\nPass the directory of a repository to index/],
        [['search', '', '--project', 'sample-repo'], 2, /^error: Invalid query: the query is empty\./],
        [['search', 'x', '--project', 'nope'], 1, /Unknown project 'nope'\. Known projects: sample-repo\./],
        [['search', 'x', '--project', 'sample-repo', '--limit', '0'], 2, /Invalid limit/],
        [['search', 'x', '--project', 'sample-repo', '--mode', 'fuzzy'], 2, /argument 'fuzzy' is invalid.*hybrid, semantic, lexical/],
        [['search', 'x'], 1, /No indexed project contains/],
        [['index', repo, '--project', 'bad name!'], 2, /Invalid project name "bad name!"/],
      ];
      for (const [args, code, stderr] of cases) {
        const result = await runCli(args, { env, cwd: '/' });
        assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, stderr);
        assert.equal(result.stdout, '');
      }
    });
  });
}

test('serve --http as the first command on a new machine creates the data home and says where the token is', async () => {
  const cwd = await temporaryDirectory('cli-new-home');
  const home = join(cwd, 'not', 'yet');
  const server = await spawnHttpServer({ home, cwd, env: isolatedEnv(home, { CODEBASE_MCP_WATCH: '0' }), address: '127.0.0.1:0', timeoutMs: 60_000 });
  try {
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.match(server.stderr(), new RegExp(`${join(home, 'http-token').replace(/[/.]/g, '\\$&')}`));
  } finally {
    await server.stop();
  }
});

test('every command has --help', async () => {
  const env = isolatedEnv(await temporaryDirectory('cli-help'));
  for (const command of ['serve', 'index', 'search', 'status', 'projects', 'doctor', 'backup', 'restore', 'migrate', 'service']) {
    const result = await runCli([command, '--help'], { env });
    assert.equal(result.code, 0);
    assert.match(result.stdout, new RegExp(`Usage: codebase-mcp ${command}`));
  }
});

test('an index built with the word vectors (the old default) asks for a re-index, naming the change and both ways out', async () => {
  const home = await temporaryDirectory('cli-default-change');
  const repo = await copyOfSampleRepo();
  const byDefault = isolatedEnv(home);
  delete byDefault.CODEBASE_MCP_EMBEDDER;
  delete byDefault.CODEBASE_MCP_EMBEDDING_MODEL;
  const old = { ...byDefault, CODEBASE_MCP_EMBEDDER: 'word-vectors' };
  const indexed = await runCli(['index', repo, '--json'], { env: old });
  assert.equal(indexed.code, 0, indexed.stderr);

  for (const args of [['search', 'ring buffer', '--project', 'sample-repo'], ['index', repo]]) {
    const refused = await runCli(args, { env: byDefault });
    assert.equal(refused.code, 1, `${args[0]}: ${refused.stdout}${refused.stderr}`);
    assert.match(refused.stderr, /word-vectors-sg-100d@1.*code-search-v1/s);
    assert.match(refused.stderr, /The default embedder is now code-search-v1/);
    assert.match(refused.stderr, /--force/);
    assert.match(refused.stderr, /CODEBASE_MCP_EMBEDDER=word-vectors/);
  }
  const kept = await runCli(['search', 'ring buffer', '--project', 'sample-repo', '--json'], { env: old });
  assert.equal(kept.code, 0, kept.stderr);

  const rebuilt = await runCli(['index', repo, '--force', '--json'], { env: byDefault });
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  const status = JSON.parse((await runCli(['status', '--project', 'sample-repo', '--json'], { env: byDefault })).stdout);
  assert.equal(status.embedding_model, 'code-search-v1 (128d)');
});
