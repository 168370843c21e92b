// Embedded backend: PGlite (PostgreSQL compiled to WASM) with pgvector, one
// data directory per project.
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sessionSettingsSql } from './sessionSettings.js';
import type { SqlClient } from './sqlClient.js';

type Queryable = Pick<PGlite, 'query' | 'exec'> | Transaction;

function wrap(target: Queryable, transaction: SqlClient['transaction'], close: () => Promise<void>): SqlClient {
  const client: SqlClient = {
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await target.query<Row>(sql, params);
      return result.rows;
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
    async copyBinaryFrom(copyTarget: string, data: Uint8Array) {
      await target.query(`COPY ${copyTarget} FROM '/dev/blob' WITH (FORMAT binary)`, [], { blob: new Blob([data]) });
    },
    transaction,
    session: (work) => work(client),
    close,
  };
  return client;
}

function pgliteClient(db: PGlite): SqlClient {
  const transaction: SqlClient['transaction'] = (work) =>
    db.transaction((tx) =>
      work(
        wrap(tx, () => Promise.reject(new Error('nested transactions are not supported')), async () => {}),
      ),
    );
  return wrap(db, transaction, () => db.close());
}

/** The pinned PGlite version (from our package.json): a template is only valid for the version that made it. */
function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  const manifest = require('../../package.json') as { dependencies: Record<string, string> };
  return manifest.dependencies['@electric-sql/pglite'];
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * A fresh PGlite data directory takes several seconds to initialise (initdb in
 * WASM); copying an initialised one takes a fraction of a second. So the first
 * project on a machine pays for initdb once, into a template in the cache
 * directory, and every new project starts as a copy of it.
 */
async function ensureTemplate(cacheDir: string): Promise<string> {
  const template = join(cacheDir, `pglite-template-${pgliteVersion()}`);
  if (await exists(join(template, 'PG_VERSION'))) return template;
  await mkdir(cacheDir, { recursive: true });
  const building = `${template}.tmp-${process.pid}-${Date.now()}`;
  const db = await PGlite.create(building, { extensions: { vector } });
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  await db.close();
  try {
    await rename(building, template);
  } catch {
    // Another process finished its template first; theirs is as good as ours.
    await rm(building, { recursive: true, force: true });
  }
  return template;
}

export async function openPgliteDatabase(dataDir: string, cacheDir: string): Promise<SqlClient> {
  if (!(await exists(join(dataDir, 'PG_VERSION')))) {
    const template = await ensureTemplate(cacheDir);
    await mkdir(dirname(dataDir), { recursive: true });
    await rm(dataDir, { recursive: true, force: true });
    const copying = `${dataDir}.tmp-${process.pid}`;
    await cp(template, copying, { recursive: true });
    await rename(copying, dataDir);
  }
  const db = await PGlite.create(dataDir, { extensions: { vector } });
  await db.exec(`CREATE EXTENSION IF NOT EXISTS vector; ${sessionSettingsSql()}`);
  return pgliteClient(db);
}
