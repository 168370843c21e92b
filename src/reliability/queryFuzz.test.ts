// Property-based fuzzing of the query path (fast-check): random and
// adversarial strings — binary, SQL, tsquery operators, glob syntax, huge —
// through the core search API in every mode, in-process against a small
// indexed project on each backend. Every call must end in results or a
// UserError; nothing may crash, no database error text may reach the user,
// and each call must stay within a time bound.
import assert from 'node:assert/strict';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { loadConfig } from '../config/config.js';
import { CodebaseService } from '../core/codebaseService.js';
import { parseInput, searchRequestSchema } from '../core/requests.js';
import { searchContent, searchText } from '../core/responses.js';
import type { Embedder } from '../embed/embedder.js';
import { loadWordVectorEmbedder } from '../embed/wordVectorEmbedder.js';
import { isUserError } from '../errors/userError.js';
import { silentLogger } from '../logging/logger.js';
import { SEARCH_MODES } from '../search/hybridSearcher.js';
import { dropTestRegistry, testServerUrl, uniqueName, NO_SERVER_REASON } from '../testing/testBackends.js';
import { isolatedEnv, removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';
import { RAW_DATABASE_ERROR } from '../testing/rawDatabaseError.js';

/** Fragments that mean something to SQL, to PostgreSQL's tsquery parser, to globs or to JSON. */
const ADVERSARIAL_FRAGMENTS = [
  "'", '"', ';', '--', '/*', '*/', "'; DROP TABLE chunks; --", "' OR '1'='1", 'UNION SELECT', '$1', '$$', "E'\\x00'",
  '&', '|', '!', '!!', ':*', ':A', '<->', '<2>', '(', ')', '&&', '||', 'a & | !b', '!(', "'a':*",
  '\\', '%', '_', '*', '?', '[', ']', '{', '}', '[[[', '**/', '..', '../../etc/passwd', '~',
  'to_tsquery', 'ts_rank', 'pg_sleep(10)', 'NULL', 'null', '\u00a0', '\u200b', '\ufeff', '🙂', 'ẞ', 'İ',
  'select', 'from', 'where', 'the', 'a', 'handler', 'parseHTTPResponse', 'rate_limiter', 'x'.repeat(300), '9'.repeat(40),
];

const adversarialQuery = fc
  .array(fc.constantFrom(...ADVERSARIAL_FRAGMENTS), { minLength: 1, maxLength: 12 })
  .chain((parts) => fc.constantFrom(parts.join(' '), parts.join('')));

const randomQuery = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: 'binary-ascii', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...'&|!:*()\'"\\;<>-% \t\n'.split('')), maxLength: 60 }),
);

/** Now and then a query past the 2000-character bound. */
const anyQuery = fc.oneof({ arbitrary: randomQuery, weight: 6 }, { arbitrary: adversarialQuery, weight: 6 }, { arbitrary: fc.string({ minLength: 1990, maxLength: 2100 }), weight: 1 });

const searchArguments = fc.record(
  {
    query: anyQuery,
    mode: fc.constantFrom(...SEARCH_MODES),
    limit: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: -5, max: 1000 })),
    path: fc.oneof(fc.constantFrom('src', 'src/**/*.py', '[[[', '{a,b', 'a(b', '**', '!(x)'), fc.string({ maxLength: 20 })),
    language: fc.oneof(fc.constantFrom('python', 'TypeScript', 'cobol', "'; DROP"), fc.string({ maxLength: 10 })),
    extension: fc.oneof(fc.constantFrom('py', '.ts', 'p y', '%'), fc.string({ maxLength: 8 })),
    max_tokens: fc.integer({ min: 0, max: 200_000 }),
    context_lines: fc.integer({ min: -1, max: 60 }),
  },
  { requiredKeys: ['query', 'mode'] },
);

/** Per call: generous for a loaded 2-core machine, far below a hang. */
const MAX_CALL_MS = 10_000;

async function writeProject(root: string): Promise<void> {
  await mkdir(join(root, 'src', 'api'), { recursive: true });
  await writeFile(join(root, 'src', 'api', 'rate_limiter.py'), 'class RateLimiter:\n    """Token bucket: allow a request when a token is left."""\n    def allow(self, key):\n        return self.tokens.get(key, 0) > 0\n');
  await writeFile(join(root, 'src', 'http.ts'), 'export function parseHTTPResponse(raw: string) {\n  const [head, body] = raw.split("\\r\\n\\r\\n");\n  return { head, body };\n}\n');
  await writeFile(join(root, 'src', 'queries.sql'), "SELECT * FROM users WHERE name = 'x'; -- a & b | !c :*\n");
  await writeFile(join(root, 'README.md'), '# Demo\nSearch handler for select and from words.\n');
}

/** Runs one generated call through validation and search, and checks the answer. */
async function checkOneCall(service: CodebaseService, project: string, args: Record<string, unknown>, tally: Record<string, number>): Promise<void> {
  const started = Date.now();
  let answer: string;
  try {
    const input = parseInput(searchRequestSchema, { ...args, project });
    const outcome = await service.search(input, []);
    answer = JSON.stringify(searchContent(outcome)) + searchText(outcome);
    tally.results += 1;
  } catch (error) {
    if (!isUserError(error)) throw new Error(`a non-user error escaped for ${JSON.stringify(args)}: ${(error as Error).stack}`);
    answer = error.describe();
    assert.ok(error.hint, `every refusal names a fix: ${error.code} ${error.message}`);
    tally[error.code] = (tally[error.code] ?? 0) + 1;
  }
  const elapsed = Date.now() - started;
  tally.maxMs = Math.max(tally.maxMs, elapsed);
  assert.ok(elapsed < MAX_CALL_MS, `call took ${elapsed} ms: ${JSON.stringify(args).slice(0, 200)}`);
  // The fixture's own SQL file may come back as a snippet; database errors never do.
  const leaked = answer.replace(/SELECT \* FROM users WHERE name = 'x'; -- a & b \| !c :\*/g, '');
  assert.doesNotMatch(leaked, RAW_DATABASE_ERROR, `database error text reached the user for ${JSON.stringify(args).slice(0, 200)}`);
}

after(removeTemporaryDirectories);

const serverUrl = testServerUrl();
const backends = [
  { name: 'embedded', skip: false as string | false, runs: 700 },
  { name: 'server', skip: serverUrl ? (false as const) : NO_SERVER_REASON, runs: 250 },
];

for (const backend of backends) {
  describe(`query fuzzing (${backend.name})`, { skip: backend.skip }, () => {
    let service: CodebaseService;
    let embedder: Embedder;
    const registryDatabase = uniqueName('cbtest_fuzz_registry');
    const tally: Record<string, number> = { results: 0, maxMs: 0 };

    before(async () => {
      embedder = await loadWordVectorEmbedder();
      const home = await temporaryDirectory('fuzz-home');
      const root = await temporaryDirectory('fuzz-repo');
      await writeProject(root);
      const overrides = backend.name === 'server' ? { home, databaseUrl: serverUrl as string, registryDatabase } : { home };
      const config = loadConfig(overrides, isolatedEnv(home));
      service = CodebaseService.create(config, async () => embedder, silentLogger, { idleTimeoutMs: 600_000 });
      const { summary } = await service.indexRepository({ path: root, project: 'fuzz' });
      assert.equal(summary.totalFiles, 4);
    });

    after(async () => {
      await service?.close();
      if (backend.name === 'server' && serverUrl) await dropTestRegistry(serverUrl, registryDatabase);
      console.log(`# query fuzzing (${backend.name}): ${JSON.stringify(tally)}`);
    });

    test(`${backend.runs} random and adversarial queries in each of the ${SEARCH_MODES.length} modes: results or a UserError, never database text`, async () => {
      await fc.assert(
        fc.asyncProperty(anyQuery, async (query) => {
          for (const mode of SEARCH_MODES) await checkOneCall(service, 'fuzz', { query, mode }, tally);
        }),
        { numRuns: backend.runs, seed: 1315 },
      );
      assert.ok(tally.results > backend.runs, 'most queries are answered with results, not refused');
    });

    test(`${Math.round(backend.runs / 2)} searches with random filters, limits and budgets as well`, async () => {
      await fc.assert(
        fc.asyncProperty(searchArguments, async (args) => checkOneCall(service, 'fuzz', args, tally)),
        { numRuns: Math.round(backend.runs / 2), seed: 1316 },
      );
      assert.ok((tally.INVALID_GLOB ?? 0) > 0, 'malformed globs were generated and refused as INVALID_GLOB');
    });

    test('the SQL- and tsquery-looking queries from the catalogue are searched as words', async () => {
      for (const query of ["'; DROP TABLE chunks; --", 'a & | !b', ':*', "' OR '1'='1", 'RateLimiter & allow']) {
        for (const mode of SEARCH_MODES) {
          const outcome = await service.search(parseInput(searchRequestSchema, { query, mode, project: 'fuzz' }), []);
          assert.equal(outcome.mode, mode);
        }
      }
      const found = await service.search(parseInput(searchRequestSchema, { query: 'RateLimiter & allow | !x', mode: 'lexical', project: 'fuzz' }), []);
      assert.equal(found.results[0]?.path, 'src/api/rate_limiter.py', 'operators are not operators: the words still match');
    });
  });
}
