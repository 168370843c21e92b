// The labelled query set over the sample repository: hybrid search (the
// default embedder + full text, with the fusion fitted for it) must beat full
// text alone. The numbers are printed as
// test diagnostics so a run shows them.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Embedder } from '../embed/embedder.js';
import { createEmbedder, DEFAULT_EMBEDDER_SETTINGS } from '../embed/createEmbedder.js';
import { indexRepository } from '../indexer/indexRepository.js';
import type { ProjectStore } from '../store/projectStore.js';
import { testBackends } from '../testing/testBackends.js';
import { removeTemporaryDirectories, SAMPLE_QUERIES, SAMPLE_REPO } from '../testing/testEnvironment.js';
import { fusionFor, searchChunks, type SearchMode } from './hybridSearcher.js';
import { goldRank, qualityScores, type LabelledQuery, type QualityScores } from './retrievalMetrics.js';

let embedder: Embedder;
const queries = JSON.parse(readFileSync(SAMPLE_QUERIES, 'utf8')) as LabelledQuery[];

before(async () => {
  embedder = await createEmbedder(DEFAULT_EMBEDDER_SETTINGS);
});

after(removeTemporaryDirectories);

for (const backend of testBackends()) {
  describe(`search quality (${backend.name})`, { skip: backend.skip }, () => {
    let store: ProjectStore;

    before(async () => {
      store = await backend.openStore('quality');
      // In place, inside this project's own checkout, where the fixture's ignored files are tracked: read its .gitignore files instead.
      await indexRepository(store, SAMPLE_REPO, embedder, { scan: { useGit: false } });
    });

    after(async () => {
      await store?.close();
      await backend.cleanup();
    });

    async function evaluate(mode: SearchMode, subset: LabelledQuery[]): Promise<QualityScores> {
      const ranks = [];
      for (const labelled of subset) {
        const response = await searchChunks(store, (text) => embedder.embedQuery(text), SAMPLE_REPO, {
          query: labelled.query,
          mode,
          limit: 30,
          maxTokens: 100_000,
          fusion: fusionFor(embedder.id),
        });
        ranks.push(goldRank(response.results.map((hit) => hit.path), labelled.file));
      }
      return qualityScores(ranks);
    }

    test('hybrid search beats lexical-only search on the labelled query set', async (t) => {
      const hybrid = await evaluate('hybrid', queries);
      const lexical = await evaluate('lexical', queries);
      const semantic = await evaluate('semantic', queries);
      t.diagnostic(`hybrid   ${JSON.stringify(hybrid)}`);
      t.diagnostic(`lexical  ${JSON.stringify(lexical)}`);
      t.diagnostic(`semantic ${JSON.stringify(semantic)}`);
      assert.ok(queries.length >= 30);
      assert.ok(hybrid.mrrAt10 > lexical.mrrAt10, `hybrid MRR@10 ${hybrid.mrrAt10} must beat lexical ${lexical.mrrAt10}`);
      assert.ok(hybrid.recallAt10 >= lexical.recallAt10);
    });

    test('on queries phrased in other words than the code, the embeddings carry the search', async (t) => {
      const reworded = queries.filter((query) => query.kind === 'semantic');
      const hybrid = await evaluate('hybrid', reworded);
      const lexical = await evaluate('lexical', reworded);
      t.diagnostic(`reworded queries: hybrid MRR@10 ${hybrid.mrrAt10} vs lexical ${lexical.mrrAt10}`);
      assert.ok(hybrid.mrrAt10 > lexical.mrrAt10);
    });
  });
}
