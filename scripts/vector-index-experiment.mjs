#!/usr/bin/env node
// Measures vector-index choices on a real index's vectors: build time (and
// the "no longer fits" NOTICE), recall@10 against exact search over the
// benchmark's queries, and query latency. Not part of the product; the
// numbers go to docs/benchmarks.md.
//
//   node scripts/vector-index-experiment.mjs --vectors FILE (--server URL | --pglite DIR) [--configs a,b]
//     (config `memory`: the product's in-memory int8 scan, its candidates re-ranked exactly by the database)
//   node scripts/vector-index-experiment.mjs --export-from URL --vectors FILE   (writes FILE: one literal a line)
//   node scripts/vector-index-experiment.mjs --export-from-pglite DIR --vectors FILE   (the same from an embedded project's pgdata)
// Queries are embedded with the configured embedder (CODEBASE_MCP_EMBEDDER; default code-search).
import { createReadStream } from 'node:fs';
import { appendFile, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { loadavg } from 'node:os';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { benchmarkQueries } from '../dist/bench/benchQueries.js';
import { createEmbedder, embedderSettingsFromEnv } from '../dist/embed/createEmbedder.js';
import { toVectorLiteral } from '../dist/store/projectStore.js';
import { ChunkVectors, rerankedCandidates } from '../dist/store/chunkVectors.js';
import { ChunkColumns } from '../dist/store/inMemoryIndex.js';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, index, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[index + 1]?.startsWith('--') ? 'true' : all[index + 1]]] : pairs), []),
);
const log = (...parts) => console.log(`[${new Date().toISOString().slice(11, 19)} load ${loadavg()[0].toFixed(2)}]`, ...parts);

/** Writes every stored vector to args.vectors, one literal a line, a page at a time (455k are more text than one string holds). */
async function exportVectors(source) {
  await writeFile(args.vectors, '');
  let exported = 0;
  for (let after = 0; ; ) {
    const { rows } = await source.query('SELECT id, embedding::text AS e FROM chunks WHERE embedding IS NOT NULL AND id > $1 ORDER BY id LIMIT 20000', [after]);
    await appendFile(args.vectors, rows.map((row) => `${row.e}\n`).join(''));
    exported += rows.length;
    if (rows.length < 20000) break;
    after = Number(rows.at(-1).id);
  }
  log(`exported ${exported} vectors`);
}
if (args['export-from']) {
  const client = new pg.Client({ connectionString: args['export-from'] });
  await client.connect();
  await exportVectors(client);
  await client.end();
  process.exit(0);
}
if (args['export-from-pglite']) {
  const source = await PGlite.create(args['export-from-pglite'], { extensions: { vector } });
  await exportVectors(source);
  await source.close();
  process.exit(0);
}

// Line by line: 455k vectors of 128 dimensions are ~700 MB of text, more than one string holds.
const lines = [];
for await (const line of createInterface({ input: createReadStream(args.vectors) })) if (line) lines.push(line);
const limit = Number(args.limit ?? lines.length);
const vectors = lines.slice(0, limit);
const dims = vectors[0].split(',').length;
log(`${vectors.length} vectors of ${dims} dimensions`);

let db;
const notices = [];
if (args.server) {
  const admin = new pg.Client({ connectionString: args.server });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS cb_vexp');
  await admin.query('CREATE DATABASE cb_vexp');
  await admin.end();
  const url = new URL(args.server);
  url.pathname = '/cb_vexp';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  client.on('notice', (notice) => notices.push(notice.message));
  db = { query: async (sql, params) => (await client.query(sql, params)).rows, exec: (sql) => client.query(sql), close: () => client.end() };
} else {
  const pglite = await PGlite.create(args.pglite, { extensions: { vector } });
  db = {
    query: async (sql, params, options) => (await pglite.query(sql, params, { ...options, onNotice: (notice) => notices.push(notice.message) })).rows,
    exec: (sql) => pglite.exec(sql),
    close: () => pglite.close(),
  };
}
await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
await db.exec(`DROP TABLE IF EXISTS v; CREATE TABLE v (id bigserial PRIMARY KEY, embedding vector(${dims}))`);
let started = performance.now();
const BATCH = 20000;
for (let start = 0; start < vectors.length; start += BATCH) {
  await db.query('INSERT INTO v (embedding) SELECT unnest($1::text[])::vector', [vectors.slice(start, start + BATCH)]);
}
log(`loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
await db.exec('ANALYZE v');

const embedder = await createEmbedder(embedderSettingsFromEnv(process.env));
const queries = await Promise.all(benchmarkQueries(220, 42).slice(20).map(async (query) => toVectorLiteral(await embedder.embedQuery(query))));

started = performance.now();
await db.exec('SET enable_indexscan = off; SET enable_bitmapscan = off');
// Generated code repeats itself: many chunks share a vector, so the exact
// top 10 is ambiguous among ties. A result counts as found when its id is in
// the exact top 10 or its distance is no larger than the exact 10th one's.
const exact = [];
for (const query of queries) {
  const rows = await db.query('SELECT id, embedding <=> $1::vector AS d FROM v ORDER BY embedding <=> $1::vector LIMIT 10', [query]);
  exact.push({ ids: new Set(rows.map((row) => Number(row.id))), tenth: Number(rows.at(-1).d) });
}
await db.exec('RESET enable_indexscan; RESET enable_bitmapscan');
log(`exact search: ${((performance.now() - started) / queries.length).toFixed(1)} ms a query`);

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
async function measure(label, half) {
  const expression = half ? `embedding::halfvec(${dims}) <=> $1::halfvec(${dims})` : 'embedding <=> $1::vector';
  let hits = 0;
  let strict = 0;
  const times = [];
  for (let index = 0; index < queries.length; index++) {
    const t = performance.now();
    const rows = await db.query(`SELECT id, embedding <=> $1::vector AS d FROM v ORDER BY ${expression} LIMIT 10`, [queries[index]]);
    times.push(performance.now() - t);
    const truth = exact[index];
    hits += rows.filter((row) => truth.ids.has(Number(row.id)) || Number(row.d) <= truth.tenth + 1e-6).length;
    strict += rows.filter((row) => truth.ids.has(Number(row.id))).length;
  }
  times.sort((a, b) => a - b);
  const total = queries.length * 10;
  log(`  ${label}: recall@10 ${(hits / total).toFixed(3)} (ids only ${(strict / total).toFixed(3)}), p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`);
}

const lists = (n) => Math.max(1, Math.round(n));
const CONFIGS = {
  'hnsw-16-64': { sql: 'CREATE INDEX vi ON v USING hnsw (embedding vector_cosine_ops)', search: ['hnsw.ef_search', [40, 100]] },
  'hnsw-8-32': { sql: 'CREATE INDEX vi ON v USING hnsw (embedding vector_cosine_ops) WITH (m = 8, ef_construction = 32)', search: ['hnsw.ef_search', [40, 100, 200]] },
  'hnsw-12-40': { sql: 'CREATE INDEX vi ON v USING hnsw (embedding vector_cosine_ops) WITH (m = 12, ef_construction = 40)', search: ['hnsw.ef_search', [40, 100, 200]] },
  'hnsw-half-8-32': { sql: `CREATE INDEX vi ON v USING hnsw ((embedding::halfvec(${dims})) halfvec_cosine_ops) WITH (m = 8, ef_construction = 32)`, search: ['hnsw.ef_search', [100, 200]], half: true },
  'ivf-sqrt': { sql: () => `CREATE INDEX vi ON v USING ivfflat (embedding vector_cosine_ops) WITH (lists = ${lists(Math.sqrt(vectors.length))})`, search: ['ivfflat.probes', [10, 20, 40, 60]] },
  'ivf-rows1000': { sql: () => `CREATE INDEX vi ON v USING ivfflat (embedding vector_cosine_ops) WITH (lists = ${lists(vectors.length / 1000)})`, search: ['ivfflat.probes', [10, 20, 40, 50, 57, 60, 80, 100, 120, 160]] },
  'ivf-rows500': { sql: () => `CREATE INDEX vi ON v USING ivfflat (embedding vector_cosine_ops) WITH (lists = ${lists(vectors.length / 500)})`, search: ['ivfflat.probes', [57, 80, 114, 160, 200]] },
  'ivf-rows2000': { sql: () => `CREATE INDEX vi ON v USING ivfflat (embedding vector_cosine_ops) WITH (lists = ${lists(vectors.length / 2000)})`, search: ['ivfflat.probes', [20, 25, 29, 32, 40]] },
  'ivf-rows4000': { sql: () => `CREATE INDEX vi ON v USING ivfflat (embedding vector_cosine_ops) WITH (lists = ${lists(vectors.length / 4000)})`, search: ['ivfflat.probes', [10, 12, 15, 20]] },
  'ivf-pglite-rows1000': { sql: () => `CREATE INDEX vi ON v USING ivfflat (embedding vector_cosine_ops) WITH (lists = ${lists(vectors.length / 1000)})`, search: ['ivfflat.probes', [57, 80, 114]] },
  'ivf-half-rows1000': { sql: () => `CREATE INDEX vi ON v USING ivfflat ((embedding::halfvec(${dims})) halfvec_cosine_ops) WITH (lists = ${lists(vectors.length / 1000)})`, search: ['ivfflat.probes', [57, 80, 114]], half: true },
  'ivf-half-sqrt': { sql: () => `CREATE INDEX vi ON v USING ivfflat ((embedding::halfvec(${dims})) halfvec_cosine_ops) WITH (lists = ${lists(Math.sqrt(vectors.length))})`, search: ['ivfflat.probes', [10, 20, 40]], half: true },
};
/** The product's path once a project is in memory (chunkVectors.ts, ProjectStore.nearestChunks). */
async function measureInMemory() {
  started = performance.now();
  const columns = new ChunkColumns();
  const index = new ChunkVectors(columns, dims);
  vectors.forEach((literal, slot) => {
    columns.push({ id: slot + 1, file_id: 0, language: 'x', extension: 'x', vector: '' });
    index.add(columns.ids.length - 1, literal.startsWith('[') ? literal : `[${literal}]`);
  });
  index.seal();
  log(`memory: ${vectors.length} vectors read in ${((performance.now() - started) / 1000).toFixed(1)} s (int8, ${((vectors.length * Math.ceil(dims / 16) * 16) / 1e6).toFixed(0)} MB)`);
  let hits = 0;
  let strict = 0;
  const scans = [];
  const times = [];
  for (let q = 0; q < queries.length; q++) {
    const t = performance.now();
    const pool = index.nearest(JSON.parse(queries[q]), rerankedCandidates(10), {});
    scans.push(performance.now() - t);
    const rows = await db.query('SELECT id, embedding <=> $1::vector AS d FROM v WHERE id = ANY($2::bigint[]) ORDER BY 2, 1 LIMIT 10', [queries[q], pool.map((hit) => hit.id)]);
    times.push(performance.now() - t);
    const truth = exact[q];
    hits += rows.filter((row) => truth.ids.has(Number(row.id)) || Number(row.d) <= truth.tenth + 1e-6).length;
    strict += rows.filter((row) => truth.ids.has(Number(row.id))).length;
  }
  scans.sort((a, b) => a - b);
  times.sort((a, b) => a - b);
  const total = queries.length * 10;
  log(`  memory: recall@10 ${(hits / total).toFixed(3)} (ids only ${(strict / total).toFixed(3)}), scan p50 ${percentile(scans, 50).toFixed(1)} / p95 ${percentile(scans, 95).toFixed(1)} ms, with the re-rank p50 ${percentile(times, 50).toFixed(1)} / p95 ${percentile(times, 95).toFixed(1)} ms`);
}

const memory = args.memory ?? '512MB';
for (const name of (args.configs ?? Object.keys(CONFIGS).join(',')).split(',')) {
  if (name === 'memory') {
    await measureInMemory();
    continue;
  }
  const config = CONFIGS[name];
  await db.exec('DROP INDEX IF EXISTS vi');
  notices.length = 0;
  started = performance.now();
  const sql = typeof config.sql === 'function' ? config.sql() : config.sql;
  await db.exec(`SET maintenance_work_mem = '${memory}'; SET max_parallel_maintenance_workers = ${args.workers ?? 0}; ${sql}`);
  log(`${name}: built in ${((performance.now() - started) / 1000).toFixed(1)} s (maintenance_work_mem ${memory})${notices.length ? `; NOTICE ${notices.join(' | ')}` : ''}`);
  for (const value of config.search[1]) {
    await db.exec(`SET ${config.search[0]} = ${value}`);
    await measure(`${config.search[0]}=${value}`, config.half);
  }
}
await db.close();
