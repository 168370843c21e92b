// Worker-thread entry: one PGlite database, opened here so its WASM runs off
// the thread that opened it. Requests arrive from pgliteDatabase.ts; a
// transaction stays open across messages until its `end` arrives, and PGlite
// itself holds other queries back until then, as it does in one thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { SqlClient } from './sqlClient.js';
import { openPgliteInThread } from './pgliteInThread.js';
import { serialiseError, type DatabaseThreadData, type DatabaseRequest } from './pgliteDatabase.js';

// Anything a library prints goes to stderr, never to the protocol's stdout.
console.log = console.error;
console.info = console.error;

interface OpenTransaction {
  client: SqlClient;
  decide: (commit: boolean) => void;
  done: Promise<void>;
}

const ROLLBACK = Symbol('rollback');
const port = parentPort!;
const { dataDir, cacheDir } = workerData as DatabaseThreadData;
const transactions = new Map<number, OpenTransaction>();
let nextTransaction = 1;

function begin(db: SqlClient): Promise<number> {
  const id = nextTransaction++;
  return new Promise<number>((resolve, reject) => {
    const open = {} as OpenTransaction;
    open.done = db
      .transaction(async (client) => {
        const decided = new Promise<boolean>((decide) => Object.assign(open, { client, decide }));
        transactions.set(id, open);
        resolve(id);
        if (!(await decided)) throw ROLLBACK;
      })
      .catch((error: unknown) => {
        if (error !== ROLLBACK) throw error;
      });
    // BEGIN itself failed: the work never ran.
    open.done.catch(reject);
  });
}

async function handle(db: SqlClient, request: DatabaseRequest): Promise<unknown> {
  const target = request.tx === undefined ? db : transactions.get(request.tx)?.client;
  if (!target) throw new Error(`transaction ${request.tx} is not open`);
  switch (request.op) {
    case 'query':
      return target.query(request.sql, request.params);
    case 'exec':
      return target.exec(request.sql);
    case 'copy':
      return target.copyBinaryFrom!(request.target, request.data);
    case 'begin':
      return begin(db);
    case 'end': {
      const open = transactions.get(request.tx!)!;
      transactions.delete(request.tx!);
      open.decide(request.commit);
      return open.done;
    }
    case 'close':
      return db.close();
  }
}

openPgliteInThread(dataDir, cacheDir).then(
  (db) => {
    port.on('message', (request: DatabaseRequest) => {
      handle(db, request).then(
        (result) => {
          port.postMessage({ id: request.id, result });
          // Closed: the thread ends once the reply is out.
          if (request.op === 'close') port.close();
        },
        (error: unknown) => port.postMessage({ id: request.id, error: serialiseError(error) }),
      );
    });
    port.postMessage({ id: 0, result: 'ready' });
  },
  (error: unknown) => port.postMessage({ id: 0, error: serialiseError(error) }),
);
