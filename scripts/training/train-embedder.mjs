#!/usr/bin/env node
// Trains the code-search embedder on the pairs extract-pairs.py wrote and
// stores the quantised weights (run `npm run build` first: the trainer is
// compiled TypeScript, dist/embed/codeSearch/).
//
//   node scripts/training/train-embedder.mjs PAIRS_DIR [--out FILE] [--limit N]
//     [--epochs N] [--dims N] [--batch N] [--lr X] [--table-lr X] [--temperature X] [--code-dropout P]
//     [--seed N] [--word-buckets N] [--identifier-buckets N] [--head-boost N]
//     [--save-epochs]
//
// PAIRS_DIR holds train.jsonl and valid.jsonl. Writes FILE (default
// assets/models/code-search-v1.bin) and FILE with .json: header, sha256,
// options and the per-epoch loss and validation scores. --save-epochs also
// writes each epoch's weights as FILE.epochN.bin (+ .json), to compare epochs.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_TRAINING_OPTIONS, trainCodeSearchModel, scoreRetrieval } from '../../dist/embed/codeSearch/trainCodeSearchModel.js';
import { quantize, encodeCodeSearchModel, decodeCodeSearchModel } from '../../dist/embed/codeSearch/codeSearchModel.js';
import { CodeSearchEmbedder, CODE_SEARCH_EMBEDDER_ID, CODE_SEARCH_MODEL_FILE } from '../../dist/embed/codeSearch/codeSearchEmbedder.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: CODE_SEARCH_MODEL_FILE },
    id: { type: 'string', default: CODE_SEARCH_EMBEDDER_ID },
    limit: { type: 'string' },
    epochs: { type: 'string' },
    dims: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    'table-lr': { type: 'string' },
    temperature: { type: 'string' },
    'code-dropout': { type: 'string' },
    seed: { type: 'string' },
    'word-buckets': { type: 'string' },
    'identifier-buckets': { type: 'string' },
    'head-boost': { type: 'string' },
    'valid-limit': { type: 'string', default: '3000' },
    'save-epochs': { type: 'boolean', default: false },
  },
});
const dir = positionals[0];
if (!dir) {
  console.error('usage: train-embedder.mjs PAIRS_DIR [--out FILE] [--limit N] [--epochs N] …');
  process.exit(2);
}
const readPairs = (file) =>
  readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const { q, c } = JSON.parse(line);
      return { q, c };
    });
let train = readPairs('train.jsonl');
const valid = readPairs('valid.jsonl');
if (values.limit) train = train.slice(0, Number(values.limit));
const number = (name, fallback) => (values[name] === undefined ? fallback : Number(values[name]));
const options = {
  ...DEFAULT_TRAINING_OPTIONS,
  id: values.id,
  epochs: number('epochs', DEFAULT_TRAINING_OPTIONS.epochs),
  dims: number('dims', DEFAULT_TRAINING_OPTIONS.dims),
  batchSize: number('batch', DEFAULT_TRAINING_OPTIONS.batchSize),
  learningRate: number('lr', DEFAULT_TRAINING_OPTIONS.learningRate),
  tableLearningRate: number('table-lr', DEFAULT_TRAINING_OPTIONS.tableLearningRate),
  temperature: number('temperature', DEFAULT_TRAINING_OPTIONS.temperature),
  codeDropout: number('code-dropout', 0),
  seed: number('seed', DEFAULT_TRAINING_OPTIONS.seed),
  wordBuckets: number('word-buckets', DEFAULT_TRAINING_OPTIONS.wordBuckets),
  identifierBuckets: number('identifier-buckets', DEFAULT_TRAINING_OPTIONS.identifierBuckets),
  headLineBoost: number('head-boost', DEFAULT_TRAINING_OPTIONS.headLineBoost),
  validationLimit: Number(values['valid-limit']),
};
console.error(`training on ${train.length} pairs, validating on ${Math.min(valid.length, options.validationLimit)} of ${valid.length}`);
const started = Date.now();
const history = [];
const { model } = trainCodeSearchModel(train, valid, {
  ...options,
  onEpoch: (report, snapshot) => {
    history.push(report);
    console.error(JSON.stringify(report));
    if (values['save-epochs']) {
      const file = values.out.replace(/\.bin$/, '') + `.epoch${report.epoch}.bin`;
      save(quantize(snapshot()), file, { ...options, epochs: report.epoch }, (Date.now() - started) / 1000, report.validation);
    }
  },
});
const quantized = quantize(model);
// The last epoch's validation is this model's (the trainer scores the quantised weights).
save(quantized, values.out, options, (Date.now() - started) / 1000, history.at(-1)?.validation);

/** Writes the quantised model and FILE.json (header, sha256, options, history, validation: scored here unless given). */
function save(quantized, out, trained, trainingSeconds, scored) {
  const validation = scored ?? scoreRetrieval(new CodeSearchEmbedder(quantized), valid.slice(0, trained.validationLimit));
  quantized.header.training = {
    pairs: train.length,
    seed: trained.seed,
    epochs: trained.epochs,
    batchSize: trained.batchSize,
    learningRate: trained.learningRate,
    tableLearningRate: trained.tableLearningRate,
    wordBuckets: trained.wordBuckets,
    identifierBuckets: trained.identifierBuckets,
    temperature: trained.temperature,
    codeDropout: trained.codeDropout,
    recipe: 'symmetric InfoNCE, in-batch negatives; row-wise Adagrad (table), Adam (weights, projection); int8 table with per-row scales',
  };
  const bytes = encodeCodeSearchModel(quantized);
  decodeCodeSearchModel(bytes); // the file must read back
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, bytes);
  const { onEpoch: _, ...recorded } = trained;
  const summary = {
    header: quantized.header,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    options: recorded,
    trainingSeconds,
    history: history.slice(0, trained.epochs),
    validation,
  };
  writeFileSync(out.replace(/\.bin$/, '') + '.json', JSON.stringify(summary, null, 2) + '\n');
  console.error(`wrote ${out} (${(bytes.length / 1e6).toFixed(1)} MB) in ${trainingSeconds.toFixed(0)} s; validation ${JSON.stringify(validation)}`);
}
