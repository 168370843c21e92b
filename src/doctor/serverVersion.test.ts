import assert from 'node:assert/strict';
import { test } from 'node:test';
import { versionAtLeast } from '../store/serverRequirements.js';
import { checkServerVersion } from './serverDoctor.js';

test('PostgreSQL 13 fails the version check with the reason and the fix; 14 passes', () => {
  const old = checkServerVersion(130016, '13.16');
  assert.equal(old.status, 'fail');
  assert.match(old.detail, /PostgreSQL 13\.16 is older than 14, the oldest release codebase-mcp supports/);
  assert.match(old.fix ?? '', /Upgrade the server to PostgreSQL 14 or newer/);
  assert.deepEqual(checkServerVersion(140000, '14.0'), { name: 'PostgreSQL version', status: 'pass', detail: 'PostgreSQL 14.0' });
});

test('extension versions compare numerically', () => {
  assert.equal(versionAtLeast('0.8.0', '0.8.0'), true);
  assert.equal(versionAtLeast('0.10.1', '0.8.0'), true);
  assert.equal(versionAtLeast('0.7.4', '0.8.0'), false);
  assert.equal(versionAtLeast('1.0', '0.8.0'), true);
});
