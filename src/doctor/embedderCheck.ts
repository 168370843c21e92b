// `doctor`'s embedder check: load the configured embedder and embed a word.
import type { Embedder } from '../embed/embedder.js';
import { isUserError } from '../errors/userError.js';
import { fail, pass, type DoctorCheck } from './doctorCheck.js';

const NAME = 'embedder ready';

export async function checkEmbedder(loadEmbedder: () => Promise<Embedder>): Promise<DoctorCheck> {
  const started = performance.now();
  try {
    const embedder = await loadEmbedder();
    const vector = await embedder.embedQuery('database');
    const finite = Array.from(vector).every(Number.isFinite);
    const norm = Math.hypot(...vector);
    if (vector.length !== embedder.dimensions || !finite || norm === 0) {
      return fail(
        NAME,
        `${embedder.id} returned a vector of ${vector.length} values (expected ${embedder.dimensions}, finite, not all zero).`,
        'Rebuild the embedder cache: npm run build (or delete the word-vector cache file so it is converted again).',
      );
    }
    return pass(NAME, `${embedder.id} (${embedder.dimensions} dimensions) loaded and embedded a word in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    const hint = isUserError(error) ? error.hint : undefined;
    return fail(
      NAME,
      `The embedder could not be loaded: ${(error as Error).message ?? String(error)}`,
      hint ?? 'Run npm run build (it prepares the word-vector cache) and check that CODEBASE_MCP_CACHE_DIR is writable.',
    );
  }
}
