// The watcher's batching and its states, with a file watcher driven by the
// test: bursts become one batch, a busy project pauses without losing a
// path, an ignore-file change watches anew, and the watch limit turns into polling.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../errors/userError.js';
import { silentLogger } from '../logging/logger.js';
import type { FileWatcherEvents, WatchFactory } from './fileWatcher.js';
import { ProjectWatcher, type ChangeBatch } from './projectWatcher.js';

function harness(apply: (batch: ChangeBatch) => Promise<void>) {
  const opened: FileWatcherEvents[] = [];
  let closed = 0;
  const factory: WatchFactory = (_root, _ignores, events) => {
    opened.push(events);
    return { ready: Promise.resolve(), watchedDirectories: () => [''], close: async () => void closed++ };
  };
  const batches: ChangeBatch[] = [];
  const watcher = new ProjectWatcher('p', {
    root: process.cwd(),
    debounceMs: 30,
    maxWaitMs: 2000,
    pollIntervalMs: 100,
    retryMs: 20,
    watchFactory: factory,
    logger: silentLogger,
    apply: async (batch) => {
      batches.push(batch);
      await apply(batch);
    },
  });
  return { watcher, batches, opened, closedCount: () => closed };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a burst of events is applied as one batch, after the start-up full check', async () => {
  const { watcher, batches, opened } = harness(async () => {});
  await watcher.start();
  await watcher.settled();
  assert.deepEqual(batches, ['all']);
  for (let index = 0; index < 500; index++) opened[0].onChange(`src/file_${index}.ts`);
  opened[0].onChange('src/file_1.ts');
  assert.equal(watcher.status().pendingChanges, 500);
  await watcher.settled();
  assert.equal(batches.length, 2);
  assert.equal((batches[1] as string[]).length, 500);
  assert.equal(watcher.status().state, 'watching');
  assert.equal(watcher.status().pendingChanges, 0);
  await watcher.close();
  assert.equal(watcher.status().state, 'off');
});

test('a busy project pauses the watcher, keeps every path, and applies them when it is free', async () => {
  let busy = 5;
  const { watcher, batches, opened } = harness(async (batch) => {
    if (batch !== 'all' && busy-- > 0) throw new UserError('PROJECT_LOCKED', "Project 'p' is in use by another codebase-mcp process (pid 1).");
  });
  await watcher.start();
  await watcher.settled();
  opened[0].onChange('a.py');
  for (let waited = 0; watcher.status().state !== 'paused' && waited < 2000; waited += 5) await sleep(5);
  const paused = watcher.status();
  assert.equal(paused.state, 'paused');
  assert.match(paused.detail ?? '', /waiting: Project 'p' is in use/);
  opened[0].onChange('b.py');
  await watcher.settled();
  assert.deepEqual(batches.slice(-1), [['a.py', 'b.py']]);
  assert.equal(watcher.status().state, 'watching');
  assert.equal(watcher.status().detail, null);
  await watcher.close();
});

test('a changed ignore file watches anew and checks every file', async () => {
  const { watcher, batches, opened, closedCount } = harness(async () => {});
  await watcher.start();
  await watcher.settled();
  opened[0].onChange('sub/.gitignore');
  await sleep(10);
  await watcher.settled();
  assert.equal(opened.length, 2, 'a new file watcher');
  assert.equal(closedCount(), 1, 'the old one closed');
  assert.deepEqual(batches, ['all', 'all']);
  await watcher.close();
});

test('ENOSPC from the file watcher turns into polling with the sysctl fix; other errors into error (polling too)', async () => {
  const { watcher, batches, opened } = harness(async () => {});
  await watcher.start();
  await watcher.settled();
  opened[0].onError(Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' }));
  const status = watcher.status();
  assert.equal(status.state, 'polling');
  assert.match(status.fix ?? '', /sudo sysctl fs\.inotify\.max_user_watches=\d+/);
  await sleep(350);
  assert.ok(batches.filter((batch) => batch === 'all').length >= 3, `periodic full checks (${batches.length})`);
  await watcher.close();

  const other = harness(async () => {});
  await other.watcher.start();
  other.opened[0].onError(Object.assign(new Error('EIO: i/o error, watch'), { code: 'EIO' }));
  assert.equal(other.watcher.status().state, 'error');
  assert.match(other.watcher.status().detail ?? '', /watching failed: .*EIO.*checking files every 0\.1 s instead/);
  await other.watcher.close();
});
