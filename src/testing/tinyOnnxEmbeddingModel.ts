// A test fixture: writes a tiny BERT-shaped embedding model to a directory, in
// the layout @huggingface/transformers loads offline (config.json,
// tokenizer.json, tokenizer_config.json, onnx/model.onnx). No model can be
// downloaded here and no package ships one, so the ONNX file is encoded by hand:
// one Gather from a seeded embedding table, `last_hidden_state[b, t] =
// table[input_ids[b, t]]`. Mean pooling over it is then simple to compute
// independently, which is what a test needs to check the whole path.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fnv1a } from '../embed/fnv1a.js';

export interface TinyOnnxEmbeddingModel {
  directory: string;
  dimensions: number;
  /** Token → id, as the tokenizer maps whole lower-case words. */
  vocabulary: ReadonlyMap<string, number>;
  /** The embedding table row of a token id. */
  rowOf(id: number): Float32Array;
  /**
   * What mean pooling plus L2 normalisation gives for a text the tokenizer
   * splits into `words` (all in the vocabulary): [CLS] words… [SEP].
   */
  expectedEmbedding(words: string[]): Float32Array;
}

const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const WORDS = `open read write close file files path directory parse json yaml csv
query search index database table row column insert update delete select user users
account password login logout session token http request response server client
error retry timeout connect connection socket send receive message queue worker job
embed embedding vector model text code function class method return value list map
set get add remove sort filter find load save cache config start stop run test`
  .split(/\s+/)
  .filter((word) => word.length > 0);

export async function writeTinyOnnxEmbeddingModel(
  directory: string,
  dimensions = 16,
): Promise<TinyOnnxEmbeddingModel> {
  const tokens = [...SPECIAL_TOKENS, ...WORDS];
  const vocabulary = new Map(tokens.map((token, id) => [token, id]));
  const table = new Float32Array(tokens.length * dimensions);
  tokens.forEach((token, id) => table.set(seededRow(token, dimensions), id * dimensions));

  await mkdir(join(directory, 'onnx'), { recursive: true });
  await writeFile(join(directory, 'onnx', 'model.onnx'), encodeGatherModel(table, tokens.length, dimensions));
  await writeFile(join(directory, 'config.json'), JSON.stringify(bertConfig(tokens.length, dimensions), null, 2));
  await writeFile(join(directory, 'tokenizer.json'), JSON.stringify(wordPieceTokenizer(vocabulary), null, 2));
  await writeFile(join(directory, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig(), null, 2));

  const rowOf = (id: number) => table.slice(id * dimensions, (id + 1) * dimensions);
  return {
    directory,
    dimensions,
    vocabulary,
    rowOf,
    expectedEmbedding(words) {
      const ids = [vocabulary.get('[CLS]')!, ...words.map((word) => vocabulary.get(word) ?? vocabulary.get('[UNK]')!), vocabulary.get('[SEP]')!];
      const sum = new Float64Array(dimensions);
      for (const id of ids) rowOf(id).forEach((value, d) => (sum[d] += value / ids.length));
      const norm = Math.hypot(...sum);
      return Float32Array.from(sum, (value) => value / norm);
    },
  };
}

function seededRow(token: string, dimensions: number): Float32Array {
  let state = fnv1a(token);
  return Float32Array.from({ length: dimensions }, () => {
    state = (state + 0x6d2b79f5) >>> 0; // mulberry32
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  });
}

function bertConfig(vocabSize: number, dimensions: number) {
  return {
    architectures: ['BertModel'],
    model_type: 'bert',
    hidden_size: dimensions,
    num_attention_heads: 1,
    num_hidden_layers: 1,
    intermediate_size: dimensions,
    max_position_embeddings: 512,
    vocab_size: vocabSize,
    type_vocab_size: 2,
    pad_token_id: 0,
  };
}

function wordPieceTokenizer(vocabulary: ReadonlyMap<string, number>) {
  const special = (content: string) => ({
    id: vocabulary.get(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map(special),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [vocabulary.get('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [vocabulary.get('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary),
    },
  };
}

function tokenizerConfig() {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: true,
    model_max_length: 512,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
  };
}

// --- ONNX protobuf, just the fields this graph needs (onnx.proto3) ---

const TENSOR_FLOAT = 1;
const TENSOR_INT64 = 7;

/** ModelProto for: last_hidden_state = Gather(embeddings, input_ids), with an unused attention_mask input as BERT has. */
function encodeGatherModel(table: Float32Array, vocabSize: number, dimensions: number): Uint8Array {
  const initializer = message([
    ...[vocabSize, dimensions].map((dim) => varintField(1, dim)), // dims
    varintField(2, TENSOR_FLOAT), // data_type
    stringField(8, 'embeddings'), // name
    bytesField(9, new Uint8Array(table.buffer, table.byteOffset, table.byteLength)), // raw_data
  ]);
  const gather = message([
    stringField(1, 'embeddings'), // input
    stringField(1, 'input_ids'),
    stringField(2, 'last_hidden_state'), // output
    stringField(3, 'gather_tokens'), // name
    stringField(4, 'Gather'), // op_type
    bytesField(5, message([stringField(1, 'axis'), varintField(3, 0), varintField(20, 2 /* INT */)])), // attribute
  ]);
  const graph = message([
    bytesField(1, gather), // node
    stringField(2, 'tiny_embedding_model'), // name
    bytesField(5, initializer), // initializer
    bytesField(11, valueInfo('input_ids', TENSOR_INT64, ['batch_size', 'sequence_length'])), // input
    bytesField(11, valueInfo('attention_mask', TENSOR_INT64, ['batch_size', 'sequence_length'])),
    bytesField(12, valueInfo('last_hidden_state', TENSOR_FLOAT, ['batch_size', 'sequence_length', dimensions])), // output
  ]);
  return message([
    varintField(1, 8), // ir_version
    stringField(2, 'codebase-mcp test fixture'), // producer_name
    bytesField(7, graph), // graph
    bytesField(8, message([stringField(1, ''), varintField(2, 13)])), // opset_import: default domain, opset 13
  ]);
}

function valueInfo(name: string, elementType: number, shape: Array<string | number>): Uint8Array {
  const dims = shape.map((dim) =>
    bytesField(1, message([typeof dim === 'number' ? varintField(1, dim) : stringField(2, dim)])),
  );
  const tensorType = message([varintField(1, elementType), bytesField(2, message(dims))]);
  return message([stringField(1, name), bytesField(2, message([bytesField(1, tensorType)]))]);
}

function message(fields: Uint8Array[]): Uint8Array {
  return Buffer.concat(fields);
}

function varint(value: number): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

function varintField(field: number, value: number): Uint8Array {
  return message([varint(field * 8), varint(value)]);
}

function bytesField(field: number, bytes: Uint8Array): Uint8Array {
  return message([varint(field * 8 + 2), varint(bytes.length), bytes]);
}

function stringField(field: number, text: string): Uint8Array {
  return bytesField(field, Buffer.from(text, 'utf8'));
}
