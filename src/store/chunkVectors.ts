// The chunks' vectors of one generation in memory, for a nearest-neighbour
// scan instead of the vector index's query. Each vector is kept as int8
// (scaled by its largest component) inside a small WebAssembly module whose
// SIMD kernel (vectorKernel.wat) scores them all: 455,824 × 128 in ~4 ms on
// one core here, where the same scan in JavaScript floats took 54 ms and
// PGlite's IVFFlat query 30–45 ms. 1 byte a dimension: 58 MB for those
// vectors. The scan picks candidates; the store re-ranks them by their exact
// distance (ProjectStore.nearestChunks), so results are pgvector's own.
import type { ChunkColumns } from './inMemoryIndex.js';
import type { ChunkFilters, RankedChunk } from './projectStore.js';
import { parseVectorLiteral } from './binaryCopy.js';
import { VECTOR_KERNEL_WASM } from './vectorKernelBytes.js';

const PAGE_BYTES = 65_536;

/**
 * Candidates the int8 scan hands to the exact re-rank for `limit` results:
 * quantising moves a cosine by ~1e-3, so the true nearest lie well inside
 * this pool (chunkVectors.test.ts checks it).
 */
export function rerankedCandidates(limit: number): number {
  return limit * 4 + 40;
}

/** One instance of the kernel: its memory holds the query, then the vectors, then the scores. */
interface Kernel {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  dots: (query: number, vectors: number, count: number, stride: number, out: number) => void;
}

// The project compiles without the DOM library, which is where TypeScript declares WebAssembly.
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: { Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => { exports: unknown } };
};
let kernelModule: object | undefined;

function newKernel(): Kernel {
  kernelModule ??= new wasm.Module(Buffer.from(VECTOR_KERNEL_WASM, 'base64'));
  return new wasm.Instance(kernelModule, {}).exports as Kernel;
}

export class ChunkVectors {
  private readonly kernel = newKernel();
  /** Bytes per vector in the kernel's memory: the dimensions rounded up to 16 (zero-padded). */
  private readonly stride: number;
  /** Where the vectors start: the query comes first. */
  private readonly vectorsAt: number;
  /** Per stored vector: (its scale) / |v|, so cosine ≈ int8 dot × factor × the query's factor; 0 when not embedded. */
  private factors = new Float64Array(0);
  /** The same while vectors are added, until seal. */
  private addedFactors: number[] = [];
  private count = 0;
  private scoresAt = 0;

  /** `firstSlot`: the slot of the first vector added (a refresh's added chunks come after the read's). */
  constructor(
    private readonly chunks: ChunkColumns,
    readonly dimensions: number,
    private readonly firstSlot = 0,
  ) {
    this.stride = Math.ceil(dimensions / 16) * 16;
    this.vectorsAt = this.stride;
  }

  /** Adds the pgvector text of the chunk in `slot` (null: not embedded); slots one after the other from firstSlot. */
  add(slot: number, literal: string | null): void {
    if (slot !== this.firstSlot + this.count) throw new Error(`vector slots must follow each other: got ${slot}, expected ${this.firstSlot + this.count}`);
    const vector = literal ? parseVectorLiteral(literal) : null;
    if (vector && vector.length !== this.dimensions) throw new Error(`a stored vector has ${vector.length} dimensions, not ${this.dimensions}`);
    const at = this.vectorsAt + this.count * this.stride;
    this.reserve(at + this.stride);
    this.addedFactors.push(vector ? quantizeInto(vector, new Int8Array(this.kernel.memory.buffer, at, this.stride)) : 0);
    this.count++;
  }

  seal(): this {
    this.factors = Float64Array.from(this.addedFactors);
    this.addedFactors = [];
    this.scoresAt = this.vectorsAt + this.count * this.stride;
    this.reserve(this.scoresAt + 4 * this.count);
    return this;
  }

  /**
   * The `limit` nearest chunks by approximate cosine distance (1 − cos from
   * the int8 vectors), nearest first, ties by slot; `dead` marks slots to
   * skip (chunks deleted since the read).
   */
  nearest(query: ArrayLike<number>, limit: number, filters: ChunkFilters, dead: Uint8Array | null = null): RankedChunk[] {
    const dims = this.dimensions;
    if (query.length !== dims) throw new Error(`the query vector has ${query.length} dimensions, not ${dims}`);
    if (limit <= 0 || this.count === 0) return [];
    const { memory, dots } = this.kernel;
    const queryFactor = quantizeInto(query, new Int8Array(memory.buffer, 0, this.stride));
    if (queryFactor === 0) return [];
    dots(0, this.vectorsAt, this.count, this.stride, this.scoresAt);
    const scores = new Int32Array(memory.buffer, this.scoresAt, this.count);
    const factors = this.factors;
    const allowed = this.chunks.filter(filters);
    const first = this.firstSlot;
    // The best `limit` so far, kept sorted (nearest first): limits are tens to hundreds, so insertion is cheap.
    const bestSlots: number[] = [];
    const bestDistances: number[] = [];
    for (let index = 0; index < this.count; index++) {
      const factor = factors[index];
      if (factor === 0) continue;
      const slot = first + index;
      if ((dead && dead[slot]) || (allowed && !allowed(slot))) continue;
      const distance = 1 - Math.max(-1, Math.min(1, scores[index] * factor * queryFactor));
      const full = bestSlots.length === limit;
      if (full && distance >= bestDistances[limit - 1]) continue;
      let at = full ? limit - 1 : bestSlots.length;
      while (at > 0 && bestDistances[at - 1] > distance) {
        bestSlots[at] = bestSlots[at - 1];
        bestDistances[at] = bestDistances[at - 1];
        at--;
      }
      bestSlots[at] = slot;
      bestDistances[at] = distance;
    }
    const { ids, fileIds } = this.chunks;
    return bestSlots.map((slot, index) => ({ id: ids[slot], fileId: fileIds[slot], value: bestDistances[index] }));
  }

  /** Grows the kernel's memory to at least `bytes`, doubling so a long read grows it a few dozen times. */
  private reserve(bytes: number): void {
    const { memory } = this.kernel;
    const have = memory.buffer.byteLength;
    if (bytes <= have) return;
    const want = Math.max(bytes, Math.min(have * 2, bytes + 256 * 1024 * 1024));
    memory.grow(Math.ceil((want - have) / PAGE_BYTES));
  }
}

/**
 * Writes `vector` as int8 (its largest component → ±127) into `into` (the
 * padding zeroed) and returns the factor that turns an int8 dot product with
 * it into a cosine's share: scale / |v|. 0 for a zero vector.
 */
function quantizeInto(vector: ArrayLike<number>, into: Int8Array): number {
  let largest = 0;
  let norm = 0;
  for (let d = 0; d < vector.length; d++) {
    const value = vector[d];
    norm += value * value;
    largest = Math.max(largest, Math.abs(value));
  }
  into.fill(0);
  if (largest === 0 || !Number.isFinite(norm)) return 0;
  const scale = 127 / largest;
  for (let d = 0; d < vector.length; d++) into[d] = Math.round(vector[d] * scale);
  return 1 / scale / Math.sqrt(norm);
}

/** The vectors of a refreshed read: the full read's (less its deleted chunks) and the chunks added since. */
export class RefreshedVectors {
  constructor(
    private readonly base: ChunkVectors,
    private readonly dead: Uint8Array,
    private readonly added: ChunkVectors,
  ) {}

  nearest(query: ArrayLike<number>, limit: number, filters: ChunkFilters): RankedChunk[] {
    const merged = [...this.base.nearest(query, limit, filters, this.dead), ...this.added.nearest(query, limit, filters)];
    return merged.sort((a, b) => a.value - b.value || a.id - b.id).slice(0, limit);
  }
}

export type VectorsIndex = ChunkVectors | RefreshedVectors;
