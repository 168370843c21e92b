import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isProjectDatabaseName, parseProjectDatabaseComment, projectDatabaseComment, projectDatabaseName } from './databaseNames.js';

test('project databases are cb_proj_<slug>_<8 hex>, at most 63 bytes whatever the name', () => {
  assert.equal(projectDatabaseName('My.Repo-2', 'deadbeef'), 'cb_proj_my_repo_2_deadbeef');
  assert.match(projectDatabaseName('alpha'), /^cb_proj_alpha_[0-9a-f]{8}$/);
  assert.notEqual(projectDatabaseName('alpha'), projectDatabaseName('alpha'), 'a new suffix for every creation');
  const long = projectDatabaseName('x'.repeat(40) + '-' + 'y'.repeat(22), '01234567');
  assert.ok(Buffer.byteLength(long) <= 63, long);
  assert.match(long, /^cb_proj_x+_y*_01234567$/);
  assert.equal(projectDatabaseName('---', 'abcdef01'), 'cb_proj_project_abcdef01');
  assert.equal(isProjectDatabaseName(long), true);
  assert.equal(isProjectDatabaseName('cb_doctor_project_01234567'), false);
});

test('the comment on a project database says which project of which registry it is', () => {
  const comment = projectDatabaseComment('alpha', '0b7c6f1e-1111-2222-3333-444455556666');
  assert.deepEqual(parseProjectDatabaseComment(comment), { project: 'alpha', registryId: '0b7c6f1e-1111-2222-3333-444455556666' });
  assert.equal(parseProjectDatabaseComment(null), null);
  assert.equal(parseProjectDatabaseComment('made by hand'), null);
});
