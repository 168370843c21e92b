import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPerQuery, formatQuality } from './benchFormat.js';
import { sampleQualityResult } from './resultFixtures.js';

test('the per-question table gives each question its rank in every mode and for ripgrep, "-" for a miss', () => {
  const result = sampleQualityResult();
  result.perQuery = [
    { query: 'where are cookies signed?', file: 'django/core/signing.py', ranks: { hybrid: 1, semantic: null, lexical: 2, ripgrep: 4 }, sharedRun: 1 },
    { query: `a very long question ${'about many things '.repeat(5)}`, file: 'django/db/models/query.py', ranks: { hybrid: null, semantic: 7, lexical: null, ripgrep: null }, sharedRun: 0 },
  ];
  const lines = formatPerQuery(result).split('\n');
  assert.match(lines[2], /^\s+#\s+question\s+gold file\s+hybrid\s+semantic\s+lexical\s+ripgrep$/);
  assert.match(lines[3], /^\s+1\s+where are cookies signed\?\s+django\/core\/signing\.py\s+1\s+-\s+2\s+4$/);
  assert.match(lines[4], /^\s+2\s+a very long question .*…\s+django\/db\/models\/query\.py\s+-\s+7\s+-\s+-$/);
  assert.ok(lines[4].indexOf('…') <= 2 + 2 + 2 + 60, 'long questions are cut to the column');
});

test('the summary table lists every mode and the ripgrep yardstick', () => {
  const text = formatQuality(sampleQualityResult());
  for (const ranker of ['hybrid', 'semantic', 'lexical', 'ripgrep (yardstick)']) assert.match(text, new RegExp(`^\\s+${ranker.replace(/[()]/g, '\\$&')}\\s+0\\.\\d{3}`, 'm'));
});
