// The shipped question sets in bench/queries/: their shape always, and their
// gold files and symbols against the installed corpus when it is there.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { LabelledQuery } from '../search/retrievalMetrics.js';
import { REPO_ROOT } from '../testing/testEnvironment.js';
import { loadLabelledQueries } from './evaluateQuality.js';
import { COPIED_RUN, longestSharedRun } from './queryOverlap.js';

interface QuerySet {
  file: string;
  installer: string;
  /** Environment variable that points at an installed corpus; else the installer's default directory. */
  corpusVariable: string;
  defaultCorpus: string;
  /** The floor for the set's size. */
  minimum: number;
}

const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
const SETS: QuerySet[] = [
  { file: 'django.json', installer: 'install-quality-corpus.sh', corpusVariable: 'CODEBASE_MCP_DJANGO_CORPUS', defaultCorpus: 'django-corpus', minimum: 90 },
  { file: 'js-libraries.json', installer: 'install-js-corpus.sh', corpusVariable: 'CODEBASE_MCP_JS_CORPUS', defaultCorpus: 'js-corpus', minimum: 60 },
  { file: 'postgres.json', installer: 'install-postgres-corpus.sh', corpusVariable: 'CODEBASE_MCP_POSTGRES_CORPUS', defaultCorpus: 'postgres-corpus', minimum: 50 },
];
const KINDS = new Set(['keyword', 'reworded']);

const queriesPath = (set: QuerySet) => join(REPO_ROOT, 'bench', 'queries', set.file);
const corpusPath = (set: QuerySet) => process.env[set.corpusVariable] ?? join(cache, 'codebase-mcp', 'bench', set.defaultCorpus);
const isDirectory = (path: string) => stat(path).then((info) => info.isDirectory(), () => false);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

for (const set of SETS) {
  test(`${set.file}: at least ${set.minimum} distinct questions, each with a gold file and a kind, half or more reworded`, async () => {
    const queries = await loadLabelledQueries(queriesPath(set));
    assert.ok(queries.length >= set.minimum, `${queries.length} questions`);
    const seen = new Set<string>();
    for (const query of queries) {
      const key = query.query.toLowerCase();
      assert.ok(!seen.has(key), `question asked twice: ${query.query}`);
      seen.add(key);
      assert.ok(query.kind && KINDS.has(query.kind), `kind ${query.kind} of: ${query.query}`);
      assert.ok(!query.file.startsWith('/') && !query.file.split('/').includes('..'), `gold file ${query.file} is not relative to the corpus`);
    }
    const reworded = queries.filter((query) => query.kind === 'reworded').length;
    assert.ok(reworded * 2 >= queries.length, `${reworded} of ${queries.length} reworded`);
  });

  test(`${set.file}: every gold file is in the installed corpus, holds its symbol, and no question is lifted from it`, async (t) => {
    const corpus = corpusPath(set);
    if (!(await isDirectory(corpus))) {
      return t.skip(`corpus not installed at ${corpus}: run scripts/${set.installer} ${corpus}, or set ${set.corpusVariable}`);
    }
    const queries: LabelledQuery[] = await loadLabelledQueries(queriesPath(set));
    for (const query of queries) {
      const text = await readFile(join(corpus, query.file), 'utf8').catch(() => null);
      assert.ok(text !== null, `gold file ${query.file} is not in ${corpus} (question: ${query.query})`);
      if (query.symbol) {
        assert.match(text, new RegExp(`\\b${escapeRegExp(query.symbol)}\\b`), `${query.file} does not mention ${query.symbol}`);
      }
      const run = longestSharedRun(query.query, text);
      assert.ok(run < COPIED_RUN, `${run} consecutive words of "${query.query}" appear verbatim in ${query.file}`);
    }
  });
}
