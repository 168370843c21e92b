import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CODE_SEARCH_EMBEDDER_ID } from './codeSearch/codeSearchEmbedder.js';
import { defaultModelChangeNote } from './modelChange.js';
import { WORD_VECTOR_EMBEDDER_ID } from './wordVectorEmbedder.js';

test('a mismatch from the change of default embedder says so; any other mismatch adds nothing', () => {
  const note = defaultModelChangeNote(WORD_VECTOR_EMBEDDER_ID, CODE_SEARCH_EMBEDDER_ID);
  assert.match(note, /default embedder is now code-search-v1 \(it was word-vectors-sg-100d@1/);
  assert.match(note, /--force/);
  assert.match(note, /CODEBASE_MCP_EMBEDDER=word-vectors/);
  assert.equal(defaultModelChangeNote(CODE_SEARCH_EMBEDDER_ID, WORD_VECTOR_EMBEDDER_ID), '');
  assert.equal(defaultModelChangeNote('ollama:nomic-embed-text', CODE_SEARCH_EMBEDDER_ID), '');
});
