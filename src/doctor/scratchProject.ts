// The end-to-end part of `doctor`: a scratch project store gets the full
// schema, an embedding column, one file written, both indexes built, and is
// searched both ways. Whatever breaks here would break the first real index.
import { ProjectStore, toVectorLiteral } from '../store/projectStore.js';
import { SCHEMA_VERSION, appliedSchemaVersion } from '../store/migrations.js';
import type { SqlClient } from '../store/sqlClient.js';
import { chunkFields } from '../tokens/chunkFields.js';
import { fieldTsvector, queryLexemes } from '../tokens/searchLexemes.js';

/** Throws on the first thing that does not work; returns what was done. */
export async function exerciseScratchProject(client: SqlClient): Promise<string> {
  const store = await ProjectStore.open(client);
  const version = await appliedSchemaVersion(client);
  if (version !== SCHEMA_VERSION) throw new Error(`schema version ${version} after migrating, expected ${SCHEMA_VERSION}`);
  await store.prepareForEmbedder({ id: 'doctor-check', dimensions: 3 }, false);
  await store.withIndexingLock('doctor-check', async () => {
    await store.writeFiles([
      {
        path: 'doctor/check.py',
        language: 'python',
        extension: 'py',
        contentHash: 'doctor-file',
        sizeBytes: 40,
        mtimeMs: 0,
        lineCount: 2,
        chunks: [
          {
            startLine: 1,
            endLine: 2,
            symbol: 'verify_checksum',
            kind: 'function',
            content: 'def verify_checksum(data):\n    return sum(data) % 251',
            contentHash: 'doctor-chunk',
            ...fieldTsvector(chunkFields('doctor/check.py', 'python', ['verify_checksum'], 'def verify_checksum(data):\n    return sum(data) % 251')),
            embedding: toVectorLiteral([0.6, 0.8, 0]),
          },
        ],
      },
    ]);
    await store.ensureVectorIndex();
    await store.analyze();
  });
  const nearest = await store.nearestChunks(toVectorLiteral([0.6, 0.8, 0]), 1, {});
  const matching = await store.matchingChunks(queryLexemes(['checksum']), 1, {});
  if (nearest.length !== 1 || matching.length !== 1 || nearest[0].id !== matching[0].id) {
    throw new Error('the chunk written was not found again by vector and full-text search');
  }
  return `schema version ${version}, vector (IVFFlat) and full-text indexes built, a chunk written and found by both searches`;
}
