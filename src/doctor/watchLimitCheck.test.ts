import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { copyOfSampleRepo, removeTemporaryDirectories } from '../testing/testEnvironment.js';
import { checkWatchLimit } from './watchLimitCheck.js';

after(removeTemporaryDirectories);

const config = { watch: true, projects: {}, maxFileBytes: 1024 * 1024 };

test('the file-watch check counts a watch per directory and file of every watched project against the inotify limit', async () => {
  const root = await copyOfSampleRepo();
  const projects = [{ name: 'shop', root }];
  const roomy = await checkWatchLimit(config, projects, 100_000);
  assert.equal(roomy.status, 'pass');
  // 40 directories, 32 indexed files and 5 skipped ones (secrets), as chokidar holds them.
  assert.match(roomy.detail, /^77 watches for 1 watched project; fs\.inotify\.max_user_watches = 100000$/);
  const tight = await checkWatchLimit(config, projects, 80);
  assert.equal(tight.status, 'fail');
  assert.match(tight.fix ?? '', /sudo sysctl fs\.inotify\.max_user_watches=524288/);
  assert.equal((await checkWatchLimit({ ...config, projects: { shop: { watch: false } } }, projects, 80)).status, 'pass', 'a project not watched needs nothing');
  assert.equal((await checkWatchLimit({ ...config, watch: false }, projects, 80)).status, 'skip');
  assert.equal((await checkWatchLimit(config, projects, null)).status, 'skip');
});
