// What a MODEL_MISMATCH message adds when the mismatch comes from this
// version's change of default embedder (word vectors → code-search-v1), so an
// index built before the upgrade says why it is refused and both ways out.
import { CODE_SEARCH_EMBEDDER_ID } from './codeSearch/codeSearchEmbedder.js';
import { WORD_VECTOR_EMBEDDER_ID } from './wordVectorEmbedder.js';

/** A sentence to append to the hint, or '' when the mismatch is not the default's change. */
export function defaultModelChangeNote(indexedWith: string, configured: string): string {
  if (indexedWith !== WORD_VECTOR_EMBEDDER_ID || configured !== CODE_SEARCH_EMBEDDER_ID) return '';
  return (
    ` The default embedder is now ${CODE_SEARCH_EMBEDDER_ID} (it was ${WORD_VECTOR_EMBEDDER_ID}; it ranks better on every measured set, docs/model-card.md):` +
    ' re-indexing with --force moves this project to it; CODEBASE_MCP_EMBEDDER=word-vectors (config: {"embedder": {"provider": "word-vectors"}}) keeps the old model without re-indexing.'
  );
}
