// The server backend's SqlClient against a real PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { UserError } from '../errors/userError.js';
import { NO_SERVER_REASON, testServerUrl, uniqueName } from '../testing/testBackends.js';
import { openPgDatabase } from './pgDatabase.js';
import { createDatabase, dropDatabase, withServer } from './serverAdmin.js';
import { urlWithDatabase } from './serverUrl.js';
import type { SqlClient } from './sqlClient.js';

const url = testServerUrl();

test('an unreachable server is a DATABASE_UNAVAILABLE error naming the address, never the password', async () => {
  const client = openPgDatabase({ url: 'postgres://me:secret@127.0.0.1:1/postgres', maxConnections: 1 });
  try {
    await assert.rejects(
      client.query('SELECT 1'),
      (error: unknown) =>
        error instanceof UserError &&
        error.code === 'DATABASE_UNAVAILABLE' &&
        error.message === 'Cannot connect to PostgreSQL at postgres://me:***@127.0.0.1:1/postgres: nothing accepts connections on 127.0.0.1:1 (connection refused).' &&
        /pg_isready/.test(error.hint ?? ''),
    );
  } finally {
    await client.close();
  }
});

describe('pg SqlClient', { skip: url ? false : NO_SERVER_REASON }, () => {
  const database = uniqueName('cbtest_pgclient');
  let client: SqlClient;

  before(async () => {
    await withServer(url as string, (admin) => createDatabase(admin, database));
    client = openPgDatabase({ url: urlWithDatabase(url as string, database), maxConnections: 2 });
    await client.exec('CREATE TABLE items (id bigserial PRIMARY KEY, name text NOT NULL); CREATE TABLE other (x int);');
  });

  after(async () => {
    await client?.close();
    if (url) await withServer(url, (admin) => dropDatabase(admin, database));
  });

  test('a failed transaction leaves nothing behind and its connection is usable again', async () => {
    await assert.rejects(
      client.transaction(async (tx) => {
        await tx.query('INSERT INTO items (name) VALUES ($1)', ['rolled back']);
        throw new Error('boom');
      }),
      /boom/,
    );
    await client.transaction(async (tx) => {
      await tx.query('INSERT INTO items (name) VALUES ($1)', ['kept']);
    });
    const rows = await client.query<{ id: string; name: string }>('SELECT id, name FROM items');
    assert.deepEqual(rows.map((row) => row.name), ['kept']);
    assert.equal(typeof rows[0].id, 'string', 'bigint arrives as a string (ProjectStore converts ids with Number)');
  });

  test('a transaction sees its own writes; others see them only after commit', async () => {
    let seenOutside = -1;
    await client.transaction(async (tx) => {
      await tx.query(`INSERT INTO other (x) VALUES (1)`);
      assert.equal((await tx.query('SELECT * FROM other')).length, 1);
      seenOutside = (await client.query('SELECT * FROM other')).length;
    });
    assert.equal(seenOutside, 0);
    assert.equal((await client.query('SELECT * FROM other')).length, 1);
  });

  test('advisory locks taken in a session do not outlive it on the pooled connection', async () => {
    await client.session(async (session) => {
      await session.query('SELECT pg_advisory_lock(42)');
    });
    const other = openPgDatabase({ url: urlWithDatabase(url as string, database), maxConnections: 1 });
    try {
      const [row] = await other.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(42) AS locked');
      assert.equal(row.locked, true);
    } finally {
      await other.close();
    }
  });
});
