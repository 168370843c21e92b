// The trained code-search model as stored in the repository: one int8 table of
// bucket vectors (a scale per row), a per-bucket weight for each side (the
// learned token weights, with the row scale folded in), and the query side's
// projection. Format (little-endian):
//   "CSEM" · u32 format version · u32 header length · header JSON (UTF-8),
//   zero-padded to a multiple of 4 ·
//   int8[buckets × dims] table · f32[buckets] code weights ·
//   f32[buckets] query weights · f32[dims × dims] query projection (row-major).

import type { FeatureLayout } from './codeSearchFeatures.js';

const MAGIC = 'CSEM';
const FORMAT_VERSION = 1;

export interface CodeSearchModelHeader extends FeatureLayout {
  /** The embedder id a project records, e.g. 'code-search-v1'. */
  id: string;
  dims: number;
  /** Free-form facts about training (recipe, data, seed); not read at run time. */
  training?: Record<string, unknown>;
}

export interface CodeSearchModel {
  header: CodeSearchModelHeader;
  buckets: number;
  table: Int8Array;
  codeWeights: Float32Array;
  queryWeights: Float32Array;
  queryProjection: Float32Array;
}

/** Float weights as the trainer holds them, before quantisation. */
export interface FloatCodeSearchModel {
  header: CodeSearchModelHeader;
  /** buckets × dims */
  table: Float32Array;
  /** Per-bucket weights (already exp(α)). */
  codeWeights: Float32Array;
  queryWeights: Float32Array;
  queryProjection: Float32Array;
}

/** int8 with one scale per row (max |value| → 127); the scale goes into both side weights. */
export function quantize(model: FloatCodeSearchModel): CodeSearchModel {
  const { dims } = model.header;
  const buckets = model.table.length / dims;
  const table = new Int8Array(model.table.length);
  const codeWeights = new Float32Array(buckets);
  const queryWeights = new Float32Array(buckets);
  for (let row = 0; row < buckets; row++) {
    const offset = row * dims;
    let max = 0;
    for (let d = 0; d < dims; d++) max = Math.max(max, Math.abs(model.table[offset + d]));
    const scale = max > 0 ? max / 127 : 0;
    for (let d = 0; d < dims; d++) {
      table[offset + d] = scale > 0 ? Math.round(model.table[offset + d] / scale) : 0;
    }
    codeWeights[row] = model.codeWeights[row] * scale;
    queryWeights[row] = model.queryWeights[row] * scale;
  }
  return { header: model.header, buckets, table, codeWeights, queryWeights, queryProjection: model.queryProjection };
}

export function encodeCodeSearchModel(model: CodeSearchModel): Buffer {
  const header = Buffer.from(JSON.stringify(model.header), 'utf8');
  const headerPadded = Math.ceil(header.length / 4) * 4;
  const tableBytes = Math.ceil(model.table.length / 4) * 4;
  const total =
    12 + headerPadded + tableBytes + 4 * (model.codeWeights.length + model.queryWeights.length + model.queryProjection.length);
  const out = Buffer.alloc(total);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(FORMAT_VERSION, 4);
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  let offset = 12 + headerPadded;
  Buffer.from(model.table.buffer, model.table.byteOffset, model.table.byteLength).copy(out, offset);
  offset += tableBytes;
  for (const array of [model.codeWeights, model.queryWeights, model.queryProjection]) {
    Buffer.from(array.buffer, array.byteOffset, array.byteLength).copy(out, offset);
    offset += array.byteLength;
  }
  return out;
}

export function decodeCodeSearchModel(
  bytes: Uint8Array,
  source = 'model file',
  options: { headerOnly?: boolean } = {},
): CodeSearchModel {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buffer.length < 12 || buffer.toString('latin1', 0, 4) !== MAGIC) {
    throw new Error(`${source} is not a code-search model (no ${MAGIC} header)`);
  }
  const version = buffer.readUInt32LE(4);
  if (version !== FORMAT_VERSION) throw new Error(`${source} has format ${version}; this build reads ${FORMAT_VERSION}`);
  const headerLength = buffer.readUInt32LE(8);
  const header = JSON.parse(buffer.toString('utf8', 12, 12 + headerLength)) as CodeSearchModelHeader;
  const { dims, wordBuckets, identifierBuckets } = header;
  const buckets = wordBuckets + identifierBuckets;
  if (options.headerOnly) {
    const none = new Float32Array(0);
    return { header, buckets, table: new Int8Array(0), codeWeights: none, queryWeights: none, queryProjection: none };
  }
  let offset = 12 + Math.ceil(headerLength / 4) * 4;
  const tableBytes = Math.ceil((buckets * dims) / 4) * 4;
  const expected = offset + tableBytes + 4 * (2 * buckets + dims * dims);
  if (buffer.length !== expected) {
    throw new Error(`${source} is ${buffer.length} bytes; its header (${buckets} × ${dims}) needs ${expected}`);
  }
  // Copies keep the arrays aligned whatever the Buffer's own offset is.
  const table = new Int8Array(buffer.subarray(offset, offset + buckets * dims));
  offset += tableBytes;
  const floats = (count: number) => {
    const array = new Float32Array(count);
    Buffer.from(array.buffer).set(buffer.subarray(offset, offset + 4 * count));
    offset += 4 * count;
    return array;
  };
  const codeWeights = floats(buckets);
  const queryWeights = floats(buckets);
  const queryProjection = floats(dims * dims);
  return { header, buckets, table, codeWeights, queryWeights, queryProjection };
}
