// Dumps a project database into a snapshot file: every table of its schema,
// generically by column name and type (a migration that adds a column needs
// no change here), in one read-only REPEATABLE READ transaction so the
// snapshot is consistent even while another process indexes.
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { quoteIdentifier } from '../store/databaseNames.js';
import type { ProjectRecord } from '../store/projectRegistry.js';
import { VECTOR_INDEX, type EmbedderInfo } from '../store/projectStore.js';
import type { SqlClient } from '../store/sqlClient.js';
import { isVectorType, SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, SnapshotWriter, vectorTextToBase64, type SnapshotColumn, type SnapshotHeader, type SnapshotTrailer } from './snapshotFile.js';

/** Tables that are not index content: the restore recreates them from the schema version. */
const NOT_DUMPED = new Set(['schema_migrations']);
const FETCH_ROWS = 500;

export interface SnapshotProgress {
  table: string;
  rowsDone: number;
  rowsTotal: number;
}

export interface DumpSummary {
  path: string;
  schemaVersion: number;
  rows: Record<string, number>;
  bytes: number;
  uncompressedBytes: number;
  trailer: SnapshotTrailer;
  durationMs: number;
}

export function codebaseMcpVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../../package.json') as { version: string }).version;
}

export interface TableShape {
  name: string;
  columns: SnapshotColumn[];
  primaryKey: string[];
}

/** The project's tables, each after the tables its foreign keys point to. */
export async function projectTables(client: SqlClient): Promise<TableShape[]> {
  const tables = await client.query<{ name: string; oid: number }>(
    `SELECT c.relname AS name, c.oid::int AS oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
  );
  const references = await client.query<{ child: string; parent: string }>(
    `SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent FROM pg_constraint
     WHERE contype = 'f' AND connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`,
  );
  const shapes: TableShape[] = [];
  for (const table of tables) {
    const columns = await client.query<SnapshotColumn>(
      // Generated columns are computed again on restore, not carried.
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
       WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
      [table.oid],
    );
    const key = await client.query<{ name: string }>(
      `SELECT a.attname AS name FROM pg_index i JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON true
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
       WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.position`,
      [table.oid],
    );
    shapes.push({ name: table.name, columns, primaryKey: key.map((row) => row.name) });
  }
  const ordered: TableShape[] = [];
  const placed = new Set<string>();
  while (ordered.length < shapes.length) {
    const ready = shapes.filter(
      (shape) => !placed.has(shape.name) && references.every((ref) => ref.child !== shape.name || ref.parent === shape.name || placed.has(ref.parent)),
    );
    // A reference cycle cannot happen in this schema; place the rest in name order rather than loop.
    for (const shape of ready.length ? ready : shapes.filter((candidate) => !placed.has(candidate.name))) {
      ordered.push(shape);
      placed.add(shape.name);
    }
  }
  return ordered;
}

/** Session settings that make every value's text form independent of the server's configuration. */
export const PORTABLE_TEXT_SETTINGS = `SET LOCAL extra_float_digits = 1; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL TimeZone = 'UTC'; SET LOCAL IntervalStyle = 'postgres'`;

export interface DumpOptions {
  project: Pick<ProjectRecord, 'name' | 'root' | 'lastIndex'>;
  backend: 'embedded' | 'server';
  onProgress?: (progress: SnapshotProgress) => void;
}

export async function dumpProject(client: SqlClient, path: string, options: DumpOptions): Promise<DumpSummary> {
  const started = Date.now();
  const writer = new SnapshotWriter(path);
  try {
    const { rows, schemaVersion } = await client.transaction(async (tx) => {
      await tx.exec(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; ${PORTABLE_TEXT_SETTINGS}`);
      const migrations = await tx.query<{ version: number; description: string }>(
        `SELECT version, description FROM schema_migrations ORDER BY version`,
      );
      const schemaVersion = migrations.at(-1)?.version ?? 0;
      if (schemaVersion === 0) throw new Error('the database has no schema yet (nothing to back up)');
      const tables = (await projectTables(tx)).filter((table) => !NOT_DUMPED.has(table.name));
      const counted: { shape: TableShape; rows: number }[] = [];
      for (const shape of tables) {
        const [{ n }] = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdentifier(shape.name)}`);
        counted.push({ shape, rows: n });
      }
      const [embedderRow] = await tx.query<{ value: EmbedderInfo }>(`SELECT value FROM project_meta WHERE key = 'embedder'`);
      const [indexRow] = await tx.query(`SELECT 1 FROM pg_indexes WHERE indexname = $1`, [VECTOR_INDEX]);
      const header: SnapshotHeader = {
        format: SNAPSHOT_FORMAT,
        formatVersion: SNAPSHOT_FORMAT_VERSION,
        schemaVersion,
        migrations,
        createdAt: new Date().toISOString(),
        createdBy: codebaseMcpVersion(),
        source: { backend: options.backend },
        project: { name: options.project.name, root: options.project.root, ...(options.project.lastIndex ? { lastIndex: options.project.lastIndex } : {}) },
        embedder: embedderRow?.value ?? null,
        vectorIndex: indexRow !== undefined,
        tables: counted.map(({ shape, rows }) => ({ name: shape.name, columns: shape.columns, rows })),
      };
      await writer.header(header);
      const rows: Record<string, number> = {};
      for (const { shape, rows: total } of counted) rows[shape.name] = await dumpTable(tx, writer, shape, total, options.onProgress);
      return { rows, schemaVersion };
    });
    const { trailer, uncompressedBytes } = await writer.finish(rows);
    return { path, schemaVersion, rows, bytes: (await stat(path)).size, uncompressedBytes, trailer, durationMs: Date.now() - started };
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

async function dumpTable(
  tx: SqlClient,
  writer: SnapshotWriter,
  shape: TableShape,
  total: number,
  onProgress: DumpOptions['onProgress'],
): Promise<number> {
  const columns = shape.columns.map((column) => `${quoteIdentifier(column.name)}::text`).join(', ');
  // Primary-key order: the same index always gives the same file.
  const order = shape.primaryKey.length ? ` ORDER BY ${shape.primaryKey.map(quoteIdentifier).join(', ')}` : '';
  const vectorColumns = shape.columns.map((column) => isVectorType(column.type));
  await writer.startTable(shape.name);
  await tx.exec(`DECLARE snapshot_rows NO SCROLL CURSOR FOR SELECT ${columns} FROM ${quoteIdentifier(shape.name)}${order}`);
  let written = 0;
  onProgress?.({ table: shape.name, rowsDone: 0, rowsTotal: total });
  for (;;) {
    const batch = await tx.query<Record<string, string | null>>(`FETCH ${FETCH_ROWS} FROM snapshot_rows`);
    if (batch.length === 0) break;
    for (const row of batch) {
      const values = Object.values(row).map((value, index) => (value !== null && vectorColumns[index] ? vectorTextToBase64(value) : value));
      await writer.row(values);
    }
    written += batch.length;
    onProgress?.({ table: shape.name, rowsDone: written, rowsTotal: total });
  }
  await tx.exec('CLOSE snapshot_rows');
  await writer.endTable(shape.name, written);
  return written;
}
