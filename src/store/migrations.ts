// Versioned schema. Each migration runs once, in its own transaction, and is
// recorded in schema_migrations; append new ones, never edit applied ones.
import type { SqlClient } from './sqlClient.js';

interface Migration {
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
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export async function applyMigrations(client: SqlClient): Promise<number[]> {
  await client.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
  const rows = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
  const applied = new Set(rows.map((row) => row.version));
  const newlyApplied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    await client.transaction(async (tx) => {
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [
        migration.version,
        migration.description,
      ]);
    });
    newlyApplied.push(migration.version);
  }
  return newlyApplied;
}
