import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';
import { longestSharedRun } from './queryOverlap.js';
import { keywordTerms, rankFilesWithRipgrep, ripgrepVersion } from './ripgrepRanking.js';

after(removeTemporaryDirectories);

test('a question becomes the keywords a developer would grep for', () => {
  assert.deepEqual(keywordTerms('where are cookies signed?').map((term) => term.text), ['cook', 'sign']);
  assert.deepEqual(keywordTerms('how does the retry backoff work').map((term) => term.text), ['backoff', 'retry']);
});

test('an identifier is searched whole, and stands for each of its words', () => {
  const terms = keywordTerms('parseHttpDate');
  assert.deepEqual(terms[0], { text: 'parsehttpdate', covers: ['parse', 'http', 'date'] });
  assert.deepEqual(terms.slice(1).map((term) => term.text), ['parse', 'date', 'http'], 'longest first, then alphabetical');
});

test('ripgrep ranks files by how many query words they contain, then by how often', async (t) => {
  if (!(await ripgrepVersion())) return t.skip('rg is not installed');
  const root = await temporaryDirectory('rg');
  await mkdir(join(root, 'src'));
  await writeFile(join(root, 'src', 'both.py'), 'def retry_with_backoff():\n    pass\n');
  await writeFile(join(root, 'src', 'often.py'), 'retry retry retry retry\n');
  await writeFile(join(root, 'src', 'once.py'), 'retry\n');
  await writeFile(join(root, 'none.py'), 'nothing here\n');
  const ranking = await rankFilesWithRipgrep(root, 'how does the retry backoff work');
  assert.deepEqual(ranking.files, ['src/both.py', 'src/often.py', 'src/once.py']);
});

test('the copy check measures the longest run of query words found verbatim in the text', () => {
  assert.equal(longestSharedRun('where are cookies signed', 'Signed cookies are where it starts.'), 1);
  assert.equal(longestSharedRun('Return the cached value, or compute it', '# return the Cached value; or else'), 5);
  assert.equal(longestSharedRun('nothing shared', 'entirely different'), 0);
});
