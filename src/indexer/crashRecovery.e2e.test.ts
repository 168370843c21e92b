// A real crash: the CLI is killed with SIGKILL in the middle of indexing, on each backend.
// The index it leaves must be consistent, and the next run must finish the
// job by processing only the files the crashed run did not commit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { loadConfig } from '../config/config.js';
import { openPgliteDatabase } from '../store/pgliteDatabase.js';
import { openPgDatabase } from '../store/pgDatabase.js';
import { urlWithDatabase } from '../store/serverUrl.js';
import type { SqlClient } from '../store/sqlClient.js';
import { dropTestRegistry, NO_SERVER_REASON, testServerUrl, uniqueName } from '../testing/testBackends.js';
import { CLI_PATH, isolatedEnv, removeTemporaryDirectories, runCli, temporaryDirectory } from '../testing/testEnvironment.js';

const FILES = 400;

after(removeTemporaryDirectories);

async function generateRepository(): Promise<string> {
  const root = await temporaryDirectory('crash-repo');
  for (let i = 0; i < FILES; i++) {
    const dir = join(root, `pkg${i % 10}`);
    await mkdir(dir, { recursive: true });
    const body = Array.from({ length: 12 }, (_, j) => `def handler_${i}_${j}(event):\n    """Handle event ${j} of module ${i}."""\n    return event + ${j}\n`).join('\n');
    await writeFile(join(dir, `module_${i}.py`), body);
  }
  return root;
}

/** Starts indexing and kills the process with SIGKILL right after its first batch is committed. */
function indexAndKillAfterFirstBatch(repo: string, env: NodeJS.ProcessEnv): Promise<{ signal: NodeJS.Signals | null; filesDone: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, 'index', repo, '--json', '--progress-json'], { env });
    let filesDone = 0;
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const progress = JSON.parse(line) as { phase: string; filesDone: number };
      if (progress.phase === 'indexing' && progress.filesDone > 0 && filesDone === 0) {
        filesDone = progress.filesDone;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ signal, filesDone }));
  });
}

const serverUrl = testServerUrl();
const registryDatabase = uniqueName('cbtest_crash_registry');

after(async () => {
  if (serverUrl) await dropTestRegistry(serverUrl, registryDatabase);
});

/** The crashed project's database, opened directly to check it row by row. */
async function openProjectDatabase(backend: 'embedded' | 'server', home: string, project: string, env: NodeJS.ProcessEnv): Promise<SqlClient> {
  if (backend === 'embedded') return openPgliteDatabase(join(home, 'projects', project, 'pgdata'), loadConfig().cacheDir);
  const listed = JSON.parse((await runCli(['projects', '--json'], { env })).stdout) as { projects: { name: string; location: string }[] };
  const location = listed.projects.find((entry) => entry.name === project)!.location;
  return openPgDatabase({ url: urlWithDatabase(serverUrl as string, location), maxConnections: 1 });
}

for (const backend of ['embedded', 'server'] as const) {
  const skip = backend === 'server' && !serverUrl ? NO_SERVER_REASON : false;
  test(`after a SIGKILL mid-index the index is consistent and the next run completes only the rest (${backend})`, { skip }, async () => {
    const home = await temporaryDirectory('crash-home');
    // The crash of an in-process indexer (with the service, killing the CLI would not stop the job).
    const env = isolatedEnv(home, {
      CODEBASE_MCP_SERVICE: '0',
      ...(backend === 'server' ? { CODEBASE_MCP_DATABASE_URL: serverUrl as string, CODEBASE_MCP_REGISTRY_DATABASE: registryDatabase } : {}),
    });
    const repo = await generateRepository();

    const crashed = await indexAndKillAfterFirstBatch(repo, env);
    assert.equal(crashed.signal, 'SIGKILL', 'the indexer was killed before it finished');
    assert.ok(crashed.filesDone > 0 && crashed.filesDone < FILES);

    const resumed = await runCli(['index', repo, '--json'], { env });
    assert.equal(resumed.code, 0, `the stale lock is taken over and the database recovers: ${resumed.stderr}`);
    const summary = JSON.parse(resumed.stdout);
    assert.equal(summary.totalFiles, FILES);
    assert.ok(summary.filesUnchanged >= crashed.filesDone, 'batches committed before the crash are kept');
    assert.equal(summary.filesIndexed + summary.filesUnchanged, FILES);
    assert.ok(summary.filesIndexed > 0, 'the crashed run had left work to do');

    // Every file row's chunk count matches the chunks actually stored: no half-written file.
    const client = await openProjectDatabase(backend, home, summary.project, env);
    try {
      const [row] = await client.query<{ files: number; inconsistent: number; chunks: number }>(
        `SELECT count(*)::int AS files,
                (SELECT count(*)::int FROM chunks) AS chunks,
                count(*) FILTER (WHERE chunk_count <> (SELECT count(*) FROM chunks c WHERE c.file_id = f.id))::int AS inconsistent
         FROM files f`,
      );
      assert.deepEqual(row, { files: FILES, chunks: summary.totalChunks, inconsistent: 0 });
    } finally {
      await client.close();
    }
    const found = JSON.parse((await runCli(['search', 'handle event 7 of module 399', '--json', '--project', summary.project, '--mode', 'lexical'], { env })).stdout);
    assert.equal(found.results[0].path, 'pkg9/module_399.py');
  });
}
