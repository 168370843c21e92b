import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LruLeases } from './lruLeases.js';

function tracked() {
  const closed: string[] = [];
  const leases = new LruLeases<string>(2, async (value) => {
    closed.push(value);
  });
  return { closed, leases };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('beyond capacity the least recently used idle value is closed', async () => {
  const { closed, leases } = tracked();
  for (const key of ['a', 'b']) (await leases.acquire(key, async () => key)).release();
  (await leases.acquire('a', async () => 'a again')).release(); // a is now the most recent
  (await leases.acquire('c', async () => 'c')).release();
  await settle();
  assert.deepEqual(closed, ['b']);
  assert.equal(leases.size, 2);
  assert.equal(leases.has('a') && leases.has('c'), true);
});

test('a value in use is never closed; the cache shrinks back once it is released', async () => {
  const { closed, leases } = tracked();
  const held = await Promise.all(['a', 'b', 'c'].map((key) => leases.acquire(key, async () => key)));
  await settle();
  assert.deepEqual(closed, []);
  assert.equal(leases.size, 3);
  held[0].release();
  held[0].release(); // a second release of one lease changes nothing
  await settle();
  assert.deepEqual(closed, ['a']);
  held[1].release();
  held[2].release();
  await settle();
  assert.deepEqual(closed, ['a']);
  assert.equal(leases.size, 2);
});

test('concurrent acquires of one key share one value; a failed creation is forgotten', async () => {
  const { leases } = tracked();
  let created = 0;
  const [first, second] = await Promise.all([
    leases.acquire('k', async () => `v${++created}`),
    leases.acquire('k', async () => `v${++created}`),
  ]);
  assert.equal(first.value, second.value);
  assert.equal(created, 1);
  await assert.rejects(leases.acquire('bad', async () => Promise.reject(new Error('no server'))), /no server/);
  await settle();
  assert.equal(leases.has('bad'), false);
  assert.equal((await leases.acquire('bad', async () => 'fine')).value, 'fine');
});

test('remove and closeAll close values at once', async () => {
  const { closed, leases } = tracked();
  const lease = await leases.acquire('x', async () => 'x');
  await leases.acquire('y', async () => 'y');
  await leases.remove('x');
  assert.deepEqual(closed, ['x']);
  lease.release();
  await leases.closeAll();
  assert.deepEqual(closed, ['x', 'y']);
  assert.equal(leases.size, 0);
});
