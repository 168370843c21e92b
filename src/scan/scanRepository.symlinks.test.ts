import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { makeTree, READ_GITIGNORE } from './scanFixtures.js';
import { scanRepository } from './scanRepository.js';

const SOURCE = 'export const x = 1;\n';

test('symlinks that lead out of the root are never followed', async (t) => {
  const outside = await makeTree(t, { 'stolen.ts': SOURCE, 'dir/inner.ts': SOURCE });
  const root = await makeTree(t, { 'main.ts': SOURCE });
  await symlink(path.join(outside, 'stolen.ts'), path.join(root, 'escape.ts'));
  await symlink(path.join(outside, 'dir'), path.join(root, 'escape-dir'));
  await symlink('../..', path.join(root, 'up')); // relative link climbing out

  const result = await scanRepository(root, READ_GITIGNORE);

  assert.deepEqual(result.files.map((file) => file.relativePath), ['main.ts']);
  assert.deepEqual(result.skipped, [
    { relativePath: 'escape-dir', reason: 'symlink-outside-root' },
    { relativePath: 'escape.ts', reason: 'symlink-outside-root' },
    { relativePath: 'up', reason: 'symlink-outside-root' },
  ]);
});

test('symlinked directories are not walked, so link cycles cannot loop', async (t) => {
  const root = await makeTree(t, { 'src/main.ts': SOURCE });
  await symlink('../src', path.join(root, 'src', 'again')); // src/again -> src: a cycle
  await symlink('.', path.join(root, 'self'));

  const result = await scanRepository(root, READ_GITIGNORE);

  assert.deepEqual(result.files.map((file) => file.relativePath), ['src/main.ts']);
  assert.deepEqual(result.skipped, [
    { relativePath: 'self', reason: 'symlink-directory' },
    { relativePath: 'src/again', reason: 'symlink-directory' },
  ]);
  assert.equal(result.directoriesVisited, 2);
});

test('a symlinked file inside the root is indexed under its link path', async (t) => {
  const root = await makeTree(t, { 'src/real.ts': 'export const real = true;\n' });
  await symlink('src/real.ts', path.join(root, 'alias.ts'));

  const result = await scanRepository(root, READ_GITIGNORE);

  assert.deepEqual(result.files.map((file) => file.relativePath), ['alias.ts', 'src/real.ts']);
  const alias = result.files[0];
  assert.equal(alias.absolutePath, path.join(root, 'alias.ts'));
  assert.equal(alias.size, 'export const real = true;\n'.length);
});

test('ignore rules apply to the link path; a dangling link is unreadable', async (t) => {
  const root = await makeTree(t, { '.gitignore': 'linked/\n*.gen.ts\n', 'src/a.ts': SOURCE });
  await symlink('src', path.join(root, 'linked'));
  await symlink('src/a.ts', path.join(root, 'a.gen.ts'));
  await symlink('missing.ts', path.join(root, 'dangling.ts'));

  const result = await scanRepository(root, READ_GITIGNORE);

  assert.deepEqual(result.files.map((file) => file.relativePath), ['.gitignore', 'src/a.ts']);
  assert.deepEqual(result.skipped, [{ relativePath: 'dangling.ts', reason: 'unreadable' }]);
  assert.equal(result.ignoredCount, 2);
});

test('a root reached through a symlink scans normally', async (t) => {
  const real = await makeTree(t, { 'main.ts': SOURCE, 'src/b.ts': SOURCE });
  const holder = await makeTree(t, {});
  const linkedRoot = path.join(holder, 'repo');
  await symlink(real, linkedRoot);
  await symlink('src/b.ts', path.join(real, 'b-alias.ts'));

  const result = await scanRepository(linkedRoot, READ_GITIGNORE);

  assert.deepEqual(result.files.map((file) => file.relativePath), ['b-alias.ts', 'main.ts', 'src/b.ts']);
  assert.deepEqual(result.skipped, []);
  assert.equal(result.files[1].absolutePath, path.join(linkedRoot, 'main.ts'));
});
