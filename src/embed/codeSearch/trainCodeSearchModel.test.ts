// CI smoke run of the trainer (full training is scripts/training/, see
// docs/model-card.md): a few hundred real pairs from the training data, a tiny
// table, a few epochs.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { CodeSearchEmbedder } from './codeSearchEmbedder.js';
import { encodeCodeSearchModel, quantize } from './codeSearchModel.js';
import { scoreRetrieval, trainCodeSearchModel, type TrainingOptions, type TrainingPair } from './trainCodeSearchModel.js';

const SMOKE_PAIRS = fileURLToPath(new URL('../../../models-src/code-search-embedder/smoke-pairs.jsonl.gz', import.meta.url));

function smokePairs(): TrainingPair[] {
  return gunzipSync(readFileSync(SMOKE_PAIRS))
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const { q, c } = JSON.parse(line) as TrainingPair;
      return { q, c };
    });
}

const TINY: TrainingOptions = {
  id: 'smoke@1',
  dims: 32,
  wordBuckets: 1 << 12,
  identifierBuckets: 0,
  headLineBoost: 2,
  epochs: 4,
  batchSize: 64,
  learningRate: 0.01,
  tableLearningRate: 0.1,
  temperature: 0.1,
  seed: 7,
};

describe('code-search trainer (smoke run)', () => {
  const pairs = smokePairs();
  const train = pairs.slice(0, 320);
  const heldOut = pairs.slice(320);

  test('the loss falls, the pairs are learnt, and held-out pairs do not get worse', () => {
    assert.ok(pairs.length >= 300 && heldOut.length >= 50, `${pairs.length} smoke pairs`);
    const untrained = new CodeSearchEmbedder(quantize(trainCodeSearchModel(train, [], { ...TINY, epochs: 0 }).model));
    const { model, history } = trainCodeSearchModel(train, heldOut, TINY);
    const trained = new CodeSearchEmbedder(quantize(model));
    assert.equal(history.length, TINY.epochs);
    const losses = history.map((epoch) => epoch.loss.toFixed(3)).join(' → ');
    assert.ok(history[history.length - 1].loss < history[0].loss / 5, `loss ${losses}`);
    // A few hundred pairs teach a tiny table their own pairs; generalising needs the full data (docs/model-card.md).
    const fitted = [scoreRetrieval(untrained, train).mrrAt10, scoreRetrieval(trained, train).mrrAt10];
    assert.ok(fitted[0] < 0.5 && fitted[1] > 0.9, `training-pair MRR@10 ${fitted.map((v) => v.toFixed(3)).join(' → ')}`);
    const held = [scoreRetrieval(untrained, heldOut).mrrAt10, scoreRetrieval(trained, heldOut).mrrAt10];
    assert.ok(held[1] >= held[0] * 0.9, `held-out MRR@10 ${held.map((v) => v.toFixed(3)).join(' → ')}`);
    assert.deepEqual(history[history.length - 1].validation, scoreRetrieval(trained, heldOut), 'epochs report the quantised model');
  });

  test('the same pairs and seed give the same bytes; another seed does not', () => {
    const options = { ...TINY, epochs: 1 };
    const bytes = (seed: number) => encodeCodeSearchModel(quantize(trainCodeSearchModel(train, [], { ...options, seed }).model));
    const first = bytes(7);
    assert.ok(first.equals(bytes(7)));
    assert.ok(!first.equals(bytes(8)));
  });

  test('code dropout is seeded too, changes the weights, and still learns the pairs', () => {
    const dropped = (seed: number) => trainCodeSearchModel(train, [], { ...TINY, codeDropout: 0.3, seed });
    const bytes = (seed: number) => encodeCodeSearchModel(quantize(dropped(seed).model));
    assert.ok(bytes(7).equals(bytes(7)));
    assert.ok(!bytes(7).equals(encodeCodeSearchModel(quantize(trainCodeSearchModel(train, [], TINY).model))));
    const { model, history } = dropped(7);
    assert.ok(history[history.length - 1].loss < history[0].loss / 2, `loss ${history.map((epoch) => epoch.loss.toFixed(3)).join(' → ')}`);
    assert.ok(scoreRetrieval(new CodeSearchEmbedder(quantize(model)), train).mrrAt10 > 0.8);
  });

  test('each epoch can be kept: the last snapshot is the returned model', () => {
    const snapshots: Buffer[] = [];
    const { model } = trainCodeSearchModel(train, [], { ...TINY, epochs: 2, onEpoch: (_, snapshot) => snapshots.push(encodeCodeSearchModel(quantize(snapshot()))) });
    assert.equal(snapshots.length, 2);
    assert.ok(!snapshots[0].equals(snapshots[1]), 'an epoch moves the weights');
    assert.ok(snapshots[1].equals(encodeCodeSearchModel(quantize(model))));
  });
});
