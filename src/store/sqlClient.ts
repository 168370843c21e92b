// The one thing both backends (PGlite in-process, a PostgreSQL server) must
// provide: parameterised queries and transactions. All SQL lives above this.

export interface SqlClient {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  /**
   * `COPY <target> FROM … WITH (FORMAT binary)` with `data` as its input
   * (`target`: a table and its column list). A server reads it from STDIN,
   * PGlite from its /dev/blob device. Absent: the caller inserts another way.
   */
  copyBinaryFrom?(target: string, data: Uint8Array): Promise<void>;
  transaction<T>(work: (tx: SqlClient) => Promise<T>): Promise<T>;
  /**
   * Runs `work` on one connection held for its whole duration, for session
   * state such as advisory locks. Other queries on this client keep running
   * on other connections meanwhile (PGlite has only one session: it is that).
   */
  session<T>(work: (session: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
