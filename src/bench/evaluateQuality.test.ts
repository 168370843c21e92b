// A tiny corpus and three questions whose ripgrep ranks can be worked out by
// hand: 1, 2 and none. The metrics must come out as computed below.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { qualityScores } from '../search/retrievalMetrics.js';
import { removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';
import { evaluateQuality } from './evaluateQuality.js';
import type { QualityResult } from './qualityResult.js';
import { ripgrepVersion } from './ripgrepRanking.js';

let corpus: string;
let result: QualityResult;

const QUERIES = [
  // Only billing/invoice.py has both words: rank 1.
  { query: 'invoice total', file: 'billing/invoice.py', symbol: 'compute_invoice_total' },
  // notes.md has all three words more often than the gold file: rank 2.
  { query: 'print the parcel label', file: 'shipping/label.py', symbol: 'print_shipping_label' },
  // No file has any of these words: not found.
  { query: 'send a welcome email', file: 'billing/refund.py' },
];

before(async () => {
  corpus = await temporaryDirectory('quality-corpus');
  await mkdir(join(corpus, 'billing'));
  await mkdir(join(corpus, 'shipping'));
  await writeFile(
    join(corpus, 'billing', 'invoice.py'),
    'def compute_invoice_total(lines):\n    """Adds up what every line of an invoice costs."""\n    return sum(line.price for line in lines)\n',
  );
  await writeFile(
    join(corpus, 'billing', 'refund.py'),
    'def issue_refund(payment):\n    """Gives the money back to the card it came from."""\n    return payment.reverse()\n',
  );
  await writeFile(
    join(corpus, 'shipping', 'label.py'),
    'def print_shipping_label(parcel):\n    """Renders the address sticker for a box."""\n    return render(parcel.address)\n',
  );
  await writeFile(
    join(corpus, 'notes.md'),
    '# Shipping notes\n\nWe print a label per parcel. Print the label again when the parcel is re-routed; a lost label means a lost parcel.\n',
  );
  result = await evaluateQuality({ corpus, queries: QUERIES, queriesFile: 'inline', backend: 'embedded' });
});

after(removeTemporaryDirectories);

test('ripgrep ranks are 1, 2 and none, and the metrics are the hand-computed ones', async (t) => {
  if (!(await ripgrepVersion())) return t.skip('rg is not installed');
  assert.deepEqual(
    result.perQuery.map((outcome) => outcome.ranks.ripgrep),
    [1, 2, null],
  );
  // MRR = (1 + 1/2 + 0) / 3; nDCG = (1 + 1/log2(3) + 0) / 3 = (1 + 0.6309) / 3.
  assert.deepEqual(result.modes.ripgrep, { queries: 3, mrrAt10: 0.5, recallAt1: 0.333, recallAt5: 0.667, recallAt10: 0.667, ndcgAt10: 0.544 });
});

test('lexical search finds the invoice by its words and nothing for words the corpus lacks', () => {
  assert.equal(result.perQuery[0].ranks.lexical, 1);
  assert.equal(result.perQuery[2].ranks.lexical, null);
});

test('semantic search returns every file of a four-file corpus, so each gold file is within the top 5', () => {
  assert.equal(result.modes.semantic.recallAt5, 1);
});

test('each mode is scored from its own per-question ranks', () => {
  for (const mode of ['hybrid', 'semantic', 'lexical'] as const) {
    assert.deepEqual(result.modes[mode], qualityScores(result.perQuery.map((outcome) => outcome.ranks[mode] ?? null)));
  }
});

test('the result records the corpus, what indexing it produced, and how much each question shares verbatim with its gold file', () => {
  assert.equal(result.corpus.files, 4);
  assert.match(result.corpus.hash, /^[0-9a-f]{64}$/);
  assert.equal(result.index?.files, 4);
  assert.ok((result.index?.chunks ?? 0) >= 4, `${result.index?.chunks} chunks for four files`);
  assert.ok((result.index?.durationMs ?? -1) >= 0);
  assert.equal(result.perQuery[0].sharedRun, 2); // compute_invoice_total holds "invoice total" word for word
  assert.equal(result.perQuery[1].symbol, 'print_shipping_label');
});

test('a gold file missing from the corpus is refused before anything is indexed', async () => {
  await assert.rejects(
    evaluateQuality({ corpus, queries: [{ query: 'x', file: 'nowhere.py' }], queriesFile: 'inline', backend: 'embedded' }),
    /gold file\(s\) are not in the corpus .*nowhere\.py/,
  );
});
