// The shared service end to end, with real processes: MCP sessions (the
// SDK's Client over stdio to `serve`) and CLI commands as front ends, each
// test in its own home, every service stopped afterwards.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { appendFile, cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  CLI_PATH,
  copyOfSampleRepo,
  isolatedEnv,
  REPO_ROOT,
  removeTemporaryDirectories,
  runCli,
  temporaryDirectory,
} from '../testing/testEnvironment.js';
import { startFakeOllamaServer } from '../testing/fakeEmbeddingServers.js';
import { spawnHttpServer } from '../http/httpServerProcess.js';
import { parsePrometheusText, sampleValue, type Sample } from '../testing/prometheusText.js';
import { processIsAlive } from './serviceFiles.js';

after(removeTemporaryDirectories);

type ToolResult = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: Record<string, any> };

interface Session {
  call(name: string, args?: Record<string, unknown>): Promise<ToolResult>;
  protocolErrors: Error[];
  stderr: () => string;
  close(): Promise<void>;
}

async function openSession(env: NodeJS.ProcessEnv, cwd: string): Promise<Session> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI_PATH, 'serve'], env: env as Record<string, string>, cwd, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (data) => (stderr += data));
  const client = new Client({ name: 'service-e2e', version: '1.0.0' });
  const protocolErrors: Error[] = [];
  client.onerror = (error) => protocolErrors.push(error);
  await client.connect(transport);
  return {
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 300_000 })) as ToolResult,
    protocolErrors,
    stderr: () => stderr,
    close: () => client.close(),
  };
}

function text(result: ToolResult): string {
  return result.content.map((part) => part.text ?? '').join('\n');
}

async function serviceStatus(env: NodeJS.ProcessEnv): Promise<Record<string, any>> {
  const result = await runCli(['service', 'status', '--json'], { env });
  return JSON.parse(result.stdout);
}

async function waitForJob(
  session: Session,
  jobId: string,
  until = (status: Record<string, any>) => status.state !== 'running',
): Promise<Record<string, any>> {
  for (let attempt = 0; attempt < 1500; attempt++) {
    const status = await session.call('get_indexing_status', { job_id: jobId });
    assert.equal(status.isError, undefined, text(status));
    if (until(status.structuredContent!)) return status.structuredContent!;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${jobId} did not get there`);
}

/** Many small Python files: enough batches that a job is surely caught mid-way. */
async function generatedRepository(files: number): Promise<string> {
  const root = await temporaryDirectory('service-repo');
  for (let i = 0; i < files; i++) {
    const dir = join(root, `pkg${i % 10}`);
    await mkdir(dir, { recursive: true });
    const body = Array.from({ length: 12 }, (_, j) => `def handler_${i}_${j}(event):\n    """Handle event ${j} of module ${i}."""\n    return event + ${j}\n`).join('\n');
    await writeFile(join(dir, `module_${i}.py`), body);
  }
  return root;
}

const hitKeys = (results: { path: string; start_line: number; end_line: number; score: number }[]) =>
  results.map((hit) => `${hit.path}:${hit.start_line}-${hit.end_line}@${hit.score}`);

test('two MCP sessions and a CLI search on one embedded project at once all answer with the same results, from one service', async () => {
  const home = await temporaryDirectory('service-shared');
  const env = isolatedEnv(home);
  const repo = await copyOfSampleRepo();
  const indexed = await runCli(['index', repo, '--json'], { env });
  assert.equal(indexed.code, 0, indexed.stderr);
  const first = await openSession(env, repo);
  const second = await openSession(env, repo);
  try {
    const query = { query: 'ring buffer push and pop', limit: 5 };
    const [a, b, cli] = await Promise.all([
      first.call('search_code', query),
      second.call('search_code', query),
      runCli(['search', query.query, '--limit', '5', '--json'], { env, cwd: repo }),
    ]);
    assert.equal(a.isError, undefined, text(a));
    assert.equal(b.isError, undefined, text(b));
    assert.equal(cli.code, 0, cli.stderr);
    const expected = hitKeys(a.structuredContent!.results);
    assert.equal(a.structuredContent!.results[0].path, 'firmware/ring_buffer.c');
    assert.deepEqual(hitKeys(b.structuredContent!.results), expected);
    assert.deepEqual(hitKeys(JSON.parse(cli.stdout).results), expected);
    const status = await serviceStatus(env);
    assert.equal(status.running, true);
    assert.equal(status.otherClients, 2, 'both sessions hold a connection to the one service');
    assert.deepEqual(status.projects.map((project: { name: string }) => project.name), ['sample-repo']);
    assert.equal(readFileSync(join(home, 'service.log'), 'utf8').match(/listening on/g)?.length, 1, 'one service started');
    assert.deepEqual([...first.protocolErrors, ...second.protocolErrors], []);
  } finally {
    await first.close();
    await second.close();
  }
});

test('a CLI search starts the service when it is not running; the socket is 0600; idle, it exits by itself', async () => {
  const home = await temporaryDirectory('service-autostart');
  const env = isolatedEnv(home, { CODEBASE_MCP_SERVICE_IDLE_MS: '1500' });
  const repo = await copyOfSampleRepo();
  assert.equal((await runCli(['--no-service', 'index', repo, '--json'], { env })).code, 0);
  const before = await runCli(['service', 'status'], { env });
  assert.equal(before.code, 3, 'not running: exit status 3');
  const search = await runCli(['search', 'matrix multiply', '--json'], { env, cwd: repo });
  assert.equal(search.code, 0, search.stderr);
  assert.ok(JSON.parse(search.stdout).results.length > 0);
  const socket = join(home, 'service.sock');
  const info = statSync(socket);
  assert.ok(info.isSocket());
  assert.equal(info.mode & 0o777, 0o600);
  const pid = Number(readFileSync(join(home, 'service.pid'), 'utf8'));
  for (let waited = 0; processIsAlive(pid) && waited < 20_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(processIsAlive(pid), false, 'the idle service exited');
  assert.equal(existsSync(socket), false, 'and removed its socket');
  assert.match(readFileSync(join(home, 'service.log'), 'utf8'), /stopping: idle for 1500 ms/);
});

test('front ends started together start exactly one service; a second service start reports the running one', async () => {
  const home = await temporaryDirectory('service-race');
  const env = isolatedEnv(home);
  const results = await Promise.all([
    runCli(['service', 'start', '--json'], { env }),
    runCli(['service', 'start', '--json'], { env }),
    runCli(['projects', '--json'], { env }),
    runCli(['service', 'start', '--json'], { env }),
  ]);
  for (const result of results) assert.equal(result.code, 0, result.stderr);
  const starts = [0, 1, 3].map((index) => JSON.parse(results[index].stdout));
  assert.equal(new Set(starts.map((start) => start.pid)).size, 1, 'every front end found the same service');
  assert.ok(starts.filter((start) => start.started).length <= 1);
  assert.equal(readFileSync(join(home, 'service.log'), 'utf8').match(/listening on/g)?.length, 1, 'exactly one service ever listened');
  const again = await runCli(['service', 'start'], { env });
  assert.match(again.stdout, new RegExp(`already running \\(pid ${starts[0].pid}, version \\d+\\.\\d+\\.\\d+, protocol 1\\)`));
  assert.match(again.stdout, /socket: .*service\.sock/);
  assert.match(again.stdout, /uptime: /);
  assert.match(again.stdout, /projects:/);
});

test('two index requests for one project join one job, searches answer while it runs, and a cancel from the other session stops it', async () => {
  // A slow embedding provider keeps the job in its embedding phase, with every chunk already searchable by keywords.
  const slow = await startFakeOllamaServer({ dimensions: 32, models: ['nomic-embed-text'], responseDelayMs: 1000 });
  const home = await temporaryDirectory('service-join');
  const env = isolatedEnv(home, { CODEBASE_MCP_EMBEDDER: 'ollama', CODEBASE_MCP_OLLAMA_URL: slow.url, CODEBASE_MCP_EMBEDDING_BATCH_SIZE: '2' });
  const repo = await copyOfSampleRepo();
  const first = await openSession(env, repo);
  const second = await openSession(env, repo);
  try {
    const started = await first.call('index_repository', { path: repo });
    const jobId = started.structuredContent!.job_id;
    assert.equal(started.structuredContent!.state, 'running', text(started));
    const joined = await second.call('index_repository', { path: repo });
    assert.equal(joined.structuredContent!.already_running, true);
    assert.equal(joined.structuredContent!.job_id, jobId);
    const embedding = await waitForJob(second, jobId, (status) => status.state !== 'running' || status.phase === 'embedding');
    assert.equal(embedding.state, 'running', 'caught in the embedding phase');
    const [fromFirst, fromSecond] = await Promise.all([
      first.call('search_code', { query: 'ring buffer push and pop', mode: 'lexical', limit: 3 }),
      second.call('search_code', { query: 'ring buffer push and pop', mode: 'lexical', limit: 3 }),
    ]);
    assert.equal(fromFirst.structuredContent!.results[0]?.path, 'firmware/ring_buffer.c', text(fromFirst));
    assert.deepEqual(hitKeys(fromSecond.structuredContent!.results), hitKeys(fromFirst.structuredContent!.results));
    const cancelled = await second.call('cancel_indexing', { job_id: jobId });
    assert.equal(cancelled.structuredContent!.state, 'cancelled', text(cancelled));
    const seenByFirst = await first.call('get_indexing_status', { job_id: jobId });
    assert.equal(seenByFirst.structuredContent!.state, 'cancelled');
    assert.equal((await serviceStatus(env)).jobs.length, 0, 'nothing runs any more');
  } finally {
    await first.close();
    await second.close();
    await slow.close();
  }
});

test('kill -9 of the service mid-index: the next call starts a new service, the job resumes, and the index equals a clean full index', async () => {
  const home = await temporaryDirectory('service-kill');
  const env = isolatedEnv(home);
  const repo = await generatedRepository(3000);
  const session = await openSession(env, repo);
  let jobId: string;
  let killedPid: number;
  try {
    const started = await session.call('index_repository', { path: repo });
    jobId = started.structuredContent!.job_id;
    let caught = false;
    for (let attempt = 0; attempt < 600 && !caught; attempt++) {
      const status = await session.call('get_indexing_status', { job_id: jobId });
      const { files_done: done, files_total: total, state } = status.structuredContent!;
      // At most half way: the service answers between PGlite writes on its main thread, so a status seen
      // near the end can arrive when the job has already finished.
      caught = state === 'running' && done > 0 && done <= total / 2;
      if (!caught) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(caught, 'the job was caught with a batch committed and more to go');
    killedPid = Number(readFileSync(join(home, 'service.pid'), 'utf8'));
    process.kill(killedPid, 'SIGKILL');
    assert.match(readFileSync(join(home, 'service-jobs.json'), 'utf8'), new RegExp(jobId), `the killed service still owed the job; its log:\n${readFileSync(join(home, 'service.log'), 'utf8')}`);
    for (let waited = 0; processIsAlive(killedPid) && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));

    const resumed = await waitForJob(session, jobId);
    assert.equal(resumed.state, 'succeeded', JSON.stringify(resumed));
    const status = await serviceStatus(env);
    assert.notEqual(status.pid, killedPid, 'a new service answered');
    assert.match(readFileSync(join(home, 'service.log'), 'utf8'), new RegExp(`resumed job ${jobId}`));

    const clean = isolatedEnv(await temporaryDirectory('service-clean'), { CODEBASE_MCP_SERVICE: '0' });
    const full = JSON.parse((await runCli(['index', repo, '--json'], { env: clean })).stdout);
    assert.equal(resumed.indexed_files, full.totalFiles);
    assert.equal(resumed.indexed_chunks, full.totalChunks);
    const query = ['search', 'handle event 7 of module 42', '--mode', 'lexical', '--limit', '5', '--json'];
    const afterCrash = JSON.parse((await runCli(query, { env, cwd: repo })).stdout);
    const fromClean = JSON.parse((await runCli(query, { env: clean, cwd: repo })).stdout);
    assert.deepEqual(hitKeys(afterCrash.results), hitKeys(fromClean.results));
    assert.deepEqual(session.protocolErrors, []);
  } finally {
    await session.close();
  }
});

/** This installation under another version number, as an older or newer install would be. */
async function otherVersionInstall(version: string): Promise<string> {
  const root = await temporaryDirectory('other-version');
  await cp(join(REPO_ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ ...manifest, version }));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  symlinkSync(join(REPO_ROOT, 'models'), join(root, 'models'));
  return join(root, 'dist', 'cli', 'main.js');
}

test('a service of another version is asked to drain and stop, and a new one serves', async () => {
  const home = await temporaryDirectory('service-version');
  const env = isolatedEnv(home);
  const oldCli = await otherVersionInstall('0.0.1-old');
  const oldStart = spawnSync(process.execPath, [oldCli, 'service', 'start', '--json'], { env, encoding: 'utf8' });
  assert.equal(oldStart.status, 0, oldStart.stderr);
  const old = JSON.parse(oldStart.stdout);
  assert.equal(old.version, '0.0.1-old');
  assert.equal((await serviceStatus(env)).version, '0.0.1-old', 'status only looks; it replaces nothing');

  const repo = await copyOfSampleRepo();
  const indexed = await runCli(['index', repo, '--json'], { env });
  assert.equal(indexed.code, 0, indexed.stderr);
  assert.equal(processIsAlive(old.pid), false, 'the old service is gone');
  const current = await serviceStatus(env);
  assert.notEqual(current.pid, old.pid);
  assert.equal(current.version, JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version);
  assert.match(readFileSync(join(home, 'service.log'), 'utf8'), /stopping: replaced: version 0\.0\.1-old \(protocol 1\) is running/);
});

test('a socket path owned by another user is refused by the service and by front ends', { skip: process.getuid?.() === 0 ? false : 'needs root to chown' }, async () => {
  const home = await temporaryDirectory('service-foreign');
  const env = isolatedEnv(home);
  const socket = join(home, 'service.sock');
  // A real socket left behind by a process that died, then given to another uid.
  const left = spawnSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`]);
  assert.equal(left.signal, 'SIGKILL');
  chownSync(socket, 54321, 54321);
  const start = await runCli(['service', 'start'], { env });
  assert.equal(start.code, 1);
  assert.match(start.stderr, /service socket .*service\.sock belongs to another user \(uid 54321; you are uid 0\)/);
  const run = spawnSync(process.execPath, [CLI_PATH, 'service', 'run'], { env, encoding: 'utf8', timeout: 30_000 });
  assert.notEqual(run.status, 0);
  assert.match(run.stderr, /belongs to another user/);
  assert.equal(statSync(socket).uid, 54321, 'the foreign socket was left alone');
});

test('serve writes nothing but JSON-RPC to stdout, with the service starting behind it', async () => {
  const home = await temporaryDirectory('service-stdout');
  const env = isolatedEnv(home, { CODEBASE_MCP_LOG_LEVEL: 'debug' });
  const child = spawn(process.execPath, [CLI_PATH, 'serve'], { env, cwd: home, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (data) => (stdout += data));
  const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
  send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'list_projects', arguments: {} } });
  send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'search_code', arguments: { query: 'x', project: 'none' } } });
  for (let waited = 0; !/"id":3/.test(stdout) && waited < 60_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  child.stdin.end();
  await new Promise((resolve) => child.on('close', resolve));
  const lines = stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 3, stdout);
  for (const line of lines) assert.equal(JSON.parse(line).jsonrpc, '2.0');
  assert.match(lines.find((line) => JSON.parse(line).id === 3) ?? '', /Unknown project 'none'/);
});

test('serve --http makes the service listen: HTTP, an MCP session and the CLI share one embedded project; the listener ends with its front end', async () => {
  const home = await temporaryDirectory('service-http');
  const env = isolatedEnv(home);
  const repo = await copyOfSampleRepo();
  const indexed = await runCli(['index', repo, '--project', 'shop', '--json'], { env });
  assert.equal(indexed.code, 0, indexed.stderr);
  const server = await spawnHttpServer({ home, env });
  const session = await openSession(env, repo);
  try {
    const status = await serviceStatus(env);
    assert.equal(server.servingPid, status.pid, 'the service, not the serve --http process, listens');
    assert.notEqual(server.servingPid, server.child.pid);
    const query = 'ring buffer push and pop';
    const [overHttp, overStdio, overCli] = await Promise.all([
      fetch(`${server.url}/api/search?project=shop&q=${encodeURIComponent(query)}&limit=5`, { headers: { authorization: `Bearer ${server.token}` } }),
      session.call('search_code', { query, project: 'shop', limit: 5 }),
      runCli(['search', query, '--project', 'shop', '--limit', '5', '--json'], { env }),
    ]);
    assert.equal(overHttp.status, 200);
    const expected = hitKeys(((await overHttp.json()) as { results: Parameters<typeof hitKeys>[0] }).results);
    assert.equal(expected.length, 5);
    assert.deepEqual(hitKeys(overStdio.structuredContent!.results), expected, text(overStdio));
    assert.equal(overCli.code, 0, overCli.stderr);
    assert.deepEqual(hitKeys(JSON.parse(overCli.stdout).results), expected);

    // One /metrics for every front end: the stdio session and the CLI report their calls to the service.
    // The watcher's events and lag are counted there too.
    await appendFile(join(repo, 'services', 'cache', 'lru_cache.py'), '\n\ndef metrics_marker():\n    return 1\n');
    const scrape = async () => {
      const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } });
      assert.equal(response.status, 200);
      return parsePrometheusText(await response.text()).samples;
    };
    const calls = (samples: Sample[], transport: string) => sampleValue(samples, 'codebase_mcp_tool_calls_total', { tool: 'search_code', transport });
    let samples = await scrape();
    for (let waited = 0; waited < 10_000 && sampleValue(samples, 'codebase_mcp_watcher_lag_seconds_count', { project: 'shop' }) === 0; waited += 200) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      samples = await scrape();
    }
    assert.equal(calls(samples, 'stdio'), 1, 'the stdio session');
    assert.equal(calls(samples, 'cli'), 1, 'the CLI search');
    assert.equal(calls(samples, 'api'), 1, 'the JSON API');
    assert.equal(sampleValue(samples, 'codebase_mcp_search_duration_seconds_count', { mode: 'hybrid', transport: 'stdio' }), 1);
    assert.ok(sampleValue(samples, 'codebase_mcp_watcher_events_total', { project: 'shop', kind: 'change' }) >= 1, 'a watcher event');
    assert.equal(sampleValue(samples, 'codebase_mcp_watcher_lag_seconds_count', { project: 'shop' }), 1, 'the edit reached the index once');
    assert.ok(sampleValue(samples, 'codebase_mcp_watcher_lag_seconds_sum', { project: 'shop' }) < 10);
  } finally {
    await session.close();
  }
  // Only the front end goes: the service stops listening and keeps serving the others.
  server.child.kill('SIGTERM');
  await new Promise((resolve) => server.child.once('exit', resolve));
  let refused = false;
  for (let waited = 0; !refused && waited < 10_000; waited += 100) {
    refused = await fetch(`${server.url}/healthz`).then(() => false, () => true);
    if (!refused) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.ok(refused, 'the port is closed once serve --http exits');
  assert.equal(processIsAlive(server.servingPid), true, 'the service stays for its other front ends');
  assert.match(readFileSync(join(home, 'service.log'), 'utf8'), /HTTP: stopped listening on http:\/\/127\.0\.0\.1:\d+ \(its front end went away\)/);
  await server.stop();
});
