import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ChunkVectors, RefreshedVectors, rerankedCandidates } from './chunkVectors.js';
import { ChunkColumns } from './inMemoryIndex.js';

function seeded(seed: number): () => number {
  let state = seed;
  return () => ((state = (state * 48271) % 2147483647) / 2147483647) * 2 - 1;
}

function columnsOf(count: number, first = 0, columns = new ChunkColumns()): ChunkColumns {
  for (let i = first; i < first + count; i++) columns.push({ id: 1000 + i, file_id: i % 7, language: i % 2 ? 'python' : 'go', extension: i % 2 ? 'py' : 'go', vector: '' });
  return columns;
}

const literal = (vector: number[]) => `[${vector.join(',')}]`;

function exactNearest(vectors: number[][], query: number[], limit: number, skip: (index: number) => boolean = () => false): number[] {
  const norm = (v: number[]) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
  return vectors
    .map((v, index) => ({ index, distance: 1 - v.reduce((sum, x, d) => sum + x * query[d], 0) / norm(v) / norm(query) }))
    .filter((entry) => !skip(entry.index))
    .sort((a, b) => a.distance - b.distance || a.index - b.index)
    .slice(0, limit)
    .map((entry) => entry.index);
}

describe('in-memory int8 vectors', () => {
  test('the compiled kernel is what vectorKernel.wat compiles to', async () => {
    const script = new URL('../../scripts/build-vector-kernel.mjs', import.meta.url).href;
    const { compileVectorKernel, vectorKernelSource } = (await import(script)) as {
      compileVectorKernel: () => Promise<Buffer>;
      vectorKernelSource: (bytes: Buffer) => string;
    };
    const committed = readFileSync(fileURLToPath(new URL('../../src/store/vectorKernelBytes.ts', import.meta.url)), 'utf8');
    assert.equal(committed, vectorKernelSource(await compileVectorKernel()), 'run node scripts/build-vector-kernel.mjs');
  });

  for (const dims of [8, 100, 128]) {
    test(`approximate distances stay within 0.01 of the exact ones (${dims} dimensions, padded to 16s)`, () => {
      const random = seeded(dims);
      const vectors = Array.from({ length: 300 }, () => Array.from({ length: dims }, random));
      const columns = columnsOf(vectors.length);
      const index = new ChunkVectors(columns, dims);
      vectors.forEach((vector, slot) => index.add(slot, literal(vector)));
      index.seal();
      const query = Array.from({ length: dims }, random);
      const hits = index.nearest(query, 300, {});
      assert.equal(hits.length, 300);
      const norm = (v: number[]) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
      for (const hit of hits) {
        const v = vectors[hit.id - 1000];
        const exact = 1 - v.reduce((sum, x, d) => sum + x * query[d], 0) / norm(v) / norm(query);
        assert.ok(Math.abs(hit.value - exact) < 0.01, `chunk ${hit.id}: ${hit.value} against ${exact}`);
      }
      for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].value <= hits[i].value, 'nearest first');
    });
  }

  test('the exact nearest are inside the candidate pool the store re-ranks', () => {
    const dims = 128;
    const random = seeded(5);
    // Clustered, as embeddings are: many near-ties, where quantising could reorder.
    const centres = Array.from({ length: 20 }, () => Array.from({ length: dims }, random));
    const vectors = Array.from({ length: 5000 }, (_, i) => centres[i % 20].map((x) => x + 0.3 * random()));
    const index = new ChunkVectors(columnsOf(vectors.length), dims);
    vectors.forEach((vector, slot) => index.add(slot, literal(vector)));
    index.seal();
    for (let q = 0; q < 40; q++) {
      const query = centres[q % 20].map((x) => x + 0.3 * random());
      for (const limit of [10, 40]) {
        const pool = new Set(index.nearest(query, rerankedCandidates(limit), {}).map((hit) => hit.id - 1000));
        for (const wanted of exactNearest(vectors, query, limit)) assert.ok(pool.has(wanted), `query ${q}: exact hit ${wanted} outside the top ${rerankedCandidates(limit)}`);
      }
    }
  });

  test('filters, chunks without vectors, deleted slots and chunks added by a refresh', () => {
    const dims = 16;
    const random = seeded(9);
    const vectors = Array.from({ length: 60 }, () => Array.from({ length: dims }, random));
    const columns = columnsOf(40);
    const base = new ChunkVectors(columns, dims);
    for (let slot = 0; slot < 40; slot++) base.add(slot, slot === 3 ? null : literal(vectors[slot]));
    base.seal();
    assert.throws(() => new ChunkVectors(columns, dims).add(1, literal(vectors[1])), /slots must follow/);
    const query = vectors[3]; // its own chunk has no vector: never returned
    assert.ok(!base.nearest(query, 40, {}).some((hit) => hit.id === 1003));
    assert.equal(base.nearest(query, 40, {}).length, 39);
    const python = base.nearest(query, 40, { languages: ['python'] });
    assert.deepEqual(python.map((hit) => hit.id % 2), python.map(() => 1));
    // A refresh: slots 0–9 deleted, 20 chunks added after the read's 40.
    const refreshedColumns = columnsOf(20, 40, columns.copy());
    const dead = new Uint8Array(40).fill(1, 0, 10);
    const added = new ChunkVectors(refreshedColumns, dims, 40);
    for (let slot = 40; slot < 60; slot++) added.add(slot, literal(vectors[slot]));
    const refreshed = new RefreshedVectors(base, dead, added.seal());
    const limit = 15;
    const got = refreshed.nearest(vectors[45], limit, {}).map((hit) => hit.id - 1000);
    assert.equal(got[0], 45);
    assert.deepEqual(new Set(got), new Set(exactNearest(vectors, vectors[45], limit, (index) => index < 10 || index === 3)));
  });
});
