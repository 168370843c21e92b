// Keyword ranking on both backends: the pruned top k is the exhaustive
// ranking's, the answer survives among thousands of matches of a common word,
// names outweigh mentions, identifiers meet the words that spell them, files
// gather evidence across their chunks, and bulk does not win.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ChunkRecord, FileWrite, ProjectStore } from '../store/projectStore.js';
import { EMBEDDINGS_PENDING_KEY, toVectorLiteral } from '../store/projectStore.js';
import { testBackends } from '../testing/testBackends.js';
import { removeTemporaryDirectories } from '../testing/testEnvironment.js';
import { chunkFields } from '../tokens/chunkFields.js';
import { fieldTsvector } from '../tokens/searchLexemes.js';
import { fullTextQuery, searchChunks } from './hybridSearcher.js';
import { setQuery, termSetPlan } from '../store/keywordRanking.js';

interface ChunkSpec {
  symbol?: string;
  content: string;
}

let serial = 0;
function file(path: string, language: string, chunks: ChunkSpec[]): FileWrite {
  const records: ChunkRecord[] = chunks.map((spec, index) => ({
    startLine: index * 10 + 1,
    endLine: index * 10 + 9,
    symbol: spec.symbol ?? null,
    kind: spec.symbol ? 'function' : null,
    content: spec.content,
    contentHash: `c${serial++}`,
    ...fieldTsvector(chunkFields(path, language, spec.symbol ? [spec.symbol] : [], spec.content)),
    embedding: toVectorLiteral([1, 0, 0]),
  }));
  return { path, language, extension: path.split('.').pop() ?? '', contentHash: `f${serial++}`, sizeBytes: 1, mtimeMs: 1, lineCount: 1, chunks: records };
}

const noEmbedder = async (): Promise<Float32Array> => {
  throw new Error('keyword searches do not embed');
};

after(removeTemporaryDirectories);

test('term sets are scored strongest bound first, and a chunk of a set holds exactly its heavy terms', () => {
  const plan = termSetPlan([3, 2, 2, 1]);
  assert.equal(plan.sets.length, 15, 'every non-empty set of four terms');
  assert.deepEqual(plan.sets.slice(0, 4).map((set) => [set.members, set.bound]), [[[0, 1, 2, 3], 8], [[0, 1, 2], 7], [[0, 1, 3], 6], [[0, 2, 3], 6]]);
  assert.deepEqual(plan.sets.at(-1), { members: [3], bound: 1 });
  const wide = termSetPlan(Array.from({ length: 12 }, () => 1));
  assert.equal(wide.heavy.length, 10);
  assert.equal(wide.sets.length, 1024, 'the empty set too: its chunks may hold the two light terms');
  assert.equal(wide.sets.at(-1)?.bound, 2);
  assert.equal(setQuery([0], [0, 1], ['alpha', 'beta', 'gamma']), "('alpha' & !'beta')");
  assert.equal(setQuery([], [0, 1], ['alpha', 'beta', 'gamma']), "(('gamma') & !'alpha' & !'beta')");
});

for (const backend of testBackends()) {
  describe(`keyword ranking (${backend.name})`, { skip: backend.skip }, () => {
    let store: ProjectStore;

    before(async () => {
      store = await backend.openStore('keywords');
      await store.prepareForEmbedder({ id: 'test-model', dimensions: 3 }, false);
    });

    after(async () => {
      await store?.close();
      await backend.cleanup();
    });

    const lexicalFiles = async (query: string, limit = 10) => {
      const response = await searchChunks(store, noEmbedder, '/nonexistent', { query, mode: 'lexical', limit, maxTokens: 1_000_000 });
      return [...new Set(response.results.map((hit) => hit.path))];
    };

    const replaceAll = async (files: FileWrite[]) => {
      await store.deleteFiles((await store.filePaths()).map((entry) => entry.path));
      await store.writeFiles(files);
      await store.analyze();
    };

    // A Zipf-like vocabulary: a few words everywhere, most rare.
    const zipfCorpus = () => {
      let state = 7;
      const random = () => ((state = (state * 48271) % 2147483647) / 2147483647);
      const vocabulary = Array.from({ length: 400 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}q`);
      const word = () => vocabulary[Math.min(vocabulary.length - 1, Math.floor(vocabulary.length * random() ** 3))];
      const files = Array.from({ length: 60 }, (_, f) =>
        file(`pkg${f % 5}/mod${f}.${f % 4 === 0 ? 'js' : 'py'}`, f % 4 === 0 ? 'javascript' : 'python', Array.from({ length: 70 }, (_, c) => ({
          symbol: c % 3 === 0 ? `${word()}_${word()}` : undefined,
          content: Array.from({ length: 5 + Math.floor(random() * 60) }, word).join(' '),
        }))),
      );
      return { files, word };
    };

    test('champion lists and term sets return exactly the exhaustive top k, and prune', async () => {
      const { files, word } = zipfCorpus();
      await replaceAll(files);
      let pruned = 0;
      for (let q = 0; q < 25; q++) {
        const words = [...new Set(Array.from({ length: 2 + (q % 5) }, word))];
        const { expansions } = fullTextQuery(words.join(' '));
        // Small champion lists, so that this corpus has common terms.
        const fast = await store.keywordRanking(words, expansions, 40, {}, { championMinDf: 60, championSize: 30 });
        const exhaustive = await store.keywordRanking(words, expansions, 40, {}, { exhaustive: true });
        assert.deepEqual(fast.hits.map((hit) => hit.id), exhaustive.hits.map((hit) => hit.id), `query ${words.join(' ')}`);
        assert.ok(fast.exact);
        if (fast.scored < exhaustive.scored) pruned++;
      }
      assert.ok(pruned >= 5, `pruning skipped chunks on ${pruned} of 25 queries`);
    });

    test('the postings in memory rank exactly as the SQL does, filters too, and only for the generation they were read from', async () => {
      const { files, word } = zipfCorpus();
      await replaceAll(files);
      const first = await store.keywordRanking(['wbaq'], [], 10, {});
      assert.equal(first.source, 'sql', 'nothing is read into memory before it is asked for');
      assert.equal(await store.readIntoMemory(), true);
      const pathIds = (await store.filePaths()).filter((entry) => entry.path.startsWith('pkg1/')).map((entry) => entry.id);
      const filterSets = [{}, { languages: ['javascript'] }, { extensions: ['py'], fileIds: pathIds }];
      for (let q = 0; q < 30; q++) {
        const words = [...new Set(Array.from({ length: 2 + (q % 5) }, word))];
        const { expansions } = fullTextQuery(words.join(' '));
        const filters = filterSets[q % 3];
        const memory = await store.keywordRanking(words, expansions, 40, filters);
        const sql = await store.keywordRanking(words, expansions, 40, filters, { exhaustive: true });
        assert.equal(memory.source, 'postings');
        assert.equal(sql.source, 'sql');
        assert.ok(sql.hits.length > 0, `query ${words.join(' ')} matches`);
        assert.deepEqual(memory.hits, sql.hits, `query ${words.join(' ')}, filters ${JSON.stringify(filters)}`);
        assert.equal(memory.scored, sql.scored);
      }

      // A write moves the generation: the postings are dropped, the SQL answers (and sees the new chunk), until they are read again.
      await store.writeFiles([file('late/added.py', 'python', [{ symbol: 'zebra_crossing', content: 'def zebra_crossing(): wbaq()' }])]);
      const afterWrite = await store.keywordRanking(['zebra'], [], 10, {});
      assert.equal(afterWrite.source, 'sql');
      assert.equal(afterWrite.hits.length, 1);
      assert.equal(await store.readIntoMemory(), true);
      const rebuilt = await store.keywordRanking(['zebra'], [], 10, {});
      assert.equal(rebuilt.source, 'postings');
      assert.deepEqual(rebuilt.hits, afterWrite.hits);
    });

    test('after a few files change, the postings are refreshed from the last full read and still rank exactly as the SQL does', async () => {
      const { files, word } = zipfCorpus();
      await replaceAll(files);
      // Vectors still being computed: postings only, as for a project too large to hold its vectors.
      await store.setMeta(EMBEDDINGS_PENDING_KEY, -1);
      try {
        assert.equal(await store.readIntoMemory(), true);
        const reads = { ...store.memoryReads };
        const rewritten = { ...file(files[3].path, 'python', [{ symbol: 'quokka_jump', content: `quokka ${word()} ${word()} wbaq` }]) };
        await store.writeFiles([rewritten, file('late/added.py', 'python', [{ symbol: 'zebra_crossing', content: `def zebra_crossing(): ${word()} wbaq()` }])]);
        await store.deleteFiles([files[7].path, files[8].path]);
        assert.equal(await store.readIntoMemory(), true);
        assert.deepEqual(store.memoryReads, { full: reads.full, refreshed: reads.refreshed + 1 }, 'refreshed, not read again');
        const pathIds = (await store.filePaths()).filter((entry) => entry.path.startsWith('pkg3/') || entry.path.startsWith('late/')).map((entry) => entry.id);
        const filterSets = [{}, { languages: ['javascript'] }, { extensions: ['py'], fileIds: pathIds }];
        for (let q = 0; q < 30; q++) {
          const words = [...new Set([...Array.from({ length: 1 + (q % 4) }, word), ...(q % 3 === 0 ? ['quokka'] : q % 3 === 1 ? ['zebra'] : [])])];
          const { expansions } = fullTextQuery(words.join(' '));
          const filters = filterSets[q % 3];
          const memory = await store.keywordRanking(words, expansions, 40, filters);
          const sql = await store.keywordRanking(words, expansions, 40, filters, { exhaustive: true });
          assert.equal(memory.source, 'postings');
          assert.deepEqual(memory.hits, sql.hits, `query ${words.join(' ')}, filters ${JSON.stringify(filters)}`);
          assert.deepEqual(memory.terms, sql.terms, 'the same document frequencies');
          assert.equal(memory.scored, sql.scored);
        }
        const zebra = await store.keywordRanking(['zebra'], [], 10, {});
        assert.equal(zebra.hits.length, 1);
        // Everything replaced: past the refresh's bound, read whole again.
        await replaceAll(files);
        assert.equal(await store.readIntoMemory(), true);
        assert.deepEqual(store.memoryReads, { full: reads.full + 1, refreshed: reads.refreshed + 1 });
        assert.equal((await store.keywordRanking(['zebra'], [], 10, {})).hits.length, 0);
      } finally {
        await store.setMeta(EMBEDDINGS_PENDING_KEY, 0);
      }
    });

    test('the answer survives among thousands of matches of a common word (the oom_kill case)', async () => {
      const scheduler = Array.from({ length: 40 }, (_, f) =>
        file(`kernel/sched/part${f}.c`, 'c', Array.from({ length: 60 }, (_, c) => ({
          symbol: `pick_next_task_${f}_${c}`,
          content: `static struct task *pick_next_task_${f}_${c}(struct rq *rq) { /* pick the next task to run on this system */ return pick(rq, ${c}); }`,
        }))),
      );
      const memory = Array.from({ length: 20 }, (_, f) =>
        file(`mm/alloc${f}.c`, 'c', Array.from({ length: 30 }, (_, c) => ({
          symbol: `alloc_pages_${f}_${c}`,
          content: `/* allocate memory for the process */ void *alloc_pages_${f}_${c}(size_t size) { return system_alloc(memory, size); }`,
        }))),
      );
      const oom = file('mm/oom_kill.c', 'c', [
        { symbol: 'oom_badness', content: '/* heuristic to choose the victim task */ long oom_badness(struct task_struct *p) { return p->mm->rss; }' },
        { symbol: 'select_bad_process', content: 'static void select_bad_process(struct oom_control *oc) { for_each_process(p) oom_evaluate_task(p, oc); }' },
        { symbol: 'oom_kill_process', content: 'static void oom_kill_process(struct oom_control *oc, const char *message) { __oom_kill_process(victim, message); }' },
        { symbol: 'out_of_memory', content: 'bool out_of_memory(struct oom_control *oc) { select_bad_process(oc); oom_kill_process(oc, "Out of memory"); }' },
      ]);
      await replaceAll([...scheduler, ...memory, oom]);
      const files = await lexicalFiles('Pick which process to kill when the system runs out of memory');
      assert.equal(files[0], 'mm/oom_kill.c', files.join(', '));
    });

    test('a name or path match outranks a mention in the code, and comments count more than code', async () => {
      await replaceAll([
        file('net/retry_backoff.py', 'python', [{ symbol: 'compute_delay', content: 'def compute_delay(attempt):\n    return 2 ** attempt' }]),
        file('net/client.py', 'python', [{ symbol: 'send', content: 'def send(request):\n    backoff = 1\n    retry = True\n    return transport(request, backoff, retry)' }]),
        file('net/queue.py', 'python', [
          { symbol: 'drain', content: 'def drain(queue):\n    # flush pending items before shutdown\n    return queue.clear()' },
          { symbol: 'stop', content: 'def stop(worker):\n    pending = worker.items\n    flush(pending)\n    shutdown(worker)' },
        ]),
      ]);
      assert.equal((await lexicalFiles('retry backoff'))[0], 'net/retry_backoff.py');
      const drain = await searchChunks(store, noEmbedder, '/nonexistent', { query: 'flush pending items before shutdown', mode: 'lexical', limit: 2, maxTokens: 100_000 });
      assert.equal(drain.results[0].symbol, 'drain', 'the docstring says it; the other chunk only uses the words');
    });

    test('identifiers meet the words that spell them: getUserById, parse_retry_after', async () => {
      await replaceAll([
        file('api/users.ts', 'typescript', [{ symbol: 'getUserById', content: 'export function getUserById(key: string) { return db.find(key); }' }]),
        file('api/audit.ts', 'typescript', [{ symbol: 'record', content: 'export function record(user: User, id: string) { log.get(user, id); get(id); }' }]),
        file('http/headers.py', 'python', [{ symbol: 'parse_retry_after', content: 'def parse_retry_after(value):\n    return int(value)' }]),
        file('http/retry.py', 'python', [{ symbol: 'retry_request', content: 'def retry_request(response):\n    header = response.headers\n    parse(header)\n    return after(header)' }]),
      ]);
      assert.equal((await lexicalFiles('get user by id'))[0], 'api/users.ts');
      assert.equal((await lexicalFiles('parse the retry-after header'))[0], 'http/headers.py');
    });

    test("a file whose chunks together answer the question outranks one chunk dense with a word", async () => {
      await replaceAll([
        file('auth/session_store.py', 'python', [
          { symbol: 'save', content: 'def save(session):\n    # persist the session to the cache\n    cache.set(session.key, session)' },
          { symbol: 'expire', content: 'def expire(session):\n    # sessions expire after the timeout\n    cache.delete(session.key)' },
          { symbol: 'load', content: 'def load(key):\n    # read a session back, renewing its timeout\n    return cache.get(key)' },
        ]),
        file('core/cache_util.py', 'python', [{ symbol: 'warm', content: 'def warm():\n    cache.get(cache.key)\n    cache.set(cache, cache)\n    cache.delete(cache)\n    cache.clear(cache)' }]),
      ]);
      assert.equal((await lexicalFiles('how are sessions saved to the cache and expired after a timeout'))[0], 'auth/session_store.py');
    });

    test('a generated table holding every word does not outrank the function about it', async () => {
      const table = Array.from({ length: 400 }, (_, i) => `ERR_${i}_CODE${i}X = ${i}  # error code ${i} for connection timeout`).join('\n');
      await replaceAll([
        file('errors/codes.py', 'python', [{ content: table }]),
        file('net/dial.py', 'python', [{ symbol: 'dial', content: 'def dial(address):\n    # give up when the connection attempt times out\n    raise ConnectionTimeoutError(address)' }]),
      ]);
      assert.equal((await lexicalFiles('connection timeout error'))[0], 'net/dial.py');
    });
  });
}
