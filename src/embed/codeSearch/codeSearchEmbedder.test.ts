import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CODE_SEARCH_EMBEDDER_ID, CODE_SEARCH_MODEL_FILE, loadCodeSearchEmbedder, readCodeSearchModelId } from './codeSearchEmbedder.js';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

function norm(vector: Float32Array): number {
  return Math.sqrt(cosine(vector, vector));
}

const PARSE_JSON = `def load_settings(path):
    with open(path) as handle:
        return json.loads(handle.read())`;
const SEND_MAIL = `def notify_admins(subject, body):
    connection = smtplib.SMTP(settings.EMAIL_HOST)
    connection.sendmail(settings.SERVER_EMAIL, settings.ADMINS, body)`;
const HASH_PASSWORD = `def make_password(raw_password, salt):
    digest = hashlib.pbkdf2_hmac('sha256', raw_password.encode(), salt, 260000)
    return base64.b64encode(digest).decode()`;

describe('code-search embedder (the committed weights)', () => {
  test('loads offline from the file committed under assets/models, with its own id', async () => {
    assert.ok(statSync(CODE_SEARCH_MODEL_FILE).size < 50 * 1024 * 1024, 'the weights stay under 50 MB');
    const embedder = await loadCodeSearchEmbedder();
    assert.equal(embedder.id, CODE_SEARCH_EMBEDDER_ID);
    assert.equal(readCodeSearchModelId(CODE_SEARCH_MODEL_FILE), CODE_SEARCH_EMBEDDER_ID);
    assert.notEqual(embedder.id, 'word-vectors-sg-100d@1');
    assert.ok(embedder.dimensions >= 128 && embedder.dimensions <= 256);
    const card = JSON.parse(readFileSync(CODE_SEARCH_MODEL_FILE.replace(/\.bin$/, '.json'), 'utf8')) as { sha256: string };
    assert.equal(createHash('sha256').update(readFileSync(CODE_SEARCH_MODEL_FILE)).digest('hex'), card.sha256, 'the JSON beside the weights describes this file');
  });

  test('unit vectors of the model dimension, the same every time', async () => {
    const embedder = await loadCodeSearchEmbedder();
    const [first, second] = await embedder.embedDocuments([PARSE_JSON, SEND_MAIL]);
    for (const vector of [first, second, await embedder.embedQuery('read a json file')]) {
      assert.equal(vector.length, embedder.dimensions);
      assert.ok(Math.abs(norm(vector) - 1) < 1e-5);
    }
    const again = await (await loadCodeSearchEmbedder()).embedDocuments([PARSE_JSON]);
    assert.deepEqual(Array.from(again[0]), Array.from(first));
  });

  test('questions and code are embedded by different sides', async () => {
    const embedder = await loadCodeSearchEmbedder();
    const text = 'parse the configuration file';
    const asQuery = await embedder.embedQuery(text);
    const [asCode] = await embedder.embedDocuments([text]);
    assert.notDeepEqual(Array.from(asQuery), Array.from(asCode));
    assert.ok(cosine(asQuery, asCode) > 0.2, 'but the two sides stay comparable');
  });

  test('empty and wordless input still gives a valid, deterministic unit vector', async () => {
    const embedder = await loadCodeSearchEmbedder();
    for (const text of ['', '   ', '{ } ( ) ;', '→ ★']) {
      const [vector] = await embedder.embedDocuments([text]);
      assert.equal(vector.length, embedder.dimensions);
      assert.ok(Math.abs(norm(vector) - 1) < 1e-5, JSON.stringify(text));
      assert.ok(vector.every(Number.isFinite));
      assert.deepEqual(Array.from(await embedder.embedQuery(text)), Array.from(await embedder.embedQuery(text)));
    }
  });

  test('a reworded question finds the code it describes', async () => {
    const embedder = await loadCodeSearchEmbedder();
    const codes = await embedder.embedDocuments([PARSE_JSON, SEND_MAIL, HASH_PASSWORD]);
    const best = async (question: string) => {
      const query = await embedder.embedQuery(question);
      const scores = codes.map((code) => cosine(query, code));
      return scores.indexOf(Math.max(...scores));
    };
    assert.equal(await best('read settings stored as JSON from disk'), 0);
    assert.equal(await best('email the site administrators'), 1);
    assert.equal(await best('derive a salted hash of a user password'), 2);
  });
});
