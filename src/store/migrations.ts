// Versioned schema. Each migration runs once and is recorded in
// schema_migrations; append new ones, never edit applied ones.
import type { SqlClient } from './sqlClient.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'files, chunks, full-text index, project metadata',
    sql: `
      CREATE EXTENSION IF NOT EXISTS vector;
      CREATE TABLE project_meta (
        key text PRIMARY KEY,
        value jsonb NOT NULL
      );
      CREATE TABLE files (
        id serial PRIMARY KEY,
        path text NOT NULL UNIQUE,
        language text NOT NULL,
        content_hash text NOT NULL,
        size_bytes integer NOT NULL,
        line_count integer NOT NULL,
        chunk_count integer NOT NULL,
        indexed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE chunks (
        id bigserial PRIMARY KEY,
        file_id integer NOT NULL REFERENCES files(id) ON DELETE CASCADE,
        path text NOT NULL,
        language text NOT NULL,
        extension text NOT NULL,
        start_line integer NOT NULL,
        end_line integer NOT NULL,
        symbol text,
        kind text,
        content text NOT NULL,
        content_hash text NOT NULL,
        search_vector tsvector NOT NULL
      );
      CREATE INDEX chunks_file_id ON chunks (file_id);
      CREATE INDEX chunks_content_hash ON chunks (content_hash);
      CREATE INDEX chunks_language ON chunks (language);
      CREATE INDEX chunks_search_vector ON chunks USING gin (search_vector);
    `,
  },
  {
    version: 2,
    description: 'vectors may follow their chunks (lexical first)',
    sql: `
      DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'chunks' AND column_name = 'embedding') THEN
          ALTER TABLE chunks ALTER COLUMN embedding DROP NOT NULL;
        END IF;
      END $$;
    `,
  },
  {
    version: 3,
    description: 'document frequencies kept at write time; file mtimes; full text analysed in JavaScript',
    sql: `
      CREATE TABLE lexeme_stats (
        lexeme text PRIMARY KEY,
        chunk_count integer NOT NULL
      );
      INSERT INTO lexeme_stats (lexeme, chunk_count) SELECT word, ndoc FROM ts_stat('SELECT search_vector FROM chunks');
      ALTER TABLE files ADD COLUMN mtime_ms double precision;
      -- Every file is re-analysed by the next index run (its vectors are reused).
      UPDATE files SET content_hash = '';
    `,
  },
  {
    version: 4,
    description: 'full text in four fields (names, directories, comments, code) with name compounds',
    sql: `
      -- The tsvectors' weights change meaning (A names, B directories, C
      -- comments, D code): every file is re-analysed by the next index run,
      -- its vectors reused by content hash. Until then the old vectors still
      -- match, ranked with the new weights.
      UPDATE files SET content_hash = '';
    `,
  },
  {
    version: 5,
    description: 'IVFFlat vector index instead of HNSW',
    sql: `
      -- The next index run (of any kind) builds the IVFFlat index; until then
      -- vector searches scan the table exactly.
      DROP INDEX IF EXISTS chunks_embedding_hnsw;
    `,
  },
  {
    version: 6,
    description: 'partial index of the chunks still awaiting their vectors',
    sql: `
      -- Every index run asks how many chunks still need a vector: without this
      -- index that is a scan of the whole table (0.4 s at 455k chunks), with it
      -- a look at an index that is empty once every chunk has its vector. A
      -- project not indexed yet has no embedding column: prepareForEmbedder
      -- creates the index with it.
      DO $$ BEGIN
        IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'chunks' AND column_name = 'embedding') THEN
          CREATE INDEX IF NOT EXISTS chunks_awaiting_embedding ON chunks (content_hash) WHERE embedding IS NULL;
        END IF;
      END $$;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The database's schema is newer than the newest migration this code has. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly version: number,
    readonly known: number,
  ) {
    super(`the database has schema version ${version}, newer than this code's ${known}`);
    this.name = 'SchemaTooNewError';
  }
}

/** A migration's SQL failed (its transaction, and every migration before it in the run, is rolled back). */
export class MigrationStepError extends Error {
  constructor(
    readonly migration: Migration,
    cause: unknown,
  ) {
    super(`migration ${migration.version} (${migration.description}) failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'MigrationStepError';
  }
}

/** Serialises migrations of one database: processes opening it at once (server mode) must not both apply them. Advisory locks are per database. */
const MIGRATION_LOCK_KEY = 0x63626d31; // 'cbm1'

/**
 * Applies the migrations not yet recorded, all in one transaction under an
 * advisory lock, so concurrent openers wait and then find them applied, and a
 * failure leaves the database as it was.
 */
export async function applyMigrations(client: SqlClient, migrations: Migration[] = MIGRATIONS): Promise<number[]> {
  return client.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        description text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
    const applied = new Set(rows.map((row) => row.version));
    const newest = Math.max(0, ...applied);
    const known = migrations.at(-1)?.version ?? 0;
    // A newer program wrote this database: running on it could corrupt it.
    if (newest > known) throw new SchemaTooNewError(newest, known);
    const newlyApplied: number[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.version)) continue;
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new MigrationStepError(migration, error);
      }
      await tx.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [
        migration.version,
        migration.description,
      ]);
      newlyApplied.push(migration.version);
    }
    return newlyApplied;
  });
}

/** The newest version recorded in schema_migrations (0 when none), to verify a database's schema. */
export async function appliedSchemaVersion(client: SqlClient): Promise<number> {
  const rows = await client.query<{ version: number | null }>(
    `SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN 0 END AS version`,
  );
  if (rows[0]?.version === 0) return 0;
  const versions = await client.query<{ version: number }>('SELECT coalesce(max(version), 0)::int AS version FROM schema_migrations');
  return versions[0]?.version ?? 0;
}
