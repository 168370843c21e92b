// Embedded backend: each project's PGlite database runs on its own worker
// thread (pgliteWorker.ts), and this is its client. PGlite executes SQL as
// synchronous WASM, so on the thread that serves requests one project's bulk
// writes would hold every other project's searches until they finished.
import { Worker } from 'node:worker_threads';
import type { SqlClient } from './sqlClient.js';

export interface DatabaseThreadData {
  dataDir: string;
  cacheDir: string;
}

/** One request to the database thread; `tx` names an open transaction. */
export type DatabaseRequest = { id: number; tx?: number } & (
  | { op: 'query'; sql: string; params: unknown[] }
  | { op: 'exec'; sql: string }
  | { op: 'copy'; target: string; data: Uint8Array }
  | { op: 'begin' }
  | { op: 'end'; commit: boolean }
  | { op: 'close' }
);

type Reply = { id: number; result: unknown } | { id: number; error: Record<string, unknown> };

/** An error as plain fields (message, stack, and PostgreSQL's code, detail, hint …) to post across threads. */
export function serialiseError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: Record<string, unknown> = { name: error.name, message: error.message, stack: error.stack };
  for (const [key, value] of Object.entries(error)) if (typeof value === 'string' || typeof value === 'number') fields[key] = value;
  return fields;
}

function reviveError(fields: Record<string, unknown>): Error {
  const error = new Error(String(fields.message));
  Object.assign(error, fields);
  return error;
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

class DatabaseThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;
  readonly ready: Promise<void>;

  constructor(data: DatabaseThreadData) {
    // stdout: true keeps the worker's stdout off the process's (in stdio mode
    // it carries only the protocol). Not read: a listener would keep the
    // process alive.
    this.worker = new Worker(new URL('./pgliteWorker.js', import.meta.url), { workerData: data, stdout: true });
    this.ready = new Promise((resolve, reject) => this.pending.set(0, { resolve: () => resolve(), reject }));
    this.worker.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (!waiter) return;
      if ('error' in reply) waiter.reject(reviveError(reply.error));
      else waiter.resolve(reply.result);
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      for (const waiter of this.pending.values()) waiter.reject(this.failure);
      this.pending.clear();
    };
    this.worker.on('error', (error) => fail(new Error(`the embedded database thread failed: ${error.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`the embedded database thread exited (code ${code})`)));
  }

  call(request: Distribute<DatabaseRequest>): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Only while a request is pending does the thread keep the process alive,
      // as an in-thread PGlite would not.
      this.worker.ref();
      this.worker.postMessage({ ...request, id });
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

function threadClient(thread: DatabaseThread, tx: number | undefined): SqlClient {
  const client: SqlClient = {
    query: async <Row>(sql: string, params: unknown[] = []) => (await thread.call({ op: 'query', sql, params, tx })) as Row[],
    exec: async (sql) => {
      await thread.call({ op: 'exec', sql, tx });
    },
    copyBinaryFrom: async (target, data) => {
      await thread.call({ op: 'copy', target, data, tx });
    },
    transaction: async (work) => {
      if (tx !== undefined) throw new Error('nested transactions are not supported');
      const opened = (await thread.call({ op: 'begin' })) as number;
      let result;
      try {
        result = await work(threadClient(thread, opened));
      } catch (error) {
        await thread.call({ op: 'end', tx: opened, commit: false }).catch(() => {});
        throw error;
      }
      await thread.call({ op: 'end', tx: opened, commit: true });
      return result;
    },
    // PGlite has one session: the client is it.
    session: (work) => work(client),
    close: async () => {
      if (tx !== undefined) return;
      try {
        await thread.call({ op: 'close' });
      } finally {
        await thread.terminate();
      }
    },
  };
  return client;
}

/** Opens (creating from the template when new) the PGlite database in `dataDir` on a thread of its own. */
export async function openPgliteDatabase(dataDir: string, cacheDir: string): Promise<SqlClient> {
  const thread = new DatabaseThread({ dataDir, cacheDir });
  try {
    await thread.ready;
  } catch (error) {
    await thread.terminate();
    throw error;
  }
  return threadClient(thread, undefined);
}
