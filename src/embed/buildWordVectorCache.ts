// Converts the wink JSON into the binary cache (see wordVectorFile.ts), once.
// Runs from scripts/build-word-vectors.mjs at build time, or from the embedder
// when a process finds no cache. Whatever changes its output must also bump
// WORD_VECTOR_FORMAT_VERSION, so that existing caches are rebuilt.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readWinkEmbeddings, winkEmbeddingsPath } from './winkEmbeddingsReader.js';
import { encodeWordVectorFile } from './wordVectorFile.js';

export interface BuildWordVectorCacheOptions {
  outputFile: string;
  /** The wink JSON; defaults to the installed package's file. */
  sourceFile?: string;
  /**
   * Words ranked at or beyond this (0 = most frequent) are left out; default 200k.
   * The source is news and Wikipedia text, where rarer words' vectors are mostly
   * noise; the code words among them are reached through codeAbbreviations.ts.
   */
  maxRank?: number;
  /** How many principal directions of the vocabulary to record (see embedder). */
  commonDirectionCount?: number;
}

export interface BuildWordVectorCacheResult {
  outputFile: string;
  wordCount: number;
  bytes: number;
  milliseconds: number;
}

// Code tokens are lower-case letters only (see tokens/codeTokens.ts), so words with
// digits, capitals, hyphens or punctuation could never be looked up.
const LOOKUP_WORD = /^[a-z]+$/;

// The principal directions are estimated from the most frequent words, whose
// vectors are the best trained; more words barely move them.
const WORDS_FOR_DIRECTIONS = 50_000;

const DEFAULT_MAX_RANK = 200_000;
const DEFAULT_COMMON_DIRECTIONS = 3;

export async function buildWordVectorCache(options: BuildWordVectorCacheOptions): Promise<BuildWordVectorCacheResult> {
  const started = performance.now();
  const maxRank = options.maxRank ?? DEFAULT_MAX_RANK;
  const source = await readFile(options.sourceFile ?? winkEmbeddingsPath());

  const words: string[] = [];
  const ranks: number[] = [];
  let vectors = new Float32Array(0);
  const header = await readWinkEmbeddings(source, ({ word, rank, vector }) => {
    if (rank >= maxRank || !LOOKUP_WORD.test(word)) return;
    const dims = vector.length;
    if ((words.length + 1) * dims > vectors.length) {
      const grown = new Float32Array(Math.max(1024, words.length * 2) * dims);
      grown.set(vectors);
      vectors = grown;
    }
    // An explicit loop: TypedArray#set across element types is far slower here.
    const row = words.length * dims;
    for (let d = 0; d < dims; d++) vectors[row + d] = vector[d];
    words.push(word);
    ranks.push(rank);
  });
  const dims = header.dimensions;
  vectors = vectors.slice(0, words.length * dims);
  if (!ranks.every((rank, i) => i === 0 || ranks[i - 1] < rank)) {
    throw new Error('wink embeddings are expected in frequency order');
  }

  const sample = Math.min(WORDS_FOR_DIRECTIONS, words.length);
  const mean = meanOfRows(vectors, dims, sample);
  const commonDirections = topPrincipalDirections(vectors, dims, sample, mean, options.commonDirectionCount ?? DEFAULT_COMMON_DIRECTIONS);

  const file = encodeWordVectorFile({
    dimensions: dims,
    words,
    ranks: Uint32Array.from(ranks),
    vectors,
    mean,
    commonDirections,
  });
  await writeFileAtomically(options.outputFile, file);
  return {
    outputFile: options.outputFile,
    wordCount: words.length,
    bytes: file.length,
    milliseconds: Math.round(performance.now() - started),
  };
}

/** Temp file + rename, so a concurrent reader sees the old file, no file, or the whole new one. */
async function writeFileAtomically(path: string, contents: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, contents);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

function meanOfRows(vectors: Float32Array, dims: number, rowCount: number): Float32Array {
  const sum = new Float64Array(dims);
  for (let r = 0; r < rowCount; r++) for (let d = 0; d < dims; d++) sum[d] += vectors[r * dims + d];
  return Float32Array.from(sum, (value) => (rowCount > 0 ? value / rowCount : 0));
}

/**
 * Top eigenvectors of the centred rows' covariance, by power iteration with
 * deflation from a fixed start, using only IEEE-exact operations, so the same
 * input gives the same bytes on every machine.
 */
function topPrincipalDirections(
  vectors: Float32Array,
  dims: number,
  rowCount: number,
  mean: Float32Array,
  count: number,
): Float32Array[] {
  const covariance = new Float64Array(dims * dims);
  const centred = new Float64Array(dims);
  for (let r = 0; r < rowCount; r++) {
    for (let d = 0; d < dims; d++) centred[d] = vectors[r * dims + d] - mean[d];
    for (let i = 0; i < dims; i++) {
      const ci = centred[i];
      for (let j = i; j < dims; j++) covariance[i * dims + j] += ci * centred[j];
    }
  }
  for (let i = 0; i < dims; i++) for (let j = 0; j < i; j++) covariance[i * dims + j] = covariance[j * dims + i];

  const directions: Float32Array[] = [];
  for (let k = 0; k < Math.min(count, dims); k++) {
    let v = new Float64Array(dims).fill(1 / Math.sqrt(dims));
    for (let iteration = 0; iteration < 500; iteration++) {
      const next = new Float64Array(dims);
      for (let i = 0; i < dims; i++) {
        let sum = 0;
        for (let j = 0; j < dims; j++) sum += covariance[i * dims + j] * v[j];
        next[i] = sum;
      }
      // sqrt of a plain sum, not Math.hypot, whose rounding is engine-specific.
      let squares = 0;
      for (let i = 0; i < dims; i++) squares += next[i] * next[i];
      const norm = Math.sqrt(squares);
      if (norm === 0) break;
      for (let i = 0; i < dims; i++) next[i] /= norm;
      let change = 0;
      for (let i = 0; i < dims; i++) change += Math.abs(next[i] - v[i]);
      v = next;
      if (change < 1e-10) break;
    }
    // Deflate: remove this direction's share so the next iteration finds the next one.
    let eigenvalue = 0;
    for (let i = 0; i < dims; i++) for (let j = 0; j < dims; j++) eigenvalue += v[i] * covariance[i * dims + j] * v[j];
    for (let i = 0; i < dims; i++) for (let j = 0; j < dims; j++) covariance[i * dims + j] -= eigenvalue * v[i] * v[j];
    directions.push(Float32Array.from(v));
  }
  return directions;
}
