// PostgreSQL restarted under a running product, on a cluster of this suite's
// own (port 54346, never the shared test server): during an index job, and
// between searches of a running MCP server. The job fails cleanly with a
// message or finishes; the next run completes; the server's pools recover.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { dropTestRegistry, uniqueName } from '../testing/testBackends.js';
import { CLI_PATH, isolatedEnv, REPO_ROOT, removeTemporaryDirectories, runCli, temporaryDirectory } from '../testing/testEnvironment.js';

const PORT = '54346';
const DEV_POSTGRES = join(REPO_ROOT, 'scripts', 'dev-postgres.sh');

function devPostgres(...args: string[]) {
  return spawnSync('bash', [DEV_POSTGRES, ...args, '--port', PORT], { encoding: 'utf8', timeout: 120_000 });
}

/** Starts this suite's own cluster, or says why it cannot. */
function startOwnCluster(): { url: string; startedHere: boolean } | { skip: string } {
  const running = devPostgres('status');
  if (running.status === 0) return { url: running.stdout.trim(), startedHere: false };
  const started = devPostgres('start');
  if (started.status !== 0) return { skip: `cannot start a PostgreSQL cluster on port ${PORT}: ${started.stderr.trim().split('\n').pop()}` };
  return { url: started.stdout.trim(), startedHere: true };
}

function restartCluster(): void {
  const stopped = devPostgres('stop');
  assert.equal(stopped.status, 0, stopped.stderr);
  const started = devPostgres('start');
  assert.equal(started.status, 0, started.stderr);
}

const cluster = startOwnCluster();
const skip = 'skip' in cluster ? cluster.skip : false;
if (skip) console.log(`# skipped: ${skip}`);

after(async () => {
  await removeTemporaryDirectories();
  if (!('skip' in cluster) && cluster.startedHere) devPostgres('stop');
});

describe('PostgreSQL restarted mid-run (own cluster)', { skip }, () => {
  const url = 'skip' in cluster ? '' : cluster.url;
  const registryDatabase = uniqueName('cbtest_restart_registry');
  let env: NodeJS.ProcessEnv;
  let repo: string;

  before(async () => {
    env = isolatedEnv(await temporaryDirectory('restart-home'), { CODEBASE_MCP_DATABASE_URL: url, CODEBASE_MCP_REGISTRY_DATABASE: registryDatabase });
    repo = await temporaryDirectory('restart-repo');
    // Enough files that the job is still writing when its first progress line arrives, even on an idle machine.
    for (let i = 0; i < 1500; i++) {
      mkdirSync(join(repo, `pkg${i % 6}`), { recursive: true });
      writeFileSync(join(repo, `pkg${i % 6}`, `mod_${i}.py`), `def handler_${i}(event):\n    """Handle event ${i} of the queue."""\n    return event + ${i}\n`);
    }
  });

  after(async () => {
    if (url) await dropTestRegistry(url, registryDatabase).catch(() => {});
  });

  test('restart during an index job: the job ends with a clear message (or finishes), and the next run completes', async () => {
    const outcome = await new Promise<{ code: number | null; stderr: string; restarted: boolean }>((resolve, reject) => {
      const child = spawn(process.execPath, [CLI_PATH, 'index', repo, '--project', 'restart', '--json', '--progress-json'], { env });
      let stderr = '';
      let restarted = false;
      createInterface({ input: child.stderr }).on('line', (line) => {
        stderr += `${line}\n`;
        if (restarted || !line.startsWith('{')) return;
        const progress = JSON.parse(line) as { phase: string; filesDone: number; filesTotal: number };
        if (progress.phase === 'indexing' && progress.filesDone > 0 && progress.filesDone < progress.filesTotal) {
          restarted = true;
          restartCluster();
        }
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr, restarted }));
    });
    assert.ok(outcome.restarted, 'the cluster was restarted while the job ran');
    const messages = outcome.stderr.split('\n').filter((line) => line && !line.startsWith('{')).join('\n');
    console.log(`# index job across the restart: exit ${outcome.code}; ${messages.split('\n')[0] ?? ''}`);
    if (outcome.code !== 0) {
      assert.equal(outcome.code, 1, messages);
      assert.match(messages, /^error: Cannot connect to PostgreSQL at .*: the server ended the connection .*restarted or shut down\.\nRun the command again once PostgreSQL is back/m);
      assert.doesNotMatch(messages, /\n\s+at .*\.js:\d+/, 'no stack trace');
    }
    const next = await runCli(['index', repo, '--project', 'restart', '--json'], { env });
    assert.equal(next.code, 0, next.stderr);
    const summary = JSON.parse(next.stdout);
    assert.equal(summary.totalFiles, 1500);
    const found = JSON.parse((await runCli(['search', 'handle event 1499 of the queue', '--project', 'restart', '--json', '--mode', 'lexical'], { env })).stdout);
    assert.equal(found.results[0].path, 'pkg5/mod_1499.py');
  });

  test('restart between searches of a running MCP server: its pools recover and it keeps serving', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI_PATH, 'serve'],
      env: { ...(env as Record<string, string>), CODEBASE_MCP_IDLE_TIMEOUT_MS: '600000' },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'restart-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const search = async () =>
        (await client.callTool({ name: 'search_code', arguments: { query: 'handle event 42', project: 'restart', mode: 'lexical' } })) as {
          isError?: boolean;
          content: { text?: string }[];
          structuredContent?: { results: { path: string }[] };
        };
      const before = await search();
      assert.equal(before.isError, undefined, before.content[0]?.text);
      restartCluster();
      // The first call may meet a connection the restart killed: then it is an isError with a message, never a crash.
      const first = await search();
      if (first.isError) assert.doesNotMatch(first.content[0]?.text ?? '', /\n\s+at .*\.js:\d+/);
      let recovered = first.isError ? undefined : first;
      for (let attempt = 0; attempt < 5 && !recovered; attempt++) {
        const again = await search();
        if (!again.isError) recovered = again;
      }
      assert.ok(recovered, 'searches succeed again after the restart');
      assert.equal(recovered.structuredContent!.results[0].path, 'pkg0/mod_42.py');
      const listed = await client.callTool({ name: 'list_projects', arguments: {} });
      assert.equal((listed as { isError?: boolean }).isError, undefined);
    } finally {
      await client.close();
    }
  });
});
