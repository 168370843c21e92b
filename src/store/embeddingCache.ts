// Vectors shared by every project of one store, keyed by (model, chunk content
// hash): indexing a second worktree or branch of a repository embeds only what
// differs. Server mode keeps the table in the registry database; embedded mode
// in a PGlite database of its own under the home directory.
import type { Migration } from './migrations.js';
import type { SqlClient } from './sqlClient.js';

export interface EmbeddingCache {
  /** Vector literals ('[…]') for the hashes the cache has for this model. */
  lookup(model: string, contentHashes: string[]): Promise<Map<string, string>>;
  store(model: string, vectors: Map<string, string>): Promise<void>;
  /** Lets go of what this holder opened (embedded: the database and its lock). */
  release(): Promise<void>;
}

/** real[] rather than pgvector's type: the registry database need not have the extension. */
export const EMBEDDING_CACHE_TABLE_SQL = `
  CREATE TABLE IF NOT EXISTS embedding_cache (
    model text NOT NULL,
    content_hash text NOT NULL,
    embedding real[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model, content_hash)
  );`;

export const EMBEDDING_CACHE_MIGRATIONS: Migration[] = [
  { version: 1, description: 'shared embedding cache', sql: EMBEDDING_CACHE_TABLE_SQL },
];

const WRITE_BATCH = 1000;

export class SqlEmbeddingCache implements EmbeddingCache {
  constructor(
    private readonly client: SqlClient,
    private readonly onRelease: () => Promise<void> = async () => {},
  ) {}

  async lookup(model: string, contentHashes: string[]): Promise<Map<string, string>> {
    if (contentHashes.length === 0) return new Map();
    const rows = await this.client.query<{ content_hash: string; embedding: string }>(
      `SELECT content_hash, array_to_string(embedding, ',') AS embedding
       FROM embedding_cache WHERE model = $1 AND content_hash = ANY($2::text[])`,
      [model, contentHashes],
    );
    return new Map(rows.map((row) => [row.content_hash, `[${row.embedding}]`]));
  }

  async store(model: string, vectors: Map<string, string>): Promise<void> {
    const entries = [...vectors.entries()];
    for (let start = 0; start < entries.length; start += WRITE_BATCH) {
      const slice = entries.slice(start, start + WRITE_BATCH);
      await this.client.query(
        `INSERT INTO embedding_cache (model, content_hash, embedding)
         SELECT $1, hash, ('{' || trim(both '[]' from literal) || '}')::real[]
         FROM unnest($2::text[], $3::text[]) AS t(hash, literal)
         ON CONFLICT (model, content_hash) DO NOTHING`,
        [model, slice.map(([hash]) => hash), slice.map(([, literal]) => literal)],
      );
    }
  }

  release(): Promise<void> {
    return this.onRelease();
  }
}
