import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UserError } from '../errors/userError.js';
import { removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';
import { ProjectLock } from './projectLock.js';

after(removeTemporaryDirectories);

test('a second holder is refused with an error naming the pid that holds the lock', async () => {
  const path = join(await temporaryDirectory('lock'), 'lock');
  const first = ProjectLock.acquire(path, 'demo');
  assert.throws(
    () => ProjectLock.acquire(path, 'demo'),
    (error: unknown) =>
      error instanceof UserError &&
      error.code === 'PROJECT_LOCKED' &&
      error.message.includes(`Project 'demo' is in use by another codebase-mcp process (pid ${process.pid}`),
  );
  first.release();
  assert.equal(existsSync(path), false);
  ProjectLock.acquire(path, 'demo').release();
});

test('a lock left by a process that no longer exists is taken over', async () => {
  const path = join(await temporaryDirectory('lock'), 'lock');
  const dead = spawnSync(process.execPath, ['-e', 'process.pid']);
  writeFileSync(path, JSON.stringify({ pid: dead.pid, host: hostname(), command: 'index', since: '2020-01-01T00:00:00Z' }));
  const lock = ProjectLock.acquire(path, 'demo');
  lock.release();
});
