import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ForegroundGate } from './foregroundGate.js';

test('a background step goes on at once when no search runs', async () => {
  const gate = new ForegroundGate(1_000);
  const started = performance.now();
  await gate.yield();
  assert.ok(performance.now() - started < 200);
  assert.equal(gate.busyWithin(1_000), false);
});

test('a background step waits for the searches running, and goes on when the last one ends', async () => {
  const gate = new ForegroundGate(5_000);
  const order: string[] = [];
  let finishFirst!: () => void;
  let finishSecond!: () => void;
  const first = gate.run('a', () => new Promise<void>((resolve) => (finishFirst = resolve)).then(() => void order.push('first search')));
  const second = gate.run('b', () => new Promise<void>((resolve) => (finishSecond = resolve)).then(() => void order.push('second search')));
  const step = gate.yield().then(() => void order.push('background step'));
  await sleep(50);
  assert.deepEqual(order, [], 'the step waits');
  finishFirst();
  await first;
  await sleep(20);
  assert.deepEqual(order, ['first search'], 'one search still runs');
  finishSecond();
  await Promise.all([second, step]);
  assert.deepEqual(order, ['first search', 'second search', 'background step']);
  assert.equal(gate.busyWithin(1_000), true, 'searches ran just now');
});

test('the wait is bounded: a search that does not end does not stop background work', async () => {
  const gate = new ForegroundGate(100);
  let finish!: () => void;
  const search = gate.run('a', () => new Promise<void>((resolve) => (finish = resolve)));
  const started = performance.now();
  await gate.yield();
  const waited = performance.now() - started;
  assert.ok(waited >= 90 && waited < 2_000, `waited ${waited} ms`);
  assert.equal(gate.busyWithin(0), true, 'the search still runs');
  finish();
  await search;
});

test('a search that fails still leaves the gate', async () => {
  const gate = new ForegroundGate(5_000);
  await assert.rejects(gate.run('a', async () => Promise.reject(new Error('no such project'))), /no such project/);
  const started = performance.now();
  await gate.yield();
  assert.ok(performance.now() - started < 200);
});

test("inside a transaction of its project, a job does not wait for that project's searches (they wait for it), only for others'", async () => {
  const gate = new ForegroundGate(5_000);
  const job = gate.forJob('django');
  let finishOwn!: () => void;
  let finishOther!: () => void;
  const own = gate.run('django', () => new Promise<void>((resolve) => (finishOwn = resolve)));
  let started = performance.now();
  await job.yield({ insideTransaction: true });
  assert.ok(performance.now() - started < 200, 'its own search is not waited for');
  let stepped = false;
  const between = job.yield().then(() => (stepped = true));
  await sleep(50);
  assert.equal(stepped, false, 'between steps (outside a transaction) it waits for its own project too');
  finishOwn();
  await Promise.all([own, between]);

  const other = gate.run('flask', () => new Promise<void>((resolve) => (finishOther = resolve)));
  let done = false;
  started = performance.now();
  const inside = job.yield({ insideTransaction: true }).then(() => (done = true));
  await sleep(50);
  assert.equal(done, false, "another project's search goes first");
  finishOther();
  await Promise.all([other, inside]);
  assert.ok(performance.now() - started < 2_000);
});
