// Server backend: a SqlClient over a bounded pg.Pool. Queries go to any free
// connection, so a search never waits behind an indexing transaction; a
// transaction or a session holds one connection until it is done.
import { hostname } from 'node:os';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { asConnectionError, isConnectionFailure } from './pgErrors.js';
import { sessionSettingsSql } from './sessionSettings.js';
import type { SqlClient } from './sqlClient.js';

export interface PgDatabaseOptions {
  url: string;
  /** Most connections this client opens at once. */
  maxConnections: number;
  /** SQL run on every new connection before it is used; default: the search session settings. */
  sessionSql?: string;
  /** Give up connecting after this long (an unreachable host would otherwise hang). */
  connectTimeoutMs?: number;
}

/** Names our connections in pg_stat_activity, so a blocked user can see who holds a project. */
export function applicationName(): string {
  return `codebase-mcp pid ${process.pid} on ${hostname()}`.slice(0, 63);
}

/** Runs one statement (or, without params, a multi-statement script) somewhere. */
type Run = (sql: string, params?: unknown[]) => Promise<pg.QueryResult>;

/** Streams binary COPY input on one connection (in a transaction or session). */
function copyOn(connection: pg.PoolClient, url: string): NonNullable<SqlClient['copyBinaryFrom']> {
  return async (target, data) => {
    try {
      await pipeline(Readable.from([data]), connection.query(copyFrom(`COPY ${target} FROM STDIN WITH (FORMAT binary)`)));
    } catch (error) {
      throw asConnectionError(error, url);
    }
  };
}

function clientOver(run: Run, url: string, parts: Pick<SqlClient, 'transaction' | 'session' | 'close'> & Pick<SqlClient, 'copyBinaryFrom'>): SqlClient {
  return {
    async query<Row>(sql: string, params: unknown[] = []) {
      try {
        const result = await run(sql, params);
        return result.rows as Row[];
      } catch (error) {
        throw asConnectionError(error, url);
      }
    },
    async exec(sql: string) {
      // Without parameters pg uses the simple query protocol, which runs several statements.
      try {
        await run(sql);
      } catch (error) {
        throw asConnectionError(error, url);
      }
    },
    ...parts,
  };
}

function runOn(connection: pg.PoolClient): Run {
  return (sql, params) => (params === undefined ? connection.query(sql) : connection.query(sql, params));
}

const noNesting = () => Promise.reject(new Error('nested transactions are not supported'));

export function openPgDatabase(options: PgDatabaseOptions): SqlClient {
  const { url } = options;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections,
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: applicationName(),
  });
  // An idle connection that dies (server restart, database dropped) is
  // replaced by the pool; without a listener the error would end the process.
  pool.on('error', () => {});
  const sessionSql = options.sessionSql ?? sessionSettingsSql();
  const prepared = new WeakSet<pg.PoolClient>();
  const listened = new WeakSet<pg.PoolClient>();

  /** A pooled connection, given the session settings the first time it is handed out. */
  const checkout = async (): Promise<pg.PoolClient> => {
    let connection: pg.PoolClient;
    try {
      connection = await pool.connect();
    } catch (error) {
      throw asConnectionError(error, url);
    }
    // A checked-out connection the server ends (restart, terminate) emits
    // 'error' outside any query; unheard, that ends the process. Heard, the
    // next query on it fails as a connection failure and it is discarded.
    if (!listened.has(connection)) {
      connection.on('error', () => {});
      listened.add(connection);
    }
    if (sessionSql && !prepared.has(connection)) {
      try {
        await connection.query(sessionSql);
      } catch (error) {
        connection.release(error as Error);
        throw asConnectionError(error, url);
      }
      prepared.add(connection);
    }
    return connection;
  };

  /** One statement on whichever connection is free. */
  const runPooled: Run = async (sql, params) => {
    const connection = await checkout();
    let broken: Error | undefined;
    try {
      return await runOn(connection)(sql, params);
    } catch (error) {
      // A connection-level failure leaves the connection unusable; an SQL error does not.
      if (isConnectionFailure(error)) broken = error as Error;
      throw asConnectionError(error, url);
    } finally {
      connection.release(broken);
    }
  };

  const transaction: SqlClient['transaction'] = async (work) => {
    const connection = await checkout();
    let broken: Error | undefined;
    try {
      await connection.query('BEGIN');
      const tx = clientOver(runOn(connection), url, { transaction: noNesting, session: (inner) => inner(tx), close: async () => {}, copyBinaryFrom: copyOn(connection, url) });
      const result = await work(tx);
      await connection.query('COMMIT');
      return result;
    } catch (error) {
      await connection.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw asConnectionError(error, url);
    } finally {
      // A connection that could not roll back is in an unknown state: destroy it.
      connection.release(broken);
    }
  };

  const session: SqlClient['session'] = async (work) => {
    const connection = await checkout();
    let broken: Error | undefined;
    try {
      const run = runOn(connection);
      // A connection the server ended mid-session fails its later statements: say so plainly.
      const runHeld: Run = (sql, params) => run(sql, params).catch((error: unknown) => {
        if (isConnectionFailure(error)) broken = error as Error;
        throw asConnectionError(error, url);
      });
      const held: SqlClient = clientOver(runHeld, url, {
        transaction: noNesting,
        session: (inner) => inner(held),
        close: async () => {},
      });
      return await work(held);
    } finally {
      // Advisory locks belong to the session: they must not outlive the work
      // on a connection that goes back to the pool.
      await connection.query('SELECT pg_advisory_unlock_all()').catch((error: Error) => {
        broken = error;
      });
      connection.release(broken);
    }
  };

  let closed: Promise<void> | null = null;
  return clientOver(runPooled, url, {
    transaction,
    session,
    close: () => (closed ??= pool.end()),
  });
}
