import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { CODE_ABBREVIATIONS } from './codeAbbreviations.js';
import type { Embedder } from './embedder.js';
import { ensureWordVectorCache } from './wordVectorCacheLocation.js';
import { loadWordVectorEmbedder, WORD_VECTOR_EMBEDDER_ID } from './wordVectorEmbedder.js';
import { decodeWordVectorFile } from './wordVectorFile.js';

function cosine(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function assertUnitVector(vector: Float32Array, dimensions: number): void {
  assert.equal(vector.length, dimensions);
  assert.ok(vector.every(Number.isFinite), 'every component is finite');
  assert.ok(Math.abs(Math.hypot(...vector) - 1) < 1e-5, `length ${Math.hypot(...vector)} is 1`);
}

const CHUNKS = {
  deleteUser: `def delete_user(user_id):
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    db.session.delete(user)
    db.session.commit()
`,
  parseCsvRows: `def parse_csv_rows(path):
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return [dict(zip(header, row)) for row in reader]
`,
  authenticate: `async function authenticate(username, password) {
  const account = await accounts.findByName(username);
  if (!account || !(await verifyHash(password, account.passwordHash))) {
    throw new Error('invalid credentials');
  }
  return issueSession(account);
}
`,
  resizeImage: `function resizeImage(image, width, height) {
  const canvas = createCanvas(width, height);
  canvas.getContext('2d').drawImage(image, 0, 0, width, height);
  return canvas;
}
`,
  fetchWithBackoff: `async function fetchWithBackoff(url: string, attempts = 5): Promise<Response> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await fetch(url);
    } catch (error) {
      await sleep(2 ** attempt * 100);
    }
  }
  throw new Error(\`gave up on \${url}\`);
}
`,
  formatCurrency: `function formatCurrency(amount: number, currency: string): string {
  const fixed = amount.toFixed(2);
  return \`\${currency} \${fixed.replace(/\\B(?=(\\d{3})+(?!\\d))/g, ',')}\`;
}
`,
};

describe('word-vector embedder', () => {
  let embedder: Embedder;
  before(async () => {
    embedder = await loadWordVectorEmbedder();
  });

  async function similarity(query: string, chunk: string): Promise<number> {
    const [document] = await embedder.embedDocuments([chunk]);
    return cosine(await embedder.embedQuery(query), document);
  }

  test('declares its model id and 100 dimensions', () => {
    assert.equal(embedder.id, WORD_VECTOR_EMBEDDER_ID);
    assert.equal(embedder.id, 'word-vectors-sg-100d@1');
    assert.equal(embedder.dimensions, 100);
  });

  test('documents and queries become unit vectors of the declared dimension', async () => {
    const documents = await embedder.embedDocuments(Object.values(CHUNKS));
    assert.equal(documents.length, Object.values(CHUNKS).length);
    for (const vector of documents) assertUnitVector(vector, embedder.dimensions);
    assertUnitVector(await embedder.embedQuery('remove user account'), embedder.dimensions);
    assertUnitVector(await embedder.embedQuery('parseHTTPResponse'), embedder.dimensions);
  });

  test('embedDocuments keeps the order of its input, one vector per text', async () => {
    const texts = [CHUNKS.resizeImage, CHUNKS.deleteUser, CHUNKS.resizeImage];
    const vectors = await embedder.embedDocuments(texts);
    assert.equal(vectors.length, 3);
    assert.deepEqual(vectors[0], vectors[2]);
    assert.deepEqual(vectors[1], (await embedder.embedDocuments([CHUNKS.deleteUser]))[0]);
    assert.ok(cosine(vectors[0], vectors[1]) < 0.99);
    assert.deepEqual(await embedder.embedDocuments([]), []);
  });

  test('the same text always gives the same vector, also from a second loaded embedder', async () => {
    const again = await loadWordVectorEmbedder();
    for (const text of [...Object.values(CHUNKS), 'login', '']) {
      const first = await embedder.embedQuery(text);
      assert.deepEqual(await embedder.embedQuery(text), first);
      assert.deepEqual(await again.embedQuery(text), first);
    }
  });

  test('empty, keyword-only and unknown-word texts still give valid, deterministic unit vectors', async () => {
    for (const text of ['', '   \n\t', 'return this;', 'xqzvvk blorptang', '12345 + 678', '{}();', 'constructor toString __proto__ hasOwnProperty']) {
      const vector = await embedder.embedQuery(text);
      assertUnitVector(vector, embedder.dimensions);
      assert.deepEqual(await embedder.embedQuery(text), vector, `deterministic for ${JSON.stringify(text)}`);
    }
    // Different unknown texts do not collapse onto one shared vector.
    const a = await embedder.embedQuery('xqzvvk');
    const b = await embedder.embedQuery('blorptang');
    assert.ok(Math.abs(cosine(a, b)) < 0.5);
  });

  test('"remove user account" is closer to delete_user than to parse_csv_rows', async () => {
    const toDelete = await similarity('remove user account', CHUNKS.deleteUser);
    const toCsv = await similarity('remove user account', CHUNKS.parseCsvRows);
    assert.ok(toDelete > toCsv, `${toDelete} > ${toCsv}`);
  });

  test('"login" finds authenticate(username, password) before unrelated code', async () => {
    const toAuthenticate = await similarity('login', CHUNKS.authenticate);
    const toImage = await similarity('login', CHUNKS.resizeImage);
    const toCsv = await similarity('login', CHUNKS.parseCsvRows);
    assert.ok(toAuthenticate > toImage, `${toAuthenticate} > ${toImage}`);
    assert.ok(toAuthenticate > toCsv, `${toAuthenticate} > ${toCsv}`);
  });

  test('"http request retry" is closer to a backoff loop than to string formatting', async () => {
    const toBackoff = await similarity('http request retry', CHUNKS.fetchWithBackoff);
    const toFormat = await similarity('http request retry', CHUNKS.formatCurrency);
    assert.ok(toBackoff > toFormat, `${toBackoff} > ${toFormat}`);
  });

  test('"scale picture" finds resizeImage, through synonyms only', async () => {
    const scores = await Promise.all(Object.values(CHUNKS).map((chunk) => similarity('scale picture', chunk)));
    assert.equal(Math.max(...scores), scores[Object.keys(CHUNKS).indexOf('resizeImage')]);
  });

  test('code abbreviations embed like the words they stand for', async () => {
    assert.deepEqual(await embedder.embedQuery('db cfg'), await embedder.embedQuery('database configuration'));
    assert.deepEqual(await embedder.embedQuery('usrPwd'), await embedder.embedQuery('user password'));
    assert.deepEqual(await embedder.embedQuery('ctx.req'), await embedder.embedQuery('context request'));
    // …and that moves them toward the right code.
    assert.ok((await similarity('auth', CHUNKS.authenticate)) > (await similarity('auth', CHUNKS.formatCurrency)));
  });

  test('identifiers are split into words: deleteUser, delete_user and "delete user" agree', async () => {
    const words = await embedder.embedQuery('delete user');
    assert.deepEqual(await embedder.embedQuery('deleteUser'), words);
    assert.deepEqual(await embedder.embedQuery('DELETE_USER'), words);
    // An all-lower-case compound is split into common words.
    assert.deepEqual(await embedder.embedQuery('deleteuser'), words);
  });

  test('language keywords and English stop words do not change a vector', async () => {
    assert.deepEqual(
      await embedder.embedQuery('public static void deleteUser(final int id) { return this.user; }'),
      await embedder.embedQuery('delete user identifier user'),
    );
    assert.deepEqual(await embedder.embedQuery('how do I remove the user'), await embedder.embedQuery('remove user'));
  });
});

describe('code abbreviation table', () => {
  test('every expansion is a well-trained word of the vocabulary', async () => {
    const table = decodeWordVectorFile(await readFile(await ensureWordVectorCache()));
    for (const [abbreviation, words] of CODE_ABBREVIATIONS) {
      for (const word of words) {
        const index = table.indexOf(word);
        assert.ok(index >= 0, `${abbreviation} → ${word} is in the vocabulary`);
        assert.ok(table.rankAt(index) < 100_000, `${abbreviation} → ${word} is common (rank ${table.rankAt(index)})`);
      }
    }
  });
});

describe('word-vector cache built on demand', () => {
  test('a missing cache file is converted from the wink package, and embeds exactly like the default cache', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'codebase-mcp-word-vectors-'));
    try {
      const cacheFile = join(dir, 'nested', 'vectors.bin');
      const built = await loadWordVectorEmbedder({ cacheFile });
      assert.ok((await stat(cacheFile)).size > 10_000_000);
      const usual = await loadWordVectorEmbedder();
      for (const text of [CHUNKS.deleteUser, 'login', 'http request retry']) {
        assert.deepEqual(await built.embedQuery(text), await usual.embedQuery(text));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
