// Loads a snapshot into an empty database (a staging one: nothing is replaced
// until this has finished and verified it): the schema at the snapshot's
// version, the rows table by table, then the code's newer migrations, the
// vector index, and a verification — counts, the checksum, a search.
import { UserError } from '../errors/userError.js';
import { quoteIdentifier } from '../store/databaseNames.js';
import { applyMigrations, MIGRATIONS } from '../store/migrations.js';
import { ProjectStore } from '../store/projectStore.js';
import type { SqlClient } from '../store/sqlClient.js';
import { projectTables, codebaseMcpVersion, type SnapshotProgress, type TableShape } from './dumpProject.js';
import { isVectorType, snapshotError, vectorBase64ToText, type SnapshotColumn, type SnapshotHeader, type SnapshotLine, type SnapshotReader } from './snapshotFile.js';

const BATCH_ROWS = 500;
const BATCH_BYTES = 4 * 1024 * 1024;
/** A type name as format_type prints it; anything else in a header is refused rather than spliced into SQL. */
const TYPE_NAME = /^[a-z][a-z0-9 _]*(\(\d+(,\d+)?\))?(\[\])?$/;

export interface LoadSummary {
  /** The snapshot's schema version, and the version the restored project has now. */
  schemaVersion: number;
  migratedTo: number;
  rows: Record<string, number>;
  /** What was checked before the restore counted as good. */
  verified: string[];
}

export function snapshotTooNewError(path: string, header: SnapshotHeader, known: number): UserError {
  return new UserError(
    'SCHEMA_TOO_NEW',
    `Snapshot ${path} has schema version ${header.schemaVersion} (written by codebase-mcp ${header.createdBy}); this codebase-mcp (${codebaseMcpVersion()}) knows schema versions up to ${known}.`,
    `Restore it with codebase-mcp ${header.createdBy} or newer. Nothing was replaced.`,
  );
}

function checkType(path: string, column: SnapshotColumn): string {
  if (!TYPE_NAME.test(column.type)) throw snapshotError(path, `is damaged: column ${column.name} has an unknown type ${JSON.stringify(column.type)}.`);
  return column.type;
}

/** Columns the snapshot has and the schema lacks (the embedding column, added per model) are added with the snapshot's type. */
async function prepareTable(client: SqlClient, path: string, declared: SnapshotHeader['tables'][number], target: TableShape | undefined): Promise<void> {
  if (!target) throw snapshotError(path, `holds table ${declared.name}, which its schema version does not have: the file is damaged or was edited.`);
  const present = new Map(target.columns.map((column) => [column.name, column.type]));
  for (const column of declared.columns) {
    const type = checkType(path, column);
    const existing = present.get(column.name);
    if (existing === undefined) {
      await client.exec(`ALTER TABLE ${quoteIdentifier(declared.name)} ADD COLUMN ${quoteIdentifier(column.name)} ${type}`);
    } else if (existing !== type) {
      throw snapshotError(path, `has column ${declared.name}.${column.name} of type ${type}, but the schema at this version has ${existing}.`);
    }
  }
}

function insertSql(table: string, columns: SnapshotColumn[]): string {
  const names = columns.map((column) => quoteIdentifier(column.name)).join(', ');
  const casts = columns.map((column, index) => `v${index}::${column.type}`).join(', ');
  const arrays = columns.map((_, index) => `$${index + 1}::text[]`).join(', ');
  const aliases = columns.map((_, index) => `v${index}`).join(', ');
  // OVERRIDING SYSTEM VALUE: identity columns take the restored ids too.
  return `INSERT INTO ${quoteIdentifier(table)} (${names}) OVERRIDING SYSTEM VALUE SELECT ${casts} FROM unnest(${arrays}) AS u(${aliases})`;
}

/** Serial columns continue after the restored ids, so the next index run does not collide with them. */
async function resetSequences(client: SqlClient, tables: TableShape[]): Promise<void> {
  for (const table of tables) {
    for (const column of table.columns) {
      const [row] = await client.query<{ sequence: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS sequence', [quoteIdentifier(table.name), column.name]);
      if (!row?.sequence) continue;
      await client.query(
        `SELECT setval($1::regclass, coalesce((SELECT max(${quoteIdentifier(column.name)}) FROM ${quoteIdentifier(table.name)}), 0) + 1, false)`,
        [row.sequence],
      );
    }
  }
}

async function verifyBySearch(store: ProjectStore, client: SqlClient, header: SnapshotHeader): Promise<string> {
  const chunks = header.tables.find((table) => table.name === 'chunks')?.rows ?? 0;
  if (chunks === 0) return 'no chunks, so no search to try';
  const withVector = header.embedder && (await client.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'chunks' AND column_name = 'embedding'`)).length > 0;
  const [sample] = await client.query<{ id: string; embedding: string | null; lexemes: string[] }>(
    `SELECT id::text AS id, ${withVector ? 'embedding::text' : 'NULL::text'} AS embedding, tsvector_to_array(search_vector) AS lexemes FROM chunks
     ORDER BY ${withVector ? '(embedding IS NULL), ' : ''}id LIMIT 1`,
  );
  const done: string[] = [];
  const lexemes = sample.lexemes.slice(0, 3);
  if (lexemes.length > 0) {
    const hits = await store.matchingChunks(lexemes, 5, {});
    if (hits.length === 0) throw new Error(`a keyword search for ${lexemes.join(' ')} found nothing, though chunk ${sample.id} holds those words`);
    done.push(`keyword search for "${lexemes.join(' ')}" found ${hits.length}`);
  }
  if (sample.embedding) {
    const [nearest] = await store.nearestChunks(sample.embedding, 1, {});
    if (!nearest || nearest.value > 1e-4) throw new Error(`a vector search for chunk ${sample.id}'s own vector did not find it (distance ${nearest?.value ?? 'none'})`);
    done.push('vector search found a chunk by its own vector');
  }
  return done.join('; ');
}

/** Inserts each section's rows in batches (by count and by bytes). */
async function loadRows(
  client: SqlClient,
  header: SnapshotHeader,
  entries: AsyncGenerator<SnapshotLine, unknown>,
  onProgress: LoadOptions['onProgress'],
): Promise<void> {
  let table: SnapshotHeader['tables'][number] | null = null;
  let sql = '';
  let vectorColumns: boolean[] = [];
  let columnsOf: (string | null)[][] = [];
  let bufferedBytes = 0;
  let buffered = 0;
  let done = 0;
  const flush = async () => {
    if (buffered === 0 || !table) return;
    await client.query(sql, columnsOf);
    done += buffered;
    onProgress?.({ table: table.name, rowsDone: done, rowsTotal: table.rows });
    columnsOf = columnsOf.map(() => []);
    buffered = 0;
    bufferedBytes = 0;
  };
  for (;;) {
    const next = await entries.next();
    if (next.done) break;
    const entry = next.value;
    if (entry.kind === 'table') {
      table = header.tables.find((candidate) => candidate.name === entry.table) ?? null;
      const columns = (table as SnapshotHeader['tables'][number]).columns;
      sql = insertSql(entry.table, columns);
      vectorColumns = columns.map((column) => isVectorType(column.type));
      columnsOf = columns.map(() => []);
      done = 0;
    } else if (entry.kind === 'row') {
      entry.values.forEach((value, index) => {
        columnsOf[index].push(value !== null && vectorColumns[index] ? vectorBase64ToText(value) : value);
        bufferedBytes += value?.length ?? 0;
      });
      buffered++;
      if (buffered >= BATCH_ROWS || bufferedBytes >= BATCH_BYTES) await flush();
    } else {
      await flush();
    }
  }
}

export interface LoadOptions {
  onProgress?: (progress: SnapshotProgress) => void;
}

/**
 * Loads `reader` into `client`, an empty database, and leaves it at the
 * code's schema version. Throws on anything wrong with the file or the
 * result; the caller discards the database then.
 */
export async function loadSnapshot(reader: SnapshotReader, client: SqlClient, options: LoadOptions = {}): Promise<LoadSummary> {
  const { header, path } = reader;
  const migrations = MIGRATIONS;
  const known = migrations.at(-1)?.version ?? 0;
  if (header.schemaVersion > known) throw snapshotTooNewError(path, header, known);
  for (const migration of header.migrations) {
    if (!migrations.some((candidate) => candidate.version === migration.version)) {
      throw snapshotError(path, `was written with migration ${migration.version} (${migration.description}), which this codebase-mcp does not have.`, 'Restore it with the codebase-mcp version that wrote it.');
    }
  }
  await applyMigrations(client, migrations.filter((migration) => migration.version <= header.schemaVersion));
  const shapes = new Map((await projectTables(client)).map((shape) => [shape.name, shape]));
  for (const table of header.tables) await prepareTable(client, path, table, shapes.get(table.name));

  const entries = reader.entries();
  try {
    await loadRows(client, header, entries, options.onProgress);
  } catch (error) {
    // A damaged row can break a constraint before the checksum is reached:
    // read on, so the error names the damage rather than its symptom.
    if (!(error instanceof UserError)) for (;;) if ((await entries.next()).done) break;
    throw error;
  }
  // The checksum and the counts were checked when the last line was read.
  const verified = ['checksum', `row counts of ${header.tables.length} tables`];
  await resetSequences(client, [...shapes.values()]);
  const rows: Record<string, number> = {};
  for (const declared of header.tables) {
    const [{ n }] = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${quoteIdentifier(declared.name)}`);
    if (n !== declared.rows) throw new Error(`table ${declared.name} holds ${n} rows after loading, the snapshot ${declared.rows}`);
    rows[declared.name] = n;
  }
  // Restoring a snapshot of an older schema: migrate it like any project.
  // (The store wraps the caller's client: closing that is the caller's job.)
  const store = await ProjectStore.open(client);
  if (header.vectorIndex && header.embedder) await store.ensureVectorIndex();
  await store.analyze();
  verified.push(await verifyBySearch(store, client, header));
  return { schemaVersion: header.schemaVersion, migratedTo: known, rows, verified };
}
