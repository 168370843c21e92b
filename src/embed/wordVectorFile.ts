// The compact binary word-vector cache: written once from the wink JSON, then
// opened in milliseconds by every process. Everything is a typed-array view
// over the file's bytes — no per-word JS objects — so loading costs one read
// and the resident size is about the file size.
//
// Layout (little-endian, every section 4-byte aligned):
//   header  magic "CBMWVEC1", then u32: formatVersion, dimensions, wordCount,
//           hashSlotCount, wordBytesLength, commonDirectionCount
//   f32[dimensions]                        mean of the source vectors
//   f32[commonDirectionCount * dimensions] their top principal directions (unit length)
//   u32[wordCount]      the word's frequency rank in the source (0 = most frequent)
//   f32[wordCount]      dequantization scale of each row
//   u32[wordCount + 1]  offsets of each word in the word bytes
//   u32[hashSlotCount]  open-addressing hash table: word index + 1, 0 = empty
//   u8[wordBytesLength] the words, ASCII, back to back
//   i8[wordCount * dimensions]  the vectors, row per word: value = q * scale

import { fnv1a } from './fnv1a.js';

const MAGIC = 'CBMWVEC1';
export const WORD_VECTOR_FORMAT_VERSION = 1;
export const WORD_VECTOR_HEADER_BYTES = 32;
const HEADER_BYTES = WORD_VECTOR_HEADER_BYTES;

/** What the builder hands to `encodeWordVectorFile`. */
export interface WordVectorData {
  dimensions: number;
  words: string[]; // ASCII, unique
  ranks: Uint32Array;
  vectors: Float32Array; // words.length * dimensions, row per word
  mean: Float32Array;
  commonDirections: Float32Array[];
}

/** The opened cache: look words up, read their (dequantized) vectors. */
export interface WordVectorTable {
  readonly dimensions: number;
  readonly wordCount: number;
  readonly mean: Float32Array;
  readonly commonDirections: readonly Float32Array[];
  /** Index of `word`, or -1 when the vocabulary does not have it. */
  indexOf(word: string): number;
  wordAt(index: number): string;
  rankAt(index: number): number;
  /** Adds `weight` × the word's vector into `target`. */
  addVector(index: number, weight: number, target: Float64Array): void;
  vectorAt(index: number): Float32Array;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function hashSlotCountFor(wordCount: number): number {
  let slots = 1024;
  while (slots * 0.7 < wordCount) slots *= 2;
  return slots;
}

interface Sections {
  mean: number;
  directions: number;
  ranks: number;
  scales: number;
  offsets: number;
  slots: number;
  wordBytes: number;
  matrix: number;
  end: number;
}

function sectionOffsets(dims: number, words: number, slots: number, wordBytes: number, directions: number): Sections {
  const mean = HEADER_BYTES;
  const directionsAt = mean + 4 * dims;
  const ranks = directionsAt + 4 * dims * directions;
  const scales = ranks + 4 * words;
  const offsets = scales + 4 * words;
  const slotsAt = offsets + 4 * (words + 1);
  const wordBytesAt = slotsAt + 4 * slots;
  const matrix = align4(wordBytesAt + wordBytes);
  const end = matrix + words * dims;
  return { mean, directions: directionsAt, ranks, scales, offsets, slots: slotsAt, wordBytes: wordBytesAt, matrix, end };
}

export function encodeWordVectorFile(data: WordVectorData): Buffer {
  const { dimensions: dims, words } = data;
  const wordCount = words.length;
  if (data.vectors.length !== wordCount * dims) throw new Error('vector matrix does not match words × dimensions');
  const wordText = words.join('');
  if (!/^[\x21-\x7e]*$/.test(wordText)) throw new Error('word-vector vocabulary must be printable ASCII');
  const slotCount = hashSlotCountFor(wordCount);
  const at = sectionOffsets(dims, wordCount, slotCount, wordText.length, data.commonDirections.length);
  const file = Buffer.alloc(at.end);

  file.write(MAGIC, 0, 'latin1');
  const header = [WORD_VECTOR_FORMAT_VERSION, dims, wordCount, slotCount, wordText.length, data.commonDirections.length];
  header.forEach((value, i) => file.writeUInt32LE(value, 8 + 4 * i));

  const view = <T extends Float32Array | Uint32Array | Int8Array>(
    Type: { new (buffer: ArrayBufferLike, byteOffset: number, length: number): T },
    offset: number,
    length: number,
  ): T => new Type(file.buffer, file.byteOffset + offset, length);

  view(Float32Array, at.mean, dims).set(data.mean);
  data.commonDirections.forEach((direction, i) => view(Float32Array, at.directions + 4 * dims * i, dims).set(direction));
  view(Uint32Array, at.ranks, wordCount).set(data.ranks);

  const offsets = view(Uint32Array, at.offsets, wordCount + 1);
  let offset = 0;
  words.forEach((word, i) => {
    offsets[i] = offset;
    offset += word.length;
  });
  offsets[wordCount] = offset;
  file.write(wordText, at.wordBytes, 'latin1');

  const slots = view(Uint32Array, at.slots, slotCount);
  const mask = slotCount - 1;
  words.forEach((word, i) => {
    let slot = fnv1a(word) & mask;
    while (slots[slot] !== 0) slot = (slot + 1) & mask;
    slots[slot] = i + 1;
  });

  // Symmetric int8 per row: the row's largest magnitude maps to ±127.
  const scales = view(Float32Array, at.scales, wordCount);
  const matrix = view(Int8Array, at.matrix, wordCount * dims);
  for (let w = 0; w < wordCount; w++) {
    let maxAbs = 0;
    for (let d = 0; d < dims; d++) maxAbs = Math.max(maxAbs, Math.abs(data.vectors[w * dims + d]));
    const scale = maxAbs > 0 ? maxAbs / 127 : 1;
    scales[w] = scale;
    for (let d = 0; d < dims; d++) matrix[w * dims + d] = Math.round(data.vectors[w * dims + d] / scale);
  }
  return file;
}

/** Whether a file's first bytes are this format's header, at the current version. */
export function isCurrentWordVectorFileHeader(header: Uint8Array): boolean {
  if (header.length < HEADER_BYTES) return false;
  const bytes = Buffer.from(header.buffer, header.byteOffset, HEADER_BYTES);
  return bytes.toString('latin1', 0, 8) === MAGIC && bytes.readUInt32LE(8) === WORD_VECTOR_FORMAT_VERSION;
}

export function decodeWordVectorFile(bytes: Uint8Array): WordVectorTable {
  // Typed-array views need aligned offsets; a pooled Buffer may not start aligned.
  const file = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  const fail = (why: string): never => {
    throw new Error(`not a usable word-vector cache file: ${why}`);
  };
  if (file.length < HEADER_BYTES) fail('too short');
  if (Buffer.from(file.buffer, file.byteOffset, 8).toString('latin1') !== MAGIC) fail('bad magic');
  const header = new Uint32Array(file.buffer, file.byteOffset + 8, 6);
  const [version, dims, wordCount, slotCount, wordBytesLength, directionCount] = header;
  if (version !== WORD_VECTOR_FORMAT_VERSION) fail(`format version ${version}, expected ${WORD_VECTOR_FORMAT_VERSION}`);
  // A hash table with no empty slot would make lookups of absent words loop forever.
  if ((slotCount & (slotCount - 1)) !== 0 || slotCount <= wordCount) fail(`bad hash table size ${slotCount}`);
  const at = sectionOffsets(dims, wordCount, slotCount, wordBytesLength, directionCount);
  if (file.length !== at.end) fail(`size ${file.length}, expected ${at.end}`);

  const f32 = (offset: number, length: number) => new Float32Array(file.buffer, file.byteOffset + offset, length);
  const u32 = (offset: number, length: number) => new Uint32Array(file.buffer, file.byteOffset + offset, length);
  const mean = f32(at.mean, dims);
  const commonDirections = Array.from({ length: directionCount }, (_, i) => f32(at.directions + 4 * dims * i, dims));
  const ranks = u32(at.ranks, wordCount);
  const scales = f32(at.scales, wordCount);
  const offsets = u32(at.offsets, wordCount + 1);
  const slots = u32(at.slots, slotCount);
  const wordBytes = new Uint8Array(file.buffer, file.byteOffset + at.wordBytes, wordBytesLength);
  const matrix = new Int8Array(file.buffer, file.byteOffset + at.matrix, wordCount * dims);
  const mask = slotCount - 1;

  const matches = (index: number, word: string): boolean => {
    const start = offsets[index];
    if (offsets[index + 1] - start !== word.length) return false;
    for (let i = 0; i < word.length; i++) if (wordBytes[start + i] !== word.charCodeAt(i)) return false;
    return true;
  };

  return {
    dimensions: dims,
    wordCount,
    mean,
    commonDirections,
    indexOf(word: string): number {
      let slot = fnv1a(word) & mask;
      for (;;) {
        const entry = slots[slot];
        if (entry === 0) return -1;
        if (matches(entry - 1, word)) return entry - 1;
        slot = (slot + 1) & mask;
      }
    },
    wordAt: (index) => Buffer.from(wordBytes.buffer, wordBytes.byteOffset + offsets[index], offsets[index + 1] - offsets[index]).toString('latin1'),
    rankAt: (index) => ranks[index],
    addVector(index: number, weight: number, target: Float64Array): void {
      const scaled = weight * scales[index];
      const row = index * dims;
      for (let d = 0; d < dims; d++) target[d] += scaled * matrix[row + d];
    },
    vectorAt(index: number): Float32Array {
      const vector = new Float32Array(dims);
      const scale = scales[index];
      for (let d = 0; d < dims; d++) vector[d] = scale * matrix[index * dims + d];
      return vector;
    },
  };
}
