#!/usr/bin/env node
// Re-fits the hybrid fusion (FUSION in src/search/hybridSearcher.ts) offline,
// from candidate lists recorded by
//   codebase-mcp bench quality --corpus DIR --queries SET.json --candidates SET.candidates.json
// one file per labelled set, the sample set included (--corpus test/fixtures/sample-repo
// --queries test/fixtures/sample-queries.json), all recorded with the same embedder.
// It replays the real `fuse` over a grid of parameters and scores each by
// MRR@10 per set, with leave-one-set-out cross-validation: for each set, the
// parameters are chosen on the others (best mean MRR@10 among those that keep
// hybrid at or above keyword-only on every training set) and scored on it.
// The grid includes the weight of test files' chunks (TEST_FILE_WEIGHT in
// src/search/testFiles.ts), applied in every mode as search applies it.
// The final line is the fit on all sets: copy it into FUSION (the default
// embedder's) or the embedder's own entry in fusionFor.
//
//   npm run build && node scripts/fit-fusion.mjs a.candidates.json b.candidates.json …
// Rerun it when the embedder changes (its vector lists change).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { isTestPath } from '../dist/scan/testPaths.js';
import { fuse, fusionFor } from '../dist/search/hybridSearcher.js';
import { goldRank, qualityScores } from '../dist/search/retrievalMetrics.js';
import { asksAboutTests, lowerTestFiles, TEST_FILE_WEIGHT } from '../dist/search/testFiles.js';

const files = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
if (files.length < 2) {
  console.error('usage: node scripts/fit-fusion.mjs SET1.candidates.json SET2.candidates.json … (two sets at least, for cross-validation)');
  process.exit(2);
}
const sets = await Promise.all(
  files.map(async (file) => {
    const dump = JSON.parse(await readFile(file, 'utf8'));
    if (dump.schema !== 'codebase-mcp/fusion-candidates@1') throw new Error(`${file} is not a bench quality --candidates file`);
    for (const query of dump.queries) query.limit = dump.searchLimit;
    for (const query of dump.queries) query.paths = new Map([...query.vector, ...query.keyword].map((hit) => [hit.id, hit.path]));
    // What search lowers (testFiles.ts): chunks of test files, unless the question is about tests.
    for (const query of dump.queries) query.tests = asksAboutTests(query.query) ? new Set() : new Set([...query.paths].filter(([, path]) => isTestPath(path)).map(([id]) => id));
    return { name: basename(file).replace(/\.candidates\.json$|\.json$/, ''), embedder: dump.embedder, limit: dump.searchLimit, queries: dump.queries };
  }),
);

const embedders = new Set(sets.map((set) => set.embedder ?? 'unrecorded'));
if (embedders.size > 1) console.error(`warning: the candidate lists come from different embedders (${[...embedders].join(', ')}): fit one embedder at a time`);

function scoresOf(set, ranker) {
  return qualityScores(set.queries.map((query) => goldRank(ranker(query).slice(0, set.limit).map((id) => query.paths.get(id)), query.file)));
}

const f3 = (value) => value.toFixed(3);
const mrr = (set, ranker) => scoresOf(set, ranker).mrrAt10;
const limitOf = (query) => query.limit;
// Test files lowered as search lowers them, in every mode (the hit's own id stands for its file's test-ness here).
const lowered = (query, ranked, weight) => lowerTestFiles(ranked, (hit) => hit.id, query.tests, weight).map((hit) => hit.id);
const hybrid = (parameters) => (query) => lowered(query, fuse(query.vector, query.keyword, Infinity, parameters), parameters.testFileWeight ?? TEST_FILE_WEIGHT);
const keywordOnly = (weight) => (query) => lowered(query, query.keyword.map((hit) => ({ id: hit.id, score: hit.value })), weight);
const semanticOnly = (weight) => (query) => lowered(query, query.vector.map((hit) => ({ id: hit.id, score: Math.max(0, Math.min(1, 1 - hit.value)) })), weight);

const testFileWeights = [1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2];
const grid = [];
for (const testFileWeight of testFileWeights)
  for (const base of [0, 0.2, 0.4, 0.6, 0.8])
    for (const perCoverage of [0, 0.4, 0.8, 1.2, 1.6])
      for (const max of [0.6, 0.8, 0.9, 1])
        for (const coveragePower of [0, 1, 2])
          for (const vectorPower of [1, 2, 4]) if (base <= max) grid.push({ base, perCoverage, max, coveragePower, vectorPower, testFileWeight });

// Keyword-only and semantic-only per test-file weight: hybrid is held to keyword-only at the same weight.
const keywordAt = new Map(testFileWeights.map((weight) => [weight, sets.map((set) => mrr(set, keywordOnly(weight)))]));
const semanticAt = new Map(testFileWeights.map((weight) => [weight, sets.map((set) => mrr(set, semanticOnly(weight)))]));
const scored = grid.map((parameters) => ({ parameters, mrr: sets.map((set) => mrr(set, hybrid(parameters))), keyword: keywordAt.get(parameters.testFileWeight) }));
const keyword = keywordAt.get(TEST_FILE_WEIGHT);
const semantic = semanticAt.get(TEST_FILE_WEIGHT);
// What search uses now for the embedder the lists came from (dumps without an embedder id: the default fusion).
const current = sets.map((set) => mrr(set, hybrid(fusionFor(set.embedder))));

console.log('test-file weight: hybrid (current fusion) / keyword-only / semantic-only MRR@10 per set');
for (const weight of testFileWeights) {
  const hybridAt = sets.map((set) => mrr(set, hybrid({ ...fusionFor(set.embedder), testFileWeight: weight })));
  console.log(`  ${String(weight).padEnd(4)} ${sets.map((set, i) => `${set.name} ${f3(hybridAt[i])} / ${f3(keywordAt.get(weight)[i])} / ${f3(semanticAt.get(weight)[i])}`).join('   ')}`);
}

function fit(training) {
  const mean = (entry) => training.reduce((sum, i) => sum + entry.mrr[i], 0) / training.length;
  const margin = (entry) => Math.min(...training.map((i) => entry.mrr[i] - entry.keyword[i]));
  const safe = scored.filter((entry) => margin(entry) >= 0);
  const pool = safe.length ? safe : scored;
  return pool.reduce((best, entry) => {
    const key = safe.length ? mean(entry) : margin(entry);
    const bestKey = safe.length ? mean(best) : margin(best);
    return key > bestKey + 1e-9 ? entry : best;
  });
}

console.log(`${grid.length} parameter settings, ${sets.length} sets (${sets.map((set) => `${set.name}: ${set.queries.length}`).join(', ')})`);
console.log('\nleave one set out: parameters fitted on the other sets, MRR@10 on the held-out set');
console.log('set                  held-out hybrid  its keyword  keyword  semantic  current  fitted on the others');
sets.forEach((set, held) => {
  const chosen = fit(sets.map((_, i) => i).filter((i) => i !== held));
  console.log(`${set.name.padEnd(20)} ${f3(chosen.mrr[held]).padStart(15)}  ${f3(chosen.keyword[held]).padStart(11)}  ${f3(keyword[held]).padStart(7)}  ${f3(semantic[held]).padStart(8)}  ${f3(current[held]).padStart(7)}  ${JSON.stringify(chosen.parameters)}`);
});
const all = fit(sets.map((_, i) => i));
console.log(`\nfitted on all sets: ${JSON.stringify(all.parameters)}`);
console.log(sets.map((set, i) => `  ${set.name}: hybrid ${f3(all.mrr[i])} (keyword ${f3(keyword[i])}, current ${f3(current[i])})`).join('\n'));
console.log('\nwith the fit on all sets, hybrid scores (as bench quality would print them):');
for (const set of sets) console.log(`  ${set.name}: ${JSON.stringify(scoresOf(set, hybrid(all.parameters)))}`);
