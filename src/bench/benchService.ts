// The product's own core API, opened for a benchmark on a temporary home (and,
// on a server, a registry database of its own), so a benchmark never sees or
// touches the user's projects. Everything it created goes away on dispose().

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../config/config.js';
import { CodebaseService } from '../core/codebaseService.js';
import { createEmbedder } from '../embed/createEmbedder.js';
import { silentLogger } from '../logging/logger.js';

export type BenchBackend = 'embedded' | 'server';

export interface BenchService {
  service: CodebaseService;
  backend: BenchBackend;
  config: Config;
  /** Temporary CODEBASE_MCP_HOME. */
  home: string;
  /** Removes every project the benchmark indexed, its registry (server) and its home. */
  dispose(): Promise<void>;
}

/** Projects stay open between calls, as in the MCP server; dispose() closes them. */
const KEEP_OPEN_MS = 60 * 60 * 1000;

/** Server mode when `backend` says so, or by default when DATABASE_URL (or CODEBASE_MCP_DATABASE_URL) is set. */
export async function openBenchService(
  backend?: BenchBackend,
  env: NodeJS.ProcessEnv = process.env,
  /** `watch`: the service watches the projects it indexes, as a long-lived server does. */
  serviceOptions: { watch?: boolean } = {},
): Promise<BenchService> {
  const home = await mkdtemp(join(tmpdir(), 'codebase-mcp-bench-'));
  const environment = { ...env };
  if (backend === 'embedded') {
    delete environment.DATABASE_URL;
    delete environment.CODEBASE_MCP_DATABASE_URL;
  }
  const registryDatabase = `codebase_mcp_bench_${process.pid}_${Date.now().toString(36)}`;
  const config = loadConfig({ home, registryDatabase, idleTimeoutMs: KEEP_OPEN_MS, logLevel: 'error' }, environment);
  if (backend === 'server' && !config.databaseUrl) {
    await rm(home, { recursive: true, force: true });
    throw new Error('--backend server needs DATABASE_URL (or CODEBASE_MCP_DATABASE_URL) set to a PostgreSQL server with pgvector.');
  }
  const service = CodebaseService.create(config, () => createEmbedder(config.embedder, { cacheDir: config.cacheDir }), silentLogger, { idleTimeoutMs: KEEP_OPEN_MS, watch: serviceOptions.watch });
  let disposing: Promise<void> | null = null;
  const dispose = () => {
    disposing ??= (async () => {
      process.removeListener('SIGINT', interrupted);
      process.removeListener('SIGTERM', interrupted);
      try {
        // Closed first: a project this service still holds open cannot be removed (its lock is held).
        await service.close();
        if (config.databaseUrl) await removeServerProjects(config);
      } finally {
        if (config.databaseUrl) await dropDatabase(config.databaseUrl, registryDatabase);
        await rm(home, { recursive: true, force: true });
      }
    })();
    return disposing;
  };
  // An interrupted benchmark still removes its temporary home and databases.
  const interrupted = () => {
    process.stderr.write('interrupted: removing the benchmark\'s temporary data\n');
    void dispose()
      .catch((error: unknown) => process.stderr.write(`cleanup failed: ${(error as Error).message}\n`))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  return { service, backend: service.backend, config, home, dispose };
}

/** Drops the databases of the projects a benchmark registry lists (embedded projects go with the temporary home). */
async function removeServerProjects(config: Config): Promise<void> {
  const cleaner = CodebaseService.create(config, () => createEmbedder(config.embedder, { cacheDir: config.cacheDir }), silentLogger, { idleTimeoutMs: 0 });
  try {
    for (const project of await cleaner.listProjects()) await cleaner.removeProject(project.name);
  } finally {
    await cleaner.close();
  }
}

async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** PostgreSQL and pgvector versions of a server, for the record. */
export async function serverVersions(serverUrl: string): Promise<{ postgres: string; pgvector: string | null }> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    const vector = await client.query<{ default_version: string }>("SELECT default_version FROM pg_available_extensions WHERE name = 'vector'");
    return { postgres: version.rows[0].server_version, pgvector: vector.rows[0]?.default_version ?? null };
  } finally {
    await client.end();
  }
}
