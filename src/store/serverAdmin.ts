// Maintenance work on a PostgreSQL server: creating, dropping and listing
// databases. Runs on a one-connection client to the database the URL names
// (CREATE/DROP DATABASE cannot run inside the database they act on).
import { quoteIdentifier, quoteLiteral } from './databaseNames.js';
import { openPgDatabase } from './pgDatabase.js';
import type { SqlClient } from './sqlClient.js';

export async function withServer<T>(url: string, work: (admin: SqlClient) => Promise<T>, connectTimeoutMs?: number): Promise<T> {
  const admin = openPgDatabase({ url, maxConnections: 1, sessionSql: '', connectTimeoutMs });
  try {
    return await work(admin);
  } finally {
    await admin.close();
  }
}

export async function currentRole(admin: SqlClient): Promise<string> {
  const [row] = await admin.query<{ role: string }>('SELECT current_user AS role');
  return row.role;
}

export async function databaseExists(admin: SqlClient, name: string): Promise<boolean> {
  const rows = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length > 0;
}

/**
 * Creates `name` unless it exists. Two processes racing to create it are both
 * fine: the loser's duplicate error (42P04, or 23505 from the catalog's unique
 * index when both commit at once) means it is there.
 */
export async function createDatabase(admin: SqlClient, name: string, comment?: string): Promise<'created' | 'existed'> {
  if (await databaseExists(admin, name)) return 'existed';
  try {
    await admin.exec(`CREATE DATABASE ${quoteIdentifier(name)}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw error;
    return 'existed';
  }
  if (comment !== undefined) await admin.exec(`COMMENT ON DATABASE ${quoteIdentifier(name)} IS ${quoteLiteral(comment)}`);
  return 'created';
}

/** Drops `name` if it exists, ending its connections first (PostgreSQL 13+). True when it existed. */
export async function dropDatabase(admin: SqlClient, name: string): Promise<boolean> {
  const existed = await databaseExists(admin, name);
  await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
  return existed;
}

export interface DatabaseListing {
  name: string;
  comment: string | null;
}

export async function databasesWithPrefix(admin: SqlClient, prefix: string): Promise<DatabaseListing[]> {
  return admin.query<DatabaseListing>(
    `SELECT datname AS name, shobj_description(oid, 'pg_database') AS comment
     FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname`,
    [prefix],
  );
}
