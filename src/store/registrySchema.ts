// Schema of the registry database (server mode): which projects exist, where
// their databases are, and this registry's own identity.
import { EMBEDDING_CACHE_TABLE_SQL } from './embeddingCache.js';
import type { Migration } from './migrations.js';

export const REGISTRY_MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'projects and registry identity',
    sql: `
      CREATE TABLE registry_meta (
        key text PRIMARY KEY,
        value text NOT NULL
      );
      -- Marks the project databases this registry creates (COMMENT ON DATABASE),
      -- so registries sharing a server never take each other's for orphans.
      INSERT INTO registry_meta (key, value) VALUES ('id', gen_random_uuid()::text);
      CREATE TABLE projects (
        id serial PRIMARY KEY,
        name text NOT NULL UNIQUE,
        database_name text NOT NULL,
        -- NULL: the registry's own server.
        server_url text,
        root text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        settings jsonb NOT NULL DEFAULT '{}',
        last_index jsonb
      );
    `,
  },
  {
    version: 2,
    description: 'shared embedding cache',
    sql: EMBEDDING_CACHE_TABLE_SQL,
  },
];
