// Both storage backends for the suites that must hold on each: embedded
// (PGlite, always) and a real PostgreSQL server (whenever one is available:
// CODEBASE_MCP_TEST_DATABASE_URL, else a dev cluster that is already running).
// Every store a test opens is fresh — its own data directory or its own
// scratch database — and cleanup() removes them all.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig } from '../config/config.js';
import { openPgliteDatabase } from '../store/pgliteDatabase.js';
import { openPgDatabase } from '../store/pgDatabase.js';
import type { SqlClient } from '../store/sqlClient.js';
import { ProjectStore } from '../store/projectStore.js';
import { createDatabase, databasesWithPrefix, dropDatabase, withServer } from '../store/serverAdmin.js';
import { parseProjectDatabaseComment, PROJECT_DATABASE_PREFIX } from '../store/databaseNames.js';
import { urlWithDatabase } from '../store/serverUrl.js';
import { REPO_ROOT, temporaryDirectory } from './testEnvironment.js';

export const NO_SERVER_REASON =
  'no PostgreSQL server for tests: set CODEBASE_MCP_TEST_DATABASE_URL, or start one with scripts/dev-postgres.sh start (CI always does)';

let serverUrl: string | null | undefined;

/** The test server's URL, or null when there is none (the server tests are then skipped). */
export function testServerUrl(): string | null {
  if (serverUrl !== undefined) return serverUrl;
  const fromEnv = process.env.CODEBASE_MCP_TEST_DATABASE_URL;
  if (fromEnv) return (serverUrl = fromEnv);
  const status = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'dev-postgres.sh'), 'status'], { encoding: 'utf8', timeout: 20_000 });
  const url = status.status === 0 ? status.stdout.trim() : '';
  return (serverUrl = url || null);
}

/** A database or role name no other test run will pick. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

export interface TestBackend {
  name: 'embedded' | 'server';
  /** Why this backend's tests are skipped, or false when they run. */
  skip: string | false;
  /** A new, empty project store. */
  openStore(label: string): Promise<ProjectStore>;
  /** A new, empty database, without the schema (to test migrations). */
  openClient(label: string): Promise<SqlClient>;
  /** Removes every data directory / database openStore made (stores should be closed first). */
  cleanup(): Promise<void>;
}

function embeddedBackend(): TestBackend {
  return {
    name: 'embedded',
    skip: false,
    async openStore(label) {
      return ProjectStore.open(await this.openClient(label));
    },
    async openClient(label) {
      const dir = await temporaryDirectory(label);
      return openPgliteDatabase(join(dir, 'pgdata'), loadConfig().cacheDir);
    },
    // The data directories are temporary directories, removed by removeTemporaryDirectories().
    async cleanup() {},
  };
}

function serverBackend(url: string | null): TestBackend {
  const created: string[] = [];
  return {
    name: 'server',
    skip: url ? false : NO_SERVER_REASON,
    async openStore(label) {
      return ProjectStore.open(await this.openClient(label));
    },
    async openClient(label) {
      if (!url) throw new Error(NO_SERVER_REASON);
      const database = uniqueName(`cbtest_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`);
      await withServer(url, (admin) => createDatabase(admin, database));
      created.push(database);
      return openPgDatabase({ url: urlWithDatabase(url, database), maxConnections: 4 });
    },
    async cleanup() {
      if (!url || created.length === 0) return;
      const databases = created.splice(0);
      await withServer(url, async (admin) => {
        for (const database of databases) await dropDatabase(admin, database);
      });
    },
  };
}

export function testBackends(): TestBackend[] {
  return [embeddedBackend(), serverBackend(testServerUrl())];
}

/**
 * Drops a test registry and every project database it created, on any server
 * (by the registry id each project database carries in its comment).
 */
export async function dropTestRegistry(url: string, registryDatabase: string, otherServers: string[] = []): Promise<void> {
  const registryUrl = urlWithDatabase(url, registryDatabase);
  const exists = await withServer(url, async (admin) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [registryDatabase])).length > 0);
  if (!exists) return;
  const registryId = await withServer(registryUrl, async (registry) => {
    const rows = await registry.query<{ value: string }>(`SELECT value FROM registry_meta WHERE key = 'id'`).catch(() => []);
    return rows[0]?.value ?? null;
  });
  for (const server of [url, ...otherServers]) {
    await withServer(server, async (admin) => {
      for (const database of await databasesWithPrefix(admin, PROJECT_DATABASE_PREFIX)) {
        if (parseProjectDatabaseComment(database.comment)?.registryId === registryId) await dropDatabase(admin, database.name);
      }
    }).catch(() => {});
  }
  await withServer(url, (admin) => dropDatabase(admin, registryDatabase));
}
