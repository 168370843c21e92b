import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { threadCpuMs } from './threadCpu.js';

test("a thread's CPU clock advances with its own work, not with another thread's", { skip: process.platform !== 'linux' && 'per-thread CPU time is read from Linux /proc' }, async () => {
  const before = threadCpuMs();
  assert.ok(before !== null && before > 0);
  // Another thread burns 300 ms of CPU while this one sleeps.
  const burner = new Worker(
    `const { parentPort } = require('node:worker_threads'); const end = Date.now() + 300; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); parentPort.postMessage(x > 0);`,
    { eval: true },
  );
  await new Promise((resolve, reject) => burner.once('message', resolve).once('error', reject));
  await burner.terminate();
  const afterSleep = threadCpuMs() as number;
  assert.ok(afterSleep - before < 200, `this thread barely ran while the other worked: ${(afterSleep - before).toFixed(1)} ms`);
  // Now this thread burns 200 ms of CPU: counted in the process's CPU time, not the wall clock,
  // since other test files share the two cores (a 200 ms wall-clock loop once got 134 ms of a core).
  const start = process.cpuUsage().user;
  let x = 0;
  while (process.cpuUsage().user - start < 200_000) for (let i = 0; i < 10_000; i++) x += Math.sqrt(x + 1);
  assert.ok(x > 0);
  const afterWork = threadCpuMs() as number;
  assert.ok(afterWork - afterSleep >= 150, `its own 200 ms of work shows: ${(afterWork - afterSleep).toFixed(1)} ms`);
});
