// Trains the code-search embedder (docs/model-card.md) on (description → code)
// pairs, contrastively: each batch's other codes are a question's negatives
// (InfoNCE, both directions, fixed temperature). Hand-written gradients over
// the model's few parts — shared bucket table, per-bucket weights for each
// side, the question projection — with lazy Adam, in one thread, seeded: the
// same pairs and options give the same bytes.

import { SeededRandom } from '../../bench/seededRandom.js';
import { FeatureHasher, type FeatureLayout } from './codeSearchFeatures.js';
import { CodeSearchEmbedder } from './codeSearchEmbedder.js';
import { type FloatCodeSearchModel, quantize } from './codeSearchModel.js';

export interface TrainingPair {
  /** The natural-language description (a docstring's first paragraph). */
  q: string;
  /** The code it documents, the description removed. */
  c: string;
}

export interface TrainingOptions extends FeatureLayout {
  id: string;
  dims: number;
  epochs: number;
  batchSize: number;
  /** Adam step size of the token weights and the projection. */
  learningRate: number;
  /** Row-wise Adagrad step size of the table. */
  tableLearningRate: number;
  temperature: number;
  /** Share of a code text's tokens left out at each step (0: none), so no single rare token carries a pair. */
  codeDropout?: number;
  seed: number;
  /** Validation pairs ranked after every epoch (at most this many, the first ones). */
  validationLimit?: number;
  /** Called after each epoch; `snapshot` gives the model as it is then (its table and projection are the live ones: quantise it before returning). */
  onEpoch?: (report: EpochReport, snapshot: () => FloatCodeSearchModel) => void;
}

export interface RetrievalScores {
  pairs: number;
  recallAt1: number;
  recallAt10: number;
  mrrAt10: number;
}

export interface EpochReport {
  epoch: number;
  loss: number;
  seconds: number;
  validation?: RetrievalScores;
}

export const DEFAULT_TRAINING_OPTIONS: Omit<TrainingOptions, 'id'> = {
  dims: 128,
  wordBuckets: 1 << 18,
  identifierBuckets: 0,
  headLineBoost: 2,
  epochs: 2,
  batchSize: 256,
  learningRate: 0.01,
  tableLearningRate: 0.1,
  temperature: 0.1,
  seed: 42,
};

// Multiples of learningRate for the per-bucket weights and the projection.
const WEIGHT_LR_FACTOR = 3;
const PROJECTION_LR_FACTOR = 0.3;
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/** Texts as flat (bucket, √count) lists; text t spans [offsets[t], offsets[t + 1]). */
interface EncodedTexts {
  offsets: Int32Array;
  buckets: Int32Array;
  roots: Float32Array;
}

function encodeTexts(texts: readonly string[], hasher: FeatureHasher, codeSide: boolean): EncodedTexts {
  const offsets = new Int32Array(texts.length + 1);
  const buckets: number[] = [];
  const roots: number[] = [];
  texts.forEach((text, t) => {
    const counted = hasher.count(text, codeSide);
    for (let i = 0; i < counted.size; i++) {
      buckets.push(counted.buckets[i]);
      roots.push(Math.sqrt(counted.counts[i]));
    }
    offsets[t + 1] = buckets.length;
  });
  return { offsets, buckets: Int32Array.from(buckets), roots: Float32Array.from(roots) };
}

/** Lazy Adam over rows of `width`: only rows with a gradient this step move. */
class SparseAdam {
  readonly m: Float32Array;
  readonly v: Float32Array;
  constructor(
    readonly params: Float32Array,
    readonly width: number,
    readonly lr: number,
  ) {
    this.m = new Float32Array(params.length);
    this.v = new Float32Array(params.length);
  }

  step(grad: Float32Array, rows: Int32Array, rowCount: number, t: number): void {
    const { params, m, v, width, lr } = this;
    const correction = (lr * Math.sqrt(1 - BETA2 ** t)) / (1 - BETA1 ** t);
    for (let r = 0; r < rowCount; r++) {
      const start = rows[r] * width;
      for (let k = start; k < start + width; k++) {
        const g = grad[k];
        m[k] = BETA1 * m[k] + (1 - BETA1) * g;
        v[k] = BETA2 * v[k] + (1 - BETA2) * g * g;
        params[k] -= (correction * m[k]) / (Math.sqrt(v[k]) + EPSILON);
        grad[k] = 0;
      }
    }
  }
}

/**
 * Row-wise Adagrad for the big table (one accumulator per row, as in large
 * embedding models): a fraction of lazy Adam's work per step, and rows seen
 * rarely keep large steps.
 */
class RowAdagrad {
  readonly sums: Float32Array;
  constructor(
    readonly params: Float32Array,
    readonly width: number,
    readonly lr: number,
  ) {
    this.sums = new Float32Array(params.length / width);
  }

  step(grad: Float32Array, rows: Int32Array, rowCount: number): void {
    const { params, sums, width, lr } = this;
    for (let r = 0; r < rowCount; r++) {
      const row = rows[r];
      const start = row * width;
      let square = 0;
      for (let k = start; k < start + width; k++) square += grad[k] * grad[k];
      sums[row] += square / width;
      const rate = lr / (Math.sqrt(sums[row]) + 1e-6);
      for (let k = start; k < start + width; k++) {
        params[k] -= rate * grad[k];
        grad[k] = 0;
      }
    }
  }
}

/** Marks rows touched in a step, each once. */
class TouchedRows {
  readonly rows: Int32Array;
  count = 0;
  private readonly marked: Uint8Array;
  constructor(size: number) {
    this.rows = new Int32Array(size);
    this.marked = new Uint8Array(size);
  }
  touch(row: number): void {
    if (this.marked[row]) return;
    this.marked[row] = 1;
    this.rows[this.count++] = row;
  }
  clear(): void {
    for (let i = 0; i < this.count; i++) this.marked[this.rows[i]] = 0;
    this.count = 0;
  }
}

// Hot loops as small functions over typed arrays, which V8 optimises well.

/** scores[i·b + j] = (q_i · c_j) / temperature */
function similarities(q: Float32Array, c: Float32Array, scores: Float32Array, b: number, dims: number, temperature: number): void {
  for (let i = 0; i < b; i++) {
    const qi = i * dims;
    for (let j = 0; j < b; j++) {
      const cj = j * dims;
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += q[qi + d] * c[cj + d];
      scores[i * b + j] = dot / temperature;
    }
  }
}

/**
 * Softmax cross-entropy of each line of the b × b score matrix against its
 * diagonal element (line o holds scores[o·outer + k·inner]); adds its gradient
 * divided by `divisor` into `grad`, and its losses to `loss`.
 */
function crossEntropyAlong(
  scores: Float32Array,
  grad: Float32Array,
  b: number,
  outer: number,
  inner: number,
  divisor: number,
  loss: number,
): number {
  for (let o = 0; o < b; o++) {
    const base = o * outer;
    let max = -Infinity;
    for (let k = 0; k < b; k++) max = Math.max(max, scores[base + k * inner]);
    let total = 0;
    for (let k = 0; k < b; k++) total += Math.exp(scores[base + k * inner] - max);
    loss += max + Math.log(total) - scores[base + o * inner];
    for (let k = 0; k < b; k++) grad[base + k * inner] += Math.exp(scores[base + k * inner] - max) / total / divisor;
    grad[base + o * inner] -= 1 / divisor;
  }
  return loss;
}

/** dq_i = Σ_j G_ij c_j / τ and dc_j = Σ_i G_ij q_i / τ */
function similarityGradients(
  grad: Float32Array,
  q: Float32Array,
  c: Float32Array,
  dq: Float32Array,
  dc: Float32Array,
  b: number,
  dims: number,
  temperature: number,
): void {
  dq.fill(0);
  dc.fill(0);
  for (let i = 0; i < b; i++) {
    const qi = i * dims;
    for (let j = 0; j < b; j++) {
      const g = grad[i * b + j] / temperature;
      const cj = j * dims;
      for (let d = 0; d < dims; d++) {
        dq[qi + d] += g * c[cj + d];
        dc[cj + d] += g * q[qi + d];
      }
    }
  }
}

/** out[at..] = M · x[at..] (M row-major dims × dims) */
function multiply(m: Float32Array, x: Float32Array, out: Float32Array, at: number, dims: number): void {
  for (let r = 0; r < dims; r++) {
    const row = r * dims;
    let value = 0;
    for (let c = 0; c < dims; c++) value += m[row + c] * x[at + c];
    out[at + r] = value;
  }
}

/** out = Mᵀ · g[at..], and gradM += g[at..] · x[at..]ᵀ */
function multiplyBack(
  m: Float32Array,
  g: Float32Array,
  x: Float32Array,
  at: number,
  out: Float32Array,
  gradM: Float32Array,
  dims: number,
): void {
  out.fill(0);
  for (let r = 0; r < dims; r++) {
    const gr = g[at + r];
    const row = r * dims;
    for (let c = 0; c < dims; c++) {
      out[c] += m[row + c] * gr;
      gradM[row + c] += gr * x[at + c];
    }
  }
}

export function trainCodeSearchModel(
  train: readonly TrainingPair[],
  valid: readonly TrainingPair[],
  options: TrainingOptions,
): { model: FloatCodeSearchModel; history: EpochReport[] } {
  const { dims, wordBuckets, identifierBuckets, headLineBoost, temperature, batchSize } = options;
  const layout: FeatureLayout = { wordBuckets, identifierBuckets, headLineBoost };
  const buckets = wordBuckets + identifierBuckets;
  const hasher = new FeatureHasher(layout);
  const queries = encodeTexts(
    train.map((pair) => pair.q),
    hasher,
    false,
  );
  const codes = encodeTexts(
    train.map((pair) => pair.c),
    hasher,
    true,
  );
  const random = new SeededRandom(options.seed);

  // A random table makes the start a hashed bag-of-words cosine: a question
  // already matches code that shares its words, and training adds meaning.
  // Uniform with the variance of N(0, 1/dims): as good a start, and cheap for 25M values.
  const table = new Float32Array(buckets * dims);
  const spread = Math.sqrt(3 / dims);
  for (let i = 0; i < table.length; i++) table[i] = (2 * random.next() - 1) * spread;
  // Token weights start at inverse document frequency (as log weights).
  const documentFrequency = new Float32Array(buckets);
  for (const encoded of [queries, codes]) {
    for (let t = 0; t + 1 < encoded.offsets.length; t++) {
      for (let k = encoded.offsets[t]; k < encoded.offsets[t + 1]; k++) documentFrequency[encoded.buckets[k]]++;
    }
  }
  const documents = 2 * train.length;
  const codeLogWeights = new Float32Array(buckets);
  for (let b = 0; b < buckets; b++) {
    codeLogWeights[b] = Math.log(Math.log((documents + 1) / (documentFrequency[b] + 1)) + 1);
  }
  const queryLogWeights = Float32Array.from(codeLogWeights);
  const projection = new Float32Array(dims * dims);
  for (let i = 0; i < dims; i++) projection[i * dims + i] = 1;

  const tableOptimizer = new RowAdagrad(table, dims, options.tableLearningRate);
  const codeWeightAdam = new SparseAdam(codeLogWeights, 1, options.learningRate * WEIGHT_LR_FACTOR);
  const queryWeightAdam = new SparseAdam(queryLogWeights, 1, options.learningRate * WEIGHT_LR_FACTOR);
  const projectionAdam = new SparseAdam(projection, dims * dims, options.learningRate * PROJECTION_LR_FACTOR);
  const tableGrad = new Float32Array(buckets * dims);
  const codeWeightGrad = new Float32Array(buckets);
  const queryWeightGrad = new Float32Array(buckets);
  const projectionGrad = new Float32Array(dims * dims);
  const touchedRows = new TouchedRows(buckets);
  const touchedCode = new TouchedRows(buckets);
  const touchedQuery = new TouchedRows(buckets);
  const projectionRow = Int32Array.of(0);

  const b = Math.min(batchSize, train.length);
  const pooledQ = new Float32Array(b * dims);
  const projectedQ = new Float32Array(b * dims);
  const unitQ = new Float32Array(b * dims);
  const normQ = new Float32Array(b);
  const pooledC = new Float32Array(b * dims);
  const unitC = new Float32Array(b * dims);
  const normC = new Float32Array(b);
  const scores = new Float32Array(b * b);
  const gradScores = new Float32Array(b * b);
  const gradQ = new Float32Array(b * dims);
  const gradC = new Float32Array(b * dims);
  const gradPooled = new Float32Array(dims);

  // Per code token, 0 when dropped this step (only with codeDropout > 0).
  const codeDropout = options.codeDropout ?? 0;
  const codeKept = codeDropout > 0 ? new Float32Array(codes.buckets.length).fill(1) : null;
  const dropCodeTokens = (text: number) => {
    if (!codeKept) return;
    for (let k = codes.offsets[text]; k < codes.offsets[text + 1]; k++) codeKept[k] = random.next() < codeDropout ? 0 : 1;
  };
  const poolInto = (
    encoded: EncodedTexts,
    text: number,
    logWeights: Float32Array,
    out: Float32Array,
    at: number,
    kept: Float32Array | null,
  ) => {
    out.fill(0, at, at + dims);
    for (let k = encoded.offsets[text]; k < encoded.offsets[text + 1]; k++) {
      const bucket = encoded.buckets[k];
      const s = encoded.roots[k] * Math.exp(logWeights[bucket]) * (kept ? kept[k] : 1);
      const row = bucket * dims;
      for (let d = 0; d < dims; d++) out[at + d] += s * table[row + d];
    }
  };
  const unitInto = (from: Float32Array, to: Float32Array, norms: Float32Array, i: number) => {
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += from[i * dims + d] ** 2;
    norm = Math.sqrt(norm) + 1e-9;
    norms[i] = norm;
    for (let d = 0; d < dims; d++) to[i * dims + d] = from[i * dims + d] / norm;
  };
  // dL/d(pooled) for text i into the sparse gradients of its buckets.
  const scatter = (
    encoded: EncodedTexts,
    text: number,
    logWeights: Float32Array,
    grad: Float32Array,
    weightGrad: Float32Array,
    touchedWeights: TouchedRows,
    kept: Float32Array | null,
  ) => {
    for (let k = encoded.offsets[text]; k < encoded.offsets[text + 1]; k++) {
      if (kept && kept[k] === 0) continue;
      const bucket = encoded.buckets[k];
      const s = encoded.roots[k] * Math.exp(logWeights[bucket]);
      const row = bucket * dims;
      let dot = 0;
      for (let d = 0; d < dims; d++) {
        tableGrad[row + d] += s * grad[d];
        dot += table[row + d] * grad[d];
      }
      weightGrad[bucket] += s * dot;
      touchedRows.touch(bucket);
      touchedWeights.touch(bucket);
    }
  };

  const history: EpochReport[] = [];
  const order = Array.from({ length: train.length }, (_, i) => i);
  let step = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const started = process.hrtime.bigint();
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random.next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let lossSum = 0;
    let batches = 0;
    // The tail shorter than a batch is dropped: negatives per question stay constant.
    for (let start = 0; start + b <= order.length; start += b) {
      step++;
      const batch = order.slice(start, start + b);
      for (let i = 0; i < b; i++) {
        poolInto(queries, batch[i], queryLogWeights, pooledQ, i * dims, null);
        multiply(projection, pooledQ, projectedQ, i * dims, dims);
        unitInto(projectedQ, unitQ, normQ, i);
        dropCodeTokens(batch[i]);
        poolInto(codes, batch[i], codeLogWeights, pooledC, i * dims, codeKept);
        unitInto(pooledC, unitC, normC, i);
      }
      similarities(unitQ, unitC, scores, b, dims, temperature);
      // Symmetric InfoNCE: question → code over rows, code → question over columns.
      gradScores.fill(0);
      const rowLoss = crossEntropyAlong(scores, gradScores, b, b, 1, 2 * b, 0);
      const loss = crossEntropyAlong(scores, gradScores, b, 1, b, 2 * b, rowLoss);
      lossSum += loss / (2 * b);
      batches++;
      similarityGradients(gradScores, unitQ, unitC, gradQ, gradC, b, dims, temperature);
      for (let i = 0; i < b; i++) {
        // Through the normalisation: (g − u (u·g)) / |v|.
        let along = 0;
        for (let d = 0; d < dims; d++) along += unitQ[i * dims + d] * gradQ[i * dims + d];
        for (let d = 0; d < dims; d++) gradQ[i * dims + d] = (gradQ[i * dims + d] - unitQ[i * dims + d] * along) / normQ[i];
        multiplyBack(projection, gradQ, pooledQ, i * dims, gradPooled, projectionGrad, dims);
        scatter(queries, batch[i], queryLogWeights, gradPooled, queryWeightGrad, touchedQuery, null);

        along = 0;
        for (let d = 0; d < dims; d++) along += unitC[i * dims + d] * gradC[i * dims + d];
        for (let d = 0; d < dims; d++) gradPooled[d] = (gradC[i * dims + d] - unitC[i * dims + d] * along) / normC[i];
        scatter(codes, batch[i], codeLogWeights, gradPooled, codeWeightGrad, touchedCode, codeKept);
      }
      tableOptimizer.step(tableGrad, touchedRows.rows, touchedRows.count);
      codeWeightAdam.step(codeWeightGrad, touchedCode.rows, touchedCode.count, step);
      queryWeightAdam.step(queryWeightGrad, touchedQuery.rows, touchedQuery.count, step);
      projectionAdam.step(projectionGrad, projectionRow, 1, step);
      touchedRows.clear();
      touchedCode.clear();
      touchedQuery.clear();
    }
    const report: EpochReport = {
      epoch,
      loss: batches > 0 ? lossSum / batches : NaN,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    };
    if (valid.length > 0) {
      const snapshot = floatModel();
      report.validation = scoreRetrieval(
        new CodeSearchEmbedder(quantize(snapshot)),
        valid.slice(0, options.validationLimit ?? valid.length),
      );
    }
    history.push(report);
    options.onEpoch?.(report, floatModel);
  }

  function floatModel(): FloatCodeSearchModel {
    return {
      header: { id: options.id, dims, wordBuckets, identifierBuckets, headLineBoost },
      table,
      codeWeights: codeLogWeights.map(Math.exp),
      queryWeights: queryLogWeights.map(Math.exp),
      queryProjection: projection,
    };
  }
  return { model: floatModel(), history };
}

/**
 * Ranks every pair's code among all the pairs' codes for its description:
 * recall@1, recall@10 and MRR@10 of the right one.
 */
export function scoreRetrieval(embedder: CodeSearchEmbedder, pairs: readonly TrainingPair[]): RetrievalScores {
  const dims = embedder.dimensions;
  const codes = pairs.map((pair) => embedder.embedCode(pair.c));
  let recallAt1 = 0;
  let recallAt10 = 0;
  let reciprocal = 0;
  pairs.forEach((pair, i) => {
    const query = embedder.embedQuestion(pair.q);
    const score = (vector: Float32Array) => {
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += query[d] * vector[d];
      return dot;
    };
    const own = score(codes[i]);
    let better = 0;
    for (let j = 0; j < codes.length; j++) if (j !== i && score(codes[j]) > own) better++;
    if (better === 0) recallAt1++;
    if (better < 10) {
      recallAt10++;
      reciprocal += 1 / (better + 1);
    }
  });
  const n = Math.max(pairs.length, 1);
  return { pairs: pairs.length, recallAt1: recallAt1 / n, recallAt10: recallAt10 / n, mrrAt10: reciprocal / n };
}
