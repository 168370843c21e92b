// The snapshot file: gzip'd JSON lines, written and read as a stream so a
// project of any size never has to fit in memory.
//
//   {"header": {...}}                       format, schema version, project, tables with their columns, row counts
//   {"table": "files"}                      a section per table, in restore order
//   ["1", "src/a.py", ...]                  one row per line: each value as PostgreSQL text, vectors as base64 float32
//   {"end": "files", "rows": 120}
//   ...
//   {"trailer": {"rows": {...}, "dataSha256": "...", "sha256": "..."}}
//
// sha256 covers every line before the trailer (the header included),
// dataSha256 only the table sections: two snapshots of the same index have
// the same dataSha256 whenever and wherever they were taken.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { z } from 'zod';
import { UserError } from '../errors/userError.js';

export const SNAPSHOT_FORMAT = 'codebase-mcp-snapshot';
export const SNAPSHOT_FORMAT_VERSION = 1;

const columnSchema = z.object({ name: z.string().min(1), type: z.string().min(1) });

export const snapshotHeaderSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  formatVersion: z.literal(SNAPSHOT_FORMAT_VERSION),
  schemaVersion: z.number().int().min(1),
  /** The migrations the source had applied, for people reading the header. */
  migrations: z.array(z.object({ version: z.number().int(), description: z.string() })),
  createdAt: z.string(),
  /** The codebase-mcp version that wrote it. */
  createdBy: z.string(),
  source: z.object({ backend: z.enum(['embedded', 'server']) }),
  project: z.object({
    name: z.string().min(1),
    root: z.string(),
    lastIndex: z
      .object({ finishedAt: z.string(), files: z.number(), chunks: z.number(), durationMs: z.number() })
      .optional(),
  }),
  embedder: z.object({ id: z.string(), dimensions: z.number().int().positive() }).nullable(),
  /** Whether the source had its vector index: the restore builds it again. */
  vectorIndex: z.boolean(),
  tables: z.array(z.object({ name: z.string().min(1), columns: z.array(columnSchema).min(1), rows: z.number().int().min(0) })),
});

export type SnapshotHeader = z.infer<typeof snapshotHeaderSchema>;
export type SnapshotColumn = z.infer<typeof columnSchema>;

export interface SnapshotTrailer {
  rows: Record<string, number>;
  dataSha256: string;
  sha256: string;
}

/** Line kinds after the header. */
export type SnapshotLine =
  | { kind: 'table'; table: string }
  | { kind: 'row'; values: (string | null)[] }
  | { kind: 'end'; table: string; rows: number };

/** pgvector columns travel as base64 little-endian float32: exact, and a third of their text size. */
export function isVectorType(type: string): boolean {
  return /^vector(\(\d+\))?$/.test(type);
}

export function vectorTextToBase64(text: string): string {
  const values = text.slice(1, -1).split(',');
  const floats = new Float32Array(values.length);
  for (let index = 0; index < values.length; index++) floats[index] = Number(values[index]);
  return Buffer.from(floats.buffer).toString('base64');
}

/** Back to pgvector text input; each float32 printed exactly, so the vector is bit-for-bit the same. */
export function vectorBase64ToText(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return `[${Array.from(floats).join(',')}]`;
}

export function snapshotError(path: string, problem: string, hint = 'Take the backup again (codebase-mcp backup <project> --out FILE), or use another copy of it.'): UserError {
  return new UserError('SNAPSHOT_INVALID', `Snapshot ${path} ${problem}`, `${hint} Nothing was replaced.`);
}

/** Writes a snapshot to `path` via a temporary file: a failed backup leaves no half-written file. */
export class SnapshotWriter {
  private readonly gzip = createGzip({ level: 6 });
  private readonly done: Promise<void>;
  private readonly all: Hash = createHash('sha256');
  private readonly data: Hash = createHash('sha256');
  private readonly temporary: string;
  private bytesIn = 0;

  constructor(private readonly path: string) {
    this.temporary = `${path}.tmp-${process.pid}`;
    this.done = pipeline(this.gzip, createWriteStream(this.temporary));
    // Until finish() or abort() awaits it, a write error must not go unhandled.
    this.done.catch(() => {});
  }

  private async line(text: string, isData: boolean): Promise<void> {
    const line = `${text}\n`;
    this.all.update(line);
    if (isData) this.data.update(line);
    this.bytesIn += Buffer.byteLength(line);
    if (!this.gzip.write(line)) await Promise.race([once(this.gzip, 'drain'), this.done]);
  }

  header(header: SnapshotHeader): Promise<void> {
    return this.line(JSON.stringify({ header }), false);
  }

  startTable(table: string): Promise<void> {
    return this.line(JSON.stringify({ table }), true);
  }

  row(values: (string | null)[]): Promise<void> {
    return this.line(JSON.stringify(values), true);
  }

  endTable(table: string, rows: number): Promise<void> {
    return this.line(JSON.stringify({ end: table, rows }), true);
  }

  /** Writes the trailer and moves the file into place; returns the trailer and the uncompressed size. */
  async finish(rows: Record<string, number>): Promise<{ trailer: SnapshotTrailer; uncompressedBytes: number }> {
    const trailer: SnapshotTrailer = { rows, dataSha256: this.data.digest('hex'), sha256: this.all.digest('hex') };
    this.gzip.end(`${JSON.stringify({ trailer })}\n`);
    await this.done;
    await rename(this.temporary, this.path);
    return { trailer, uncompressedBytes: this.bytesIn };
  }

  async abort(): Promise<void> {
    this.gzip.destroy();
    await this.done.catch(() => {});
    await rm(this.temporary, { force: true });
  }
}

/** Lines of a gzip'd file, decoded as UTF-8; a damaged or cut-off file rejects with the reason. */
async function* gzipLines(path: string): AsyncGenerator<string> {
  const gunzip = createGunzip();
  const source = createReadStream(path);
  const piping = pipeline(source, gunzip);
  piping.catch(() => {});
  gunzip.setEncoding('utf8');
  let pending = '';
  for await (const chunk of gunzip as AsyncIterable<string>) {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      yield pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
  }
  await piping;
  if (pending.length > 0) yield pending;
}

function describeReadError(path: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return snapshotError(path, 'does not exist.', 'Check the path of the snapshot file.');
  if (code === 'EISDIR') return snapshotError(path, 'is a directory, not a snapshot file.', 'Pass the file written by codebase-mcp backup.');
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test((error as Error).message)) {
    return snapshotError(path, 'is truncated: it ends in the middle of its compressed data.');
  }
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return snapshotError(path, `is not a readable snapshot: its gzip data is damaged or it is not gzip at all (${(error as Error).message}).`);
  }
  return snapshotError(path, `could not be read: ${(error as Error).message}.`);
}

function parseLine(path: string, text: string, lineNumber: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw snapshotError(path, `is damaged: line ${lineNumber} is not JSON.`);
  }
}

/**
 * Reads a snapshot as a stream: the header first, then every line, checking
 * as it goes that sections are well formed and, at the end, that the row
 * counts and the checksum match the trailer. Any mismatch throws
 * SNAPSHOT_INVALID; a consumer must treat what it loaded as void until the
 * iteration has finished.
 */
export class SnapshotReader {
  private constructor(
    readonly path: string,
    readonly header: SnapshotHeader,
    private readonly lines: AsyncGenerator<string>,
    private readonly headerLine: string,
  ) {}

  static async open(path: string): Promise<SnapshotReader> {
    const lines = gzipLines(path);
    let first: IteratorResult<string>;
    try {
      first = await lines.next();
    } catch (error) {
      throw describeReadError(path, error);
    }
    if (first.done) throw snapshotError(path, 'is empty.');
    const parsed = parseLine(path, first.value, 1) as { header?: unknown };
    const header = snapshotHeaderSchema.safeParse(parsed?.header);
    if (!header.success) {
      const format = (parsed?.header as { format?: unknown; formatVersion?: unknown } | undefined) ?? {};
      if (format.format === SNAPSHOT_FORMAT && format.formatVersion !== SNAPSHOT_FORMAT_VERSION) {
        throw snapshotError(
          path,
          `has snapshot format version ${String(format.formatVersion)}; this codebase-mcp reads version ${SNAPSHOT_FORMAT_VERSION}.`,
          'Restore it with the codebase-mcp version that wrote it (its header says which), or upgrade codebase-mcp.',
        );
      }
      throw snapshotError(path, `is not a codebase-mcp snapshot (its first line is not a valid header: ${header.error.issues[0]?.message ?? 'unknown'}).`, 'Pass a file written by codebase-mcp backup.');
    }
    return new SnapshotReader(path, header.data, lines, first.value);
  }

  /** Stops reading early (after an error elsewhere). */
  async close(): Promise<void> {
    await this.lines.return(undefined).catch(() => {});
  }

  async *entries(): AsyncGenerator<SnapshotLine, SnapshotTrailer> {
    const all = createHash('sha256').update(`${this.headerLine}\n`);
    const data = createHash('sha256');
    const counted: Record<string, number> = {};
    const expected = new Map(this.header.tables.map((table) => [table.name, table]));
    let current: { table: string; rows: number; width: number } | null = null;
    let lineNumber = 1;
    let trailer: SnapshotTrailer | null = null;
    try {
      for await (const text of this.lines) {
        lineNumber++;
        if (trailer) throw snapshotError(this.path, `is damaged: line ${lineNumber} follows the trailer.`);
        const value = parseLine(this.path, text, lineNumber);
        if (Array.isArray(value)) {
          if (!current) throw snapshotError(this.path, `is damaged: line ${lineNumber} is a row outside any table section.`);
          if (value.length !== current.width || !value.every((item) => item === null || typeof item === 'string')) {
            throw snapshotError(this.path, `is damaged: line ${lineNumber} is not a row of ${current.width} values of table ${current.table}.`);
          }
          current.rows++;
        } else if (value && typeof value === 'object' && 'trailer' in value) {
          if (current) throw snapshotError(this.path, `is truncated: table ${current.table} has no end.`);
          trailer = (value as { trailer: SnapshotTrailer }).trailer;
          continue;
        } else if (value && typeof value === 'object' && 'table' in value) {
          const table = String((value as { table: unknown }).table);
          const declared = expected.get(table);
          if (current || !declared || table in counted) throw snapshotError(this.path, `is damaged: unexpected section ${table} at line ${lineNumber}.`);
          current = { table, rows: 0, width: declared.columns.length };
        } else if (value && typeof value === 'object' && 'end' in value) {
          const end = value as { end: unknown; rows: unknown };
          if (!current || end.end !== current.table || end.rows !== current.rows) {
            throw snapshotError(this.path, `is damaged: section end at line ${lineNumber} does not match the rows read.`);
          }
          counted[current.table] = current.rows;
        } else {
          throw snapshotError(this.path, `is damaged: line ${lineNumber} is not a snapshot line.`);
        }
        all.update(`${text}\n`);
        data.update(`${text}\n`);
        if (Array.isArray(value)) yield { kind: 'row', values: value as (string | null)[] };
        else if ('table' in (value as object)) yield { kind: 'table', table: (current as { table: string }).table };
        else {
          const ended = current as { table: string; rows: number };
          current = null;
          yield { kind: 'end', table: ended.table, rows: ended.rows };
        }
      }
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw describeReadError(this.path, error);
    }
    if (!trailer) throw snapshotError(this.path, 'is truncated: it ends before its trailer (the backup was cut off or the file was shortened).');
    if (trailer.sha256 !== all.digest('hex') || trailer.dataSha256 !== data.digest('hex')) {
      throw snapshotError(this.path, 'fails its checksum: its content was changed or damaged after it was written.');
    }
    for (const table of this.header.tables) {
      if (counted[table.name] !== table.rows || trailer.rows?.[table.name] !== table.rows) {
        throw snapshotError(this.path, `is inconsistent: table ${table.name} should have ${table.rows} rows, the file holds ${counted[table.name] ?? 0}.`);
      }
    }
    return trailer;
  }
}
