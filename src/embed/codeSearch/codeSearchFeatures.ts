// The tokens the code-search embedder sees, shared by its trainer and its
// runtime so both hash a text identically: for every identifier, its word
// pieces (`parseHTTPResponse` → parse, http, response), their Porter2 stems
// (parser / parsing / parse meet) and, for compounds, the whole identifier;
// each hashed into a fixed table of buckets. Identifiers are resolved once and
// cached: the same names recur all through a code base.

import { createRequire } from 'node:module';
import { splitIdentifier } from '../../tokens/codeTokens.js';
import { fnv1a } from '../fnv1a.js';

const require = createRequire(import.meta.url);
const porter2 = require('wink-porter2-stemmer') as (word: string) => string;

export interface FeatureLayout {
  /** Buckets for word pieces and stems: [0, wordBuckets). */
  wordBuckets: number;
  /**
   * Buckets for whole compound identifiers: [wordBuckets, wordBuckets + identifierBuckets);
   * 0 leaves compounds out (a model can memorise pairs through them instead of learning words).
   */
  identifierBuckets: number;
  /**
   * The first line with identifiers (a chunk's declaration) counts this many
   * extra times on the code side: it says what the chunk is.
   */
  headLineBoost: number;
}

/**
 * A text's features: `buckets[i]` occurred `counts[i]` times (head-line
 * occurrences boosted), for i < size, in first-seen order. Views of the
 * hasher's scratch space: valid until its next `count`.
 */
export interface FeatureCounts {
  size: number;
  buckets: Int32Array;
  counts: Float32Array;
}

const MAX_CACHED_IDENTIFIERS = 200_000;
// A large code base has far more distinct identifiers than the identifier
// cache holds (~1M in the 10k benchmark corpus) but few distinct pieces, so a
// miss is resolved from cached pieces without stemming or hashing again.
const MAX_CACHED_PIECES = 200_000;
// Long runs of digits (`0x7fffffff`, line numbers) say nothing about meaning.
const USEFUL_PIECE = /^(?:[a-z][a-z0-9]*|[0-9]{1,2})$/;
const NO_BUCKETS: readonly number[] = [];

// What /[A-Za-z_$][A-Za-z0-9_$]*|[0-9]+/g matches, as a table over ASCII:
// 1 starts (and continues) an identifier, 2 a digit (continues one, or starts a number).
const IDENTIFIER_START = 1;
const DIGIT = 2;
const CHARACTER_CLASS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const character = String.fromCharCode(code);
  if (/[A-Za-z_$]/.test(character)) CHARACTER_CLASS[code] = IDENTIFIER_START;
  else if (/[0-9]/.test(character)) CHARACTER_CLASS[code] = DIGIT;
}

export class FeatureHasher {
  private readonly cache = new Map<string, Int32Array>();
  private readonly pieceCache = new Map<string, readonly number[]>();
  // Per-bucket slot (+1) in the current text's list; 0 = not seen yet.
  private readonly slotOf: Int32Array;
  private buckets = new Int32Array(1024);
  private counts = new Float32Array(1024);

  constructor(readonly layout: FeatureLayout) {
    this.slotOf = new Int32Array(layout.wordBuckets + layout.identifierBuckets);
  }

  /** The buckets of one identifier (its pieces, their stems, the whole compound). */
  bucketsOf(identifier: string): Int32Array {
    let buckets = this.cache.get(identifier);
    if (buckets === undefined) {
      buckets = this.resolve(identifier);
      if (this.cache.size >= MAX_CACHED_IDENTIFIERS) this.cache.clear();
      this.cache.set(identifier, buckets);
    }
    return buckets;
  }

  /**
   * Counts per bucket over a text. `codeSide` adds the head-line boost to the
   * first line that has identifiers; a query is prose, every word counts once.
   */
  count(text: string, codeSide: boolean): FeatureCounts {
    const boost = codeSide ? this.layout.headLineBoost : 0;
    const slotOf = this.slotOf;
    let size = 0;
    let headEnd = -1;
    // A scan over character codes rather than a global regex: no match object per identifier.
    const length = text.length;
    let position = 0;
    while (position < length) {
      const code = text.charCodeAt(position);
      const kind = code < 128 ? CHARACTER_CLASS[code] : 0;
      if (kind === 0) {
        position++;
        continue;
      }
      const start = position++;
      // An identifier runs on over letters and digits; a number only over digits.
      while (position < length) {
        const next = text.charCodeAt(position);
        const nextKind = next < 128 ? CHARACTER_CLASS[next] : 0;
        if (nextKind === DIGIT || (nextKind === IDENTIFIER_START && kind === IDENTIFIER_START)) position++;
        else break;
      }
      const identifierBuckets = this.bucketsOf(text.slice(start, position));
      if (identifierBuckets.length === 0) continue;
      if (headEnd < 0) {
        headEnd = text.indexOf('\n', start);
        if (headEnd < 0) headEnd = length;
      }
      const occurrence = boost > 0 && start < headEnd ? 1 + boost : 1;
      for (let i = 0; i < identifierBuckets.length; i++) {
        const bucket = identifierBuckets[i];
        const slot = slotOf[bucket];
        if (slot > 0) {
          this.counts[slot - 1] += occurrence;
        } else {
          if (size === this.buckets.length) this.grow();
          this.buckets[size] = bucket;
          this.counts[size] = occurrence;
          slotOf[bucket] = ++size;
        }
      }
    }
    for (let i = 0; i < size; i++) slotOf[this.buckets[i]] = 0;
    return { size, buckets: this.buckets, counts: this.counts };
  }

  private grow(): void {
    const buckets = new Int32Array(this.buckets.length * 2);
    buckets.set(this.buckets);
    const counts = new Float32Array(this.counts.length * 2);
    counts.set(this.counts);
    this.buckets = buckets;
    this.counts = counts;
  }
  private resolve(identifier: string): Int32Array {
    const { wordBuckets, identifierBuckets } = this.layout;
    const pieces = splitIdentifier(identifier).filter((piece) => USEFUL_PIECE.test(piece) && piece !== '');
    const buckets: number[] = [];
    for (const piece of pieces) buckets.push(...this.pieceBuckets(piece));
    if (pieces.length > 1 && identifierBuckets > 0) {
      buckets.push(wordBuckets + (fnv1a('i:' + pieces.join('_')) % identifierBuckets));
    }
    return Int32Array.from(buckets);
  }

  /** A word piece's buckets: the piece, and its stem where that differs. */
  private pieceBuckets(piece: string): readonly number[] {
    let buckets = this.pieceCache.get(piece);
    if (buckets === undefined) {
      buckets = NO_BUCKETS;
      if (piece.length >= 2 || /[0-9]/.test(piece)) {
        const { wordBuckets } = this.layout;
        const word = fnv1a('w:' + piece) % wordBuckets;
        const stem = /^[a-z]{4,}$/.test(piece) ? porter2(piece) : piece;
        buckets = stem !== piece ? [word, fnv1a('s:' + stem) % wordBuckets] : [word];
      }
      if (this.pieceCache.size >= MAX_CACHED_PIECES) this.pieceCache.clear();
      this.pieceCache.set(piece, buckets);
    }
    return buckets;
  }
}
