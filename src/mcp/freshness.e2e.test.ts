// Freshness over MCP, with the SDK's real client spawning the built server on
// stdio: with watching off, a changed file's results say stale: true and
// sync_index brings the index up to date; with watching on (the default for
// serve), an edit shows in search_code without any call to index.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLI_PATH, copyOfSampleRepo, isolatedEnv, removeTemporaryDirectories, runCli, temporaryDirectory } from '../testing/testEnvironment.js';

type ToolResult = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: Record<string, any> };

const clients: Client[] = [];

after(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await removeTemporaryDirectories();
});

async function startServer(home: string, env: Record<string, string>) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI_PATH, 'serve'],
    env: isolatedEnv(home, { CODEBASE_MCP_IDLE_TIMEOUT_MS: '600000', ...env }) as Record<string, string>,
    cwd: home,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'codebase-mcp-freshness-e2e', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  // Indexing with wait_seconds can outlast the SDK's default 60 s on a busy machine.
  const call = async (name: string, args: Record<string, unknown> = {}) =>
    (await client.callTool({ name, arguments: args }, undefined, { timeout: 300_000 })) as ToolResult;
  return { client, call };
}

const text = (result: ToolResult) => result.content.map((part) => part.text ?? '').join('\n');

describe('freshness over MCP with watching off (CODEBASE_MCP_WATCH=0)', () => {
  test('a changed file is stale in search_code until sync_index, which reports what changed', async () => {
    const home = await temporaryDirectory('mcp-fresh-home');
    const repo = await copyOfSampleRepo();
    const { call } = await startServer(home, { CODEBASE_MCP_WATCH: '0' });
    const indexed = await call('index_repository', { path: repo, project: 'shop', wait_seconds: 120 });
    assert.equal(indexed.structuredContent!.state, 'succeeded', text(indexed));

    const status = await call('get_indexing_status', { project: 'shop' });
    assert.equal(status.structuredContent!.watcher.state, 'off');
    assert.match(status.structuredContent!.watcher.detail, /CODEBASE_MCP_WATCH=0/);

    const target = 'firmware/ring_buffer.c';
    const original = await readFile(join(repo, target), 'utf8');
    await writeFile(join(repo, target), `${original}\n/* edited: pelican_overflow_guard */\n`);
    await writeFile(join(repo, 'services', 'heron_added.py'), 'def heron_added_marker():\n    return 1\n');

    const stale = await call('search_code', { query: 'ring buffer push and pop', project: 'shop', limit: 5 });
    assert.equal(stale.isError, undefined, text(stale));
    const results = stale.structuredContent!.results as { path: string; stale: boolean }[];
    assert.equal(results[0].path, target);
    assert.equal(results[0].stale, true);
    assert.ok(results.every((hit) => hit.stale === (hit.path === target)), `only the changed file is stale: ${JSON.stringify(results.map((hit) => [hit.path, hit.stale]))}`);
    assert.equal(stale.structuredContent!.pending_changes, null, 'nothing watches: pending changes are unknown');
    assert.equal(stale.structuredContent!.watcher, 'off');
    assert.ok(Date.parse(stale.structuredContent!.indexed_at) > Date.now() - 600_000);
    assert.match(text(stale), /\[stale: file changed since indexed\]/);

    const synced = await call('sync_index', { project: 'shop' });
    assert.equal(synced.isError, undefined, text(synced));
    assert.deepEqual(synced.structuredContent!.changed, [target]);
    assert.deepEqual(synced.structuredContent!.added, ['services/heron_added.py']);
    assert.deepEqual(synced.structuredContent!.deleted, []);
    assert.ok(synced.structuredContent!.chunks_written > 0);
    assert.match(text(synced), /1 added, 1 changed, 0 deleted/);

    const fresh = await call('search_code', { query: 'ring buffer push and pop', project: 'shop', limit: 5 });
    assert.equal((fresh.structuredContent!.results as { stale: boolean }[])[0].stale, false);
    const added = await call('search_code', { query: 'heron added marker', project: 'shop', mode: 'lexical' });
    assert.equal((added.structuredContent!.results as { path: string }[])[0]?.path, 'services/heron_added.py');
    const after = await call('get_indexing_status', { project: 'shop' });
    assert.equal(after.structuredContent!.job_trigger, 'sync');
  });

  test('with --no-service, codebase-mcp sync --json and status --json say the same in a one-shot process (which never watches)', async () => {
    const home = await temporaryDirectory('cli-fresh-home');
    const repo = await copyOfSampleRepo();
    const env = isolatedEnv(home, { CODEBASE_MCP_SERVICE: '0' });
    assert.equal((await runCli(['index', repo, '--project', 'shop'], { env })).code, 0);
    await appendFile(join(repo, 'web', 'src', 'lib', 'debounce.js'), '\nexport const flamingoDebounceMarker = 1;\n');
    const sync = await runCli(['sync', '--project', 'shop', '--json'], { env });
    assert.equal(sync.code, 0, sync.stderr);
    const content = JSON.parse(sync.stdout);
    assert.deepEqual([content.added, content.changed, content.deleted], [[], ['web/src/lib/debounce.js'], []]);
    const status = await runCli(['status', '--project', 'shop', '--json'], { env });
    const watcher = JSON.parse(status.stdout).watcher;
    assert.equal(watcher.state, 'off');
    assert.match(watcher.detail, /one-shot command/);
  });
});

describe('freshness over MCP with watching on (the default for serve)', () => {
  test('an edit shows in search_code within seconds without a call to index', async () => {
    const home = await temporaryDirectory('mcp-watch-home');
    const repo = await copyOfSampleRepo();
    const { call } = await startServer(home, { CODEBASE_MCP_WATCH_DEBOUNCE_MS: '200' });
    const indexed = await call('index_repository', { path: repo, project: 'shop', wait_seconds: 120 });
    assert.equal(indexed.structuredContent!.state, 'succeeded', text(indexed));
    for (let waited = 0; waited < 5000; waited += 100) {
      if ((await call('get_indexing_status', { project: 'shop' })).structuredContent!.watcher.state === 'watching') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await appendFile(join(repo, 'services', 'cache', 'lru_cache.py'), '\n\ndef cormorant_eviction_marker():\n    return 0\n');
    const started = Date.now();
    let paths: string[] = [];
    while (Date.now() - started < 20_000) {
      const result = await call('search_code', { query: 'cormorant eviction marker', project: 'shop', mode: 'lexical' });
      const hits = result.structuredContent!.results as { path: string; snippet: string }[];
      // The file matches "eviction" before the edit too: wait for the new function itself.
      paths = hits.filter((hit) => hit.snippet.includes('cormorant_eviction_marker')).map((hit) => hit.path);
      if (paths[0] === 'services/cache/lru_cache.py') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(paths[0], 'services/cache/lru_cache.py', `found within 20 s (got ${paths.join(', ')})`);
    // The watcher applied it (status may still show the earlier index job as the project's job). Its rows
    // are searchable as soon as they commit, a moment before the watcher records the sync: poll briefly.
    let watcher: Record<string, any> = {};
    for (let waited = 0; waited < 5000; waited += 100) {
      watcher = (await call('get_indexing_status', { project: 'shop' })).structuredContent!.watcher;
      if (watcher.last_sync_at) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(watcher.state, 'watching');
    assert.ok(watcher.last_sync_at, JSON.stringify(watcher));
  });

  test('added, renamed and deleted files, and a git checkout of 200 files (one batch), show in search without a call to index', async () => {
    const home = await temporaryDirectory('mcp-watch-git-home');
    const repo = await copyOfSampleRepo();
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=test', ...args], { cwd: repo, stdio: 'pipe' });
    git('add', '-A');
    git('commit', '-q', '-m', 'sample');
    // A branch that adds 200 files, then back on main without them.
    git('checkout', '-q', '-b', 'bulk');
    await mkdir(join(repo, 'herons'));
    for (let i = 0; i < 200; i++) await writeFile(join(repo, 'herons', `heron_${i}.py`), `def heron_marker_${i}(value):\n    return value + ${i}\n`);
    await writeFile(join(repo, 'herons', 'heron_199.py'), 'def heron_lantern_marker(value):\n    return value + 199\n');
    git('add', '-A');
    git('commit', '-q', '-m', 'bulk');
    git('checkout', '-q', 'main');

    const { call } = await startServer(home, { CODEBASE_MCP_WATCH_DEBOUNCE_MS: '500' });
    const indexed = await call('index_repository', { path: repo, project: 'shop', wait_seconds: 120 });
    assert.equal(indexed.structuredContent!.state, 'succeeded', text(indexed));
    const watcher = async () => (await call('get_indexing_status', { project: 'shop' })).structuredContent!.watcher as Record<string, any>;
    for (let waited = 0; waited < 5000 && (await watcher()).state !== 'watching'; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    /** Paths whose results contain `marker`, polled until `done` says so (or 20 s). */
    const pathsWith = async (marker: string, done: (paths: string[]) => boolean) => {
      let paths: string[] = [];
      for (const started = Date.now(); Date.now() - started < 20_000; await new Promise((resolve) => setTimeout(resolve, 100))) {
        const result = await call('search_code', { query: marker.replace(/_/g, ' '), project: 'shop', mode: 'lexical', limit: 5 });
        paths = (result.structuredContent!.results as { path: string; snippet: string }[]).filter((hit) => hit.snippet.includes(marker)).map((hit) => hit.path);
        if (done(paths)) break;
      }
      return paths;
    };

    await writeFile(join(repo, 'services', 'pelican.py'), 'def pelican_roost_marker():\n    return 1\n');
    assert.deepEqual(await pathsWith('pelican_roost_marker', (paths) => paths.length > 0), ['services/pelican.py'], 'an added file');
    await rename(join(repo, 'services', 'pelican.py'), join(repo, 'services', 'pelican_moved.py'));
    assert.deepEqual(await pathsWith('pelican_roost_marker', (paths) => paths.includes('services/pelican_moved.py') && paths.length === 1), ['services/pelican_moved.py'], 'a renamed file');
    await rm(join(repo, 'services', 'pelican_moved.py'));
    assert.deepEqual(await pathsWith('pelican_roost_marker', (paths) => paths.length === 0), [], 'a deleted file');

    // Let the last batch land before counting.
    for (let waited = 0; waited < 5000 && (await watcher()).pending_changes !== 0; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    const before = (await watcher()).batches_applied as number;
    const filesBefore = (await call('get_indexing_status', { project: 'shop' })).structuredContent!.indexed_files as number;
    git('checkout', '-q', 'bulk');
    assert.deepEqual(await pathsWith('heron_lantern_marker', (paths) => paths.length > 0), ['herons/heron_199.py'], 'the branch switch');
    let status: Record<string, any> = {};
    for (let waited = 0; waited < 10_000; waited += 100) {
      status = (await call('get_indexing_status', { project: 'shop' })).structuredContent!;
      if (status.indexed_files === filesBefore + 200 && status.watcher.pending_changes === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status.indexed_files, filesBefore + 200, 'every file of the branch is in the index');
    const after = await watcher();
    assert.equal(after.batches_applied, before + 1, `the branch switch was applied as one batch: ${JSON.stringify(after)}`);
    // (The batch may name the new directory rather than each file in it: the count of indexed files is the check.)
  });
});

