import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequire } from 'node:module';
import { splitIdentifier } from '../../tokens/codeTokens.js';
import { fnv1a } from '../fnv1a.js';
import { FeatureHasher, type FeatureLayout } from './codeSearchFeatures.js';

const LAYOUT: FeatureLayout = { wordBuckets: 262_144, identifierBuckets: 0, headLineBoost: 3 };

const require = createRequire(import.meta.url);
const porter2 = require('wink-porter2-stemmer') as (word: string) => string;

/** The features as the model card defines them, written plainly: identifiers by regular expression, no caches. */
function referenceCounts(text: string, codeSide: boolean): Map<number, number> {
  const counts = new Map<number, number>();
  const boost = codeSide ? LAYOUT.headLineBoost : 0;
  let headEnd = -1;
  for (const match of text.matchAll(/[A-Za-z_$][A-Za-z0-9_$]*|[0-9]+/g)) {
    const buckets: number[] = [];
    for (const piece of splitIdentifier(match[0])) {
      if (!/^(?:[a-z][a-z0-9]*|[0-9]{1,2})$/.test(piece) || (piece.length < 2 && !/[0-9]/.test(piece))) continue;
      buckets.push(fnv1a('w:' + piece) % LAYOUT.wordBuckets);
      const stem = /^[a-z]{4,}$/.test(piece) ? porter2(piece) : piece;
      if (stem !== piece) buckets.push(fnv1a('s:' + stem) % LAYOUT.wordBuckets);
    }
    if (buckets.length === 0) continue;
    if (headEnd < 0) headEnd = text.indexOf('\n', match.index) < 0 ? text.length : text.indexOf('\n', match.index);
    const occurrence = boost > 0 && match.index < headEnd ? 1 + boost : 1;
    for (const bucket of buckets) counts.set(bucket, (counts.get(bucket) ?? 0) + occurrence);
  }
  return counts;
}

function countsOf(hasher: FeatureHasher, text: string, codeSide: boolean): Map<number, number> {
  const { size, buckets, counts } = hasher.count(text, codeSide);
  const result = new Map<number, number>();
  for (let i = 0; i < size; i++) result.set(buckets[i], counts[i]);
  return result;
}

test('feature counts agree with the plain definition on 3,000 random texts', () => {
  // One hasher throughout: later texts meet its identifier and piece caches warm.
  const hasher = new FeatureHasher(LAYOUT);
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const alphabet = 'abcdeHTTPxyz_$019 \n\t.(é∂-';
  for (let i = 0; i < 3_000; i++) {
    let text = '';
    const length = Math.floor(random() * 120);
    for (let j = 0; j < length; j++) text += alphabet[Math.floor(random() * alphabet.length)];
    const codeSide = i % 2 === 0;
    assert.deepEqual(countsOf(hasher, text, codeSide), referenceCounts(text, codeSide), JSON.stringify(text));
  }
});

test('an identifier is split into pieces and stems; single letters and long digit runs say nothing', () => {
  const hasher = new FeatureHasher(LAYOUT);
  const parsing = hasher.bucketsOf('parsingHTTPResponse');
  assert.equal(parsing.length, 5, 'parsing + its stem, http, response + its stem');
  assert.ok(hasher.bucketsOf('parse_http').includes(hasher.bucketsOf('http')[0]), 'a piece hashes alike wherever it occurs');
  assert.equal(hasher.bucketsOf('x').length, 0);
  assert.equal(hasher.bucketsOf('12345').length, 0);
  assert.equal(hasher.bucketsOf('42').length, 1);
});
