// PostgreSQL's binary COPY format, for the chunk rows of a write: the
// database then parses neither vector literals nor tsvector literals (on
// PGlite's one WASM thread that parsing was over half of the write cost), and
// node escapes no text. Layout: PostgreSQL's "COPY … FORMAT binary" (an
// 11-byte signature, flags, extension length; per row a field count and
// length-prefixed fields in each type's send/recv format; a -1 trailer).

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** tsvector position weights in WordEntryPos's top two bits: A 3, B 2, C 1, D 0. */
const WEIGHT_BITS: Record<string, number> = { A: 3 << 14, B: 2 << 14, C: 1 << 14, D: 0 };
const MAX_POSITION = 16383;

/** Grows as rows are appended; `finish` returns the whole COPY payload. */
export class BinaryCopyWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(Math.max(initialBytes, 64));
    SIGNATURE.copy(this.buffer, 0);
    this.length = SIGNATURE.length;
    this.int32(0); // flags
    this.int32(0); // header extension length
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  private int16(value: number): void {
    this.reserve(2);
    this.buffer.writeInt16BE(value, this.length);
    this.length += 2;
  }

  private int32(value: number): void {
    this.reserve(4);
    this.buffer.writeInt32BE(value, this.length);
    this.length += 4;
  }

  row(fields: number): this {
    this.int16(fields);
    return this;
  }

  null(): this {
    this.int32(-1);
    return this;
  }

  integer(value: number): this {
    this.int32(4);
    this.int32(value);
    return this;
  }

  text(value: string | null): this {
    if (value === null) return this.null();
    const bytes = Buffer.byteLength(value);
    this.reserve(4 + bytes);
    this.buffer.writeInt32BE(bytes, this.length);
    this.buffer.write(value, this.length + 4, bytes, 'utf8');
    this.length += 4 + bytes;
    return this;
  }

  /** pgvector's vector_recv: int16 dimensions, int16 unused, float4 each. */
  vector(values: ArrayLike<number> | null): this {
    if (values === null) return this.null();
    const bytes = 4 + 4 * values.length;
    this.int32(bytes);
    this.reserve(bytes);
    this.buffer.writeInt16BE(values.length, this.length);
    this.buffer.writeInt16BE(0, this.length + 2);
    let offset = this.length + 4;
    for (let index = 0; index < values.length; index++, offset += 4) {
      const value = values[index];
      this.buffer.writeFloatBE(Number.isFinite(value) ? value : 0, offset);
    }
    this.length += bytes;
    return this;
  }

  /**
   * tsvector_recv: int32 entries; per entry the lexeme (NUL-terminated),
   * uint16 positions and each position with its weight bits. Positions must
   * rise strictly: ones clamped to the maximum collapse into one.
   */
  tsvector(entries: readonly TsvectorEntry[]): this {
    const start = this.length;
    this.int32(0); // length, filled in below
    this.int32(entries.length);
    for (const { lexeme, positions } of entries) {
      const bytes = Buffer.byteLength(lexeme);
      this.reserve(bytes + 3 + 2 * positions.length);
      this.buffer.write(lexeme, this.length, bytes, 'utf8');
      this.buffer[this.length + bytes] = 0;
      const countAt = this.length + bytes + 1;
      this.length = countAt + 2;
      let count = 0;
      let previous = 0;
      for (const encoded of positions) {
        const position = Math.min(encoded & 0x3fff, MAX_POSITION);
        if (position <= previous) continue;
        previous = position;
        this.buffer.writeUInt16BE((encoded & 0xc000) | position, this.length);
        this.length += 2;
        count++;
      }
      this.buffer.writeUInt16BE(count, countAt);
    }
    this.buffer.writeInt32BE(this.length - start - 4, start);
    return this;
  }

  finish(): Buffer {
    this.int16(-1);
    return this.buffer.subarray(0, this.length);
  }
}

/** One lexeme of a tsvector and its positions, each `position | weight bits` (tsvectorPosition). */
export interface TsvectorEntry {
  lexeme: string;
  positions: number[];
}

/** A position with its weight letter (A–D) in tsvector_recv's encoding. */
export function tsvectorPosition(position: number, weight: 'A' | 'B' | 'C' | 'D'): number {
  return WEIGHT_BITS[weight] | Math.min(position, MAX_POSITION);
}

/**
 * Visits each lexeme of a tsvector's text form (`'lexeme':1A,5 'other'`, as
 * fieldTsvector writes it and PostgreSQL prints it: `''` and `\\` escaped, weight
 * D left out) with its positions in tsvectorPosition's encoding. A character
 * loop: three times faster than a regular expression with splits, and both the
 * chunk COPY and the keyword postings read every chunk's tsvector.
 */
export function visitTsvector(text: string, visit: (lexeme: string, positions: number[]) => void): void {
  let at = 0;
  while (at < text.length) {
    if (text[at] !== "'") {
      at++;
      continue;
    }
    let lexeme = '';
    at++;
    for (;;) {
      const char = text[at];
      if (char === "'" && text[at + 1] === "'") {
        lexeme += "'";
        at += 2;
      } else if (char === '\\') {
        lexeme += text[at + 1];
        at += 2;
      } else if (char === "'" || char === undefined) {
        at++;
        break;
      } else {
        lexeme += char;
        at++;
      }
    }
    const positions: number[] = [];
    if (text[at] === ':') {
      at++;
      while (at < text.length && text[at] !== ' ') {
        let position = 0;
        while (text[at] >= '0' && text[at] <= '9') position = position * 10 + (text.charCodeAt(at++) - 48);
        const weight = WEIGHT_BITS[text[at]];
        if (weight !== undefined) at++;
        positions.push((weight ?? 0) | Math.min(position, MAX_POSITION));
        if (text[at] === ',') at++;
      }
    }
    visit(lexeme, positions);
  }
}

/** Reads a tsvector literal of the form fieldTsvector writes (`'lexeme':1A,5D 'other':2B`). */
export function parseTsvectorLiteral(literal: string): TsvectorEntry[] {
  const entries: TsvectorEntry[] = [];
  visitTsvector(literal, (lexeme, positions) => entries.push({ lexeme, positions }));
  return entries;
}

/**
 * The numbers of a pgvector text literal (`[0.1,0.2]`). Sliced at each comma
 * rather than split into an array: half the cost (10 against 21 µs for 128
 * numbers), which a read of 455k vectors into memory pays for each.
 */
export function parseVectorLiteral(literal: string): Float32Array {
  let start = 0;
  let end = literal.length;
  while (start < end && literal.charCodeAt(start) <= 32) start++;
  while (end > start && literal.charCodeAt(end - 1) <= 32) end--;
  if (literal.charCodeAt(start) === 91 /* [ */) start++;
  if (end > start && literal.charCodeAt(end - 1) === 93 /* ] */) end--;
  if (start >= end) return new Float32Array(0);
  let count = 1;
  for (let comma = literal.indexOf(',', start); comma !== -1 && comma < end; comma = literal.indexOf(',', comma + 1)) count++;
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) {
    let comma = literal.indexOf(',', start);
    if (comma === -1 || comma > end) comma = end;
    values[index] = Number(literal.slice(start, comma));
    start = comma + 1;
  }
  return values;
}
