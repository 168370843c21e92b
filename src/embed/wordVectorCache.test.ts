import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildWordVectorCache } from './buildWordVectorCache.js';
import { readWinkEmbeddings, type SourceWordVector } from './winkEmbeddingsReader.js';
import { isUsableWordVectorCache, userWordVectorCachePath } from './wordVectorCacheLocation.js';
import { loadWordVectorEmbedder } from './wordVectorEmbedder.js';
import { decodeWordVectorFile } from './wordVectorFile.js';

// A miniature of the wink file: same shape, 4 dimensions, and the awkward cases
// the real file has (punctuation, capitals, hyphens, escapes, non-ASCII).
const SOURCE_WORDS: Array<[string, number[]]> = [
  ['the', [0.5, -0.25, 1, 0]],
  [',', [1, 1, 1, 1]],
  ['alpha', [0.1, 0.2, 0.3, 0.4]],
  ['Beta', [9, 9, 9, 9]],
  ['gamma-ray', [8, 8, 8, 8]],
  ['quote"d', [7, 7, 7, 7]],
  ['café', [6, 6, 6, 6]],
  ['delta', [-1.5, 2.25e-3, 3e2, -4.125]],
  ['epsilon', [0.001, -0.002, 0.003, -0.004]],
  ['zeta', [1, 2, 3, 4]],
];

function sourceJson(): string {
  const vectors = SOURCE_WORDS.map(([word, vector], rank) => {
    const numbers = [...vector, Math.hypot(...vector), rank];
    // Exercise exponent notation and whitespace the way other JSON writers produce them.
    const text = numbers.map((n) => (n !== 0 && Math.abs(n) < 0.01 ? n.toExponential() : String(n))).join(', ');
    return `${JSON.stringify(word)}: [ ${text} ]`;
  });
  return `{"precision":8, "l2NormIndex":4, "wordIndex":5, "size":${SOURCE_WORDS.length}, "dimensions":4,
  "words": ${JSON.stringify(SOURCE_WORDS.map(([word]) => word))},
  "vectors": {\n${vectors.join(',\n')}\n},
  "unkVector": [0, 0, 0, 0, 0, -1]}`;
}

const KEPT = ['the', 'alpha', 'delta', 'epsilon', 'zeta'];

describe('wink embeddings reader', () => {
  test('reads every entry in order, with its rank and exact vector, through escapes and exponents', async () => {
    const entries: Array<{ word: string; rank: number; vector: number[] }> = [];
    const header = await readWinkEmbeddings(Buffer.from(sourceJson()), (entry: SourceWordVector) => {
      entries.push({ word: entry.word, rank: entry.rank, vector: Array.from(entry.vector) });
    });
    assert.deepEqual(header, { dimensions: 4, size: SOURCE_WORDS.length });
    assert.deepEqual(
      entries,
      SOURCE_WORDS.map(([word, vector], rank) => ({ word, rank, vector })),
    );
  });

  test('malformed input fails with the byte offset instead of reading garbage', async () => {
    const broken = sourceJson().replace('"alpha": [ ', '"alpha": [ ,');
    await assert.rejects(readWinkEmbeddings(Buffer.from(broken), () => {}), /wink embeddings JSON: expected a number at byte \d+/);
    await assert.rejects(readWinkEmbeddings(Buffer.from('{"dimensions":4}'), () => {}), /no "vectors" object/);
  });
});

describe('word-vector cache file', () => {
  let dir: string;
  let sourceFile: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'codebase-mcp-word-vector-cache-'));
    sourceFile = join(dir, 'source.json');
    await writeFile(sourceFile, sourceJson());
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('keeps the lower-case alphabetic words in frequency order, and looks each one up', async () => {
    const outputFile = join(dir, 'words.bin');
    const result = await buildWordVectorCache({ sourceFile, outputFile });
    assert.equal(result.wordCount, KEPT.length);
    const table = decodeWordVectorFile(await readFile(outputFile));
    assert.equal(table.dimensions, 4);
    assert.deepEqual(
      KEPT.map((_, i) => table.wordAt(i)),
      KEPT,
    );
    for (const word of KEPT) {
      const index = table.indexOf(word);
      assert.equal(table.wordAt(index), word);
      assert.equal(table.rankAt(index), SOURCE_WORDS.findIndex(([w]) => w === word));
    }
    for (const absent of ['beta', 'Beta', 'gamma', 'cafe', 'alph', 'alphas', '', 'constructor']) {
      assert.equal(table.indexOf(absent), -1, absent);
    }
  });

  test('round trip: loaded vectors equal the source vectors within the int8 step', async () => {
    const outputFile = join(dir, 'round-trip.bin');
    await buildWordVectorCache({ sourceFile, outputFile });
    const table = decodeWordVectorFile(await readFile(outputFile));
    for (const [word, source] of SOURCE_WORDS.filter(([w]) => KEPT.includes(w))) {
      const loaded = table.vectorAt(table.indexOf(word));
      const step = Math.max(...source.map(Math.abs)) / 127;
      source.forEach((value, d) => assert.ok(Math.abs(loaded[d] - value) <= step / 2 + 1e-9, `${word}[${d}]: ${loaded[d]} ≈ ${value}`));
    }
    const mean = KEPT.map((w) => SOURCE_WORDS.find(([word]) => word === w)![1]).reduce((sum, v) => sum.map((s, d) => s + v[d] / KEPT.length), [0, 0, 0, 0]);
    table.mean.forEach((value, d) => assert.ok(Math.abs(value - mean[d]) < 1e-4));
    assert.equal(table.commonDirections.length, 3);
    for (const direction of table.commonDirections) assert.ok(Math.abs(Math.hypot(...direction) - 1) < 1e-5);
  });

  test('conversion is deterministic, honours maxRank, and leaves no temp files behind', async () => {
    const first = join(dir, 'first.bin');
    const second = join(dir, 'second.bin');
    await buildWordVectorCache({ sourceFile, outputFile: first });
    await buildWordVectorCache({ sourceFile, outputFile: second });
    assert.deepEqual(await readFile(first), await readFile(second));
    await buildWordVectorCache({ sourceFile, outputFile: second, maxRank: 8 });
    const trimmed = decodeWordVectorFile(await readFile(second));
    assert.equal(trimmed.wordCount, 3);
    assert.equal(trimmed.indexOf('epsilon'), -1);
    assert.deepEqual((await readdir(dir)).filter((name) => name.endsWith('.tmp')), []);
  });

  test('loadWordVectorEmbedder uses an existing cache file as it is', async () => {
    const cacheFile = join(dir, 'existing.bin');
    await buildWordVectorCache({ sourceFile, outputFile: cacheFile });
    const embedder = await loadWordVectorEmbedder({ cacheFile });
    // 4 dimensions: the miniature was loaded, not replaced by a conversion of the real package.
    assert.equal(embedder.dimensions, 4);
    const vector = await embedder.embedQuery('alpha delta');
    assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5);
  });

  test('a truncated, foreign or missing file is not taken for a cache', async () => {
    const good = join(dir, 'good.bin');
    await buildWordVectorCache({ sourceFile, outputFile: good });
    const bytes = await readFile(good);
    assert.equal(await isUsableWordVectorCache(good), true);

    const truncated = join(dir, 'truncated.bin');
    await writeFile(truncated, bytes.subarray(0, bytes.length - 10));
    assert.throws(() => decodeWordVectorFile(bytes.subarray(0, bytes.length - 10)), /size \d+, expected \d+/);

    const olderVersion = Buffer.from(bytes);
    olderVersion.writeUInt32LE(0, 8);
    const stale = join(dir, 'stale.bin');
    await writeFile(stale, olderVersion);
    assert.equal(await isUsableWordVectorCache(stale), false);
    assert.throws(() => decodeWordVectorFile(olderVersion), /format version 0/);

    const foreign = join(dir, 'foreign.bin');
    await writeFile(foreign, 'not a cache at all, just some text that is long enough');
    assert.equal(await isUsableWordVectorCache(foreign), false);
    assert.throws(() => decodeWordVectorFile(Buffer.from('short')), /too short/);

    assert.equal(await isUsableWordVectorCache(join(dir, 'missing.bin')), false);
  });
});

describe('word-vector cache location', () => {
  test('the user cache lives under XDG_CACHE_HOME, else ~/.cache', () => {
    assert.equal(userWordVectorCachePath({ XDG_CACHE_HOME: '/var/cache/me' }), '/var/cache/me/codebase-mcp/word-vectors-100d.bin');
    assert.equal(userWordVectorCachePath({}), join(homedir(), '.cache', 'codebase-mcp', 'word-vectors-100d.bin'));
  });
});
