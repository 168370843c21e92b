// The offline code-search embedder trained in this repository
// (docs/model-card.md): a bag of hashed code-aware tokens, pooled with learned
// per-token weights — one set for code, one for questions — over a shared int8
// table, the question side then projected; unit length. Costs microseconds per
// chunk, so nothing is cached in the store.

import { closeSync, openSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Embedder } from '../embedder.js';
import { embedInSlices } from '../embedInSlices.js';
import { fallbackVector, normalized } from '../fallbackVector.js';
import { FeatureHasher } from './codeSearchFeatures.js';
import { type CodeSearchModel, decodeCodeSearchModel } from './codeSearchModel.js';

/** The weights committed in the repository (assets/models/), and the id they carry. */
export const CODE_SEARCH_EMBEDDER_ID = 'code-search-v1';
export const CODE_SEARCH_MODEL_FILE = fileURLToPath(new URL('../../../assets/models/code-search-v1.bin', import.meta.url));

// Keeps each uninterrupted stretch of work to some milliseconds.
const DOCUMENTS_BETWEEN_YIELDS = 500;

export class CodeSearchEmbedder implements Embedder {
  readonly id: string;
  readonly dimensions: number;
  private readonly hasher: FeatureHasher;
  // Float64: V8 adds in doubles, so a Float32Array would round at every store.
  private readonly sum: Float64Array;

  constructor(private readonly model: CodeSearchModel) {
    this.id = model.header.id;
    this.dimensions = model.header.dims;
    this.hasher = new FeatureHasher(model.header);
    this.sum = new Float64Array(this.dimensions);
  }

  async embedDocuments(texts: string[]): Promise<Float32Array[]> {
    return embedInSlices(texts, (text) => this.embedCode(text), DOCUMENTS_BETWEEN_YIELDS);
  }

  async embedQuery(text: string): Promise<Float32Array> {
    return this.embedQuestion(text);
  }

  embedCode(text: string): Float32Array {
    const pooled = this.pool(text, true);
    return (pooled && normalized(pooled)) ?? fallbackVector(text, this.dimensions);
  }

  embedQuestion(text: string): Float32Array {
    const pooled = this.pool(text, false);
    if (!pooled) return fallbackVector(text, this.dimensions);
    const dims = this.dimensions;
    const projection = this.model.queryProjection;
    const projected = new Float32Array(dims);
    for (let i = 0; i < dims; i++) {
      let value = 0;
      const row = i * dims;
      for (let j = 0; j < dims; j++) value += projection[row + j] * pooled[j];
      projected[i] = value;
    }
    return normalized(projected) ?? fallbackVector(text, dims);
  }

  /** Σ √count · weight · row over the text's buckets; undefined when no token is known. */
  private pool(text: string, codeSide: boolean): Float64Array | undefined {
    const { size, buckets, counts } = this.hasher.count(text, codeSide);
    const { table } = this.model;
    const weights = codeSide ? this.model.codeWeights : this.model.queryWeights;
    const dims = this.dimensions;
    const sum = this.sum;
    sum.fill(0);
    let any = false;
    for (let i = 0; i < size; i++) {
      const bucket = buckets[i];
      const weight = weights[bucket] * Math.sqrt(counts[i]);
      if (weight === 0) continue;
      any = true;
      const offset = bucket * dims;
      let d = 0;
      // Four at a time: fewer loop checks in the one loop that runs per bucket and dimension.
      for (; d + 4 <= dims; d += 4) {
        sum[d] += weight * table[offset + d];
        sum[d + 1] += weight * table[offset + d + 1];
        sum[d + 2] += weight * table[offset + d + 2];
        sum[d + 3] += weight * table[offset + d + 3];
      }
      for (; d < dims; d++) sum[d] += weight * table[offset + d];
    }
    return any ? sum : undefined;
  }
}

const openModels = new Map<string, Promise<CodeSearchModel>>();

/** Opens the committed model (or another file in the same format); shared per process. */
export async function loadCodeSearchEmbedder(options: { modelFile?: string } = {}): Promise<CodeSearchEmbedder> {
  const file = options.modelFile ?? CODE_SEARCH_MODEL_FILE;
  let model = openModels.get(file);
  if (!model) {
    model = readFile(file).then(
      (bytes) => decodeCodeSearchModel(bytes, file),
      (error: NodeJS.ErrnoException) => {
        throw new Error(
          `The code-search model ${file} cannot be read (${error.code ?? error.message}); it ships with the package under assets/models/.`,
        );
      },
    );
    openModels.set(file, model);
    model.catch(() => openModels.delete(file));
  }
  return new CodeSearchEmbedder(await model);
}

/** A model file's id from its header alone, without reading the weights. */
export function readCodeSearchModelId(file: string): string {
  const handle = openSync(file, 'r');
  try {
    const head = Buffer.alloc(12);
    readSync(handle, head, 0, 12, 0);
    const length = head.readUInt32LE(8);
    const header = Buffer.alloc(Math.min(length, 1 << 20));
    readSync(handle, header, 0, header.length, 12);
    return decodeCodeSearchModel(Buffer.concat([head, header]), file, { headerOnly: true }).header.id;
  } finally {
    closeSync(handle);
  }
}
