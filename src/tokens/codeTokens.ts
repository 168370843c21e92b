// Code-aware tokenization shared by full-text indexing, query parsing and the
// word-vector embedder, so that all three see identifiers the same way.

const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*|[0-9]+/g;

const enum Char {
  Other,
  Lower,
  Upper,
  Digit,
  Separator,
}

/** Character class of each ASCII code (identifiers are ASCII: IDENTIFIER). */
const CHAR_CLASS = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const c = String.fromCharCode(code);
  CHAR_CLASS[code] = /[a-z]/.test(c)
    ? Char.Lower
    : /[A-Z]/.test(c)
      ? Char.Upper
      : /[0-9]/.test(c)
        ? Char.Digit
        : /[\s_$]/.test(c)
          ? Char.Separator
          : Char.Other;
}

function charClass(text: string, index: number): Char {
  const code = text.charCodeAt(index);
  return code < 128 ? (CHAR_CLASS[code] as Char) : Char.Other;
}

/**
 * Splits one identifier into its lower-case word pieces:
 * `parseHTTPResponse2` → [parse, http, response, 2]; `MAX_RETRY_count` → [max, retry, count].
 * A piece starts where lower case or a digit meets upper case (`fooBar`), before
 * the last capital of a run that goes on in lower case (`HTTPResponse`), where
 * letters meet digits (`utf8`, `2d`), and after `_` or `$`. One pass over the
 * characters: this runs for every identifier of every chunk, indexed or embedded.
 */
export function splitIdentifier(identifier: string): string[] {
  const pieces: string[] = [];
  const length = identifier.length;
  let start = -1;
  let hasUpper = false;
  let previous = Char.Separator;
  for (let index = 0; index < length; index++) {
    const current = charClass(identifier, index);
    if (current === Char.Separator) {
      if (start >= 0) pieces.push(piece(identifier, start, index, hasUpper));
      start = -1;
      previous = current;
      continue;
    }
    const boundary =
      start >= 0 &&
      (((previous === Char.Lower || previous === Char.Digit) && current === Char.Upper) ||
        (previous === Char.Upper && current === Char.Upper && charClass(identifier, index + 1) === Char.Lower) ||
        ((previous === Char.Lower || previous === Char.Upper) && current === Char.Digit) ||
        (previous === Char.Digit && (current === Char.Lower || current === Char.Upper)));
    if (boundary) {
      pieces.push(piece(identifier, start, index, hasUpper));
      start = -1;
    }
    if (start < 0) {
      start = index;
      hasUpper = false;
    }
    // Non-ASCII letters (not in identifiers, but callers may pass any name) are lower-cased too.
    if (current === Char.Upper || current === Char.Other) hasUpper = true;
    previous = current;
  }
  if (start >= 0) pieces.push(piece(identifier, start, length, hasUpper));
  return pieces;
}

function piece(identifier: string, start: number, end: number, hasUpper: boolean): string {
  const text = start === 0 && end === identifier.length ? identifier : identifier.slice(start, end);
  return hasUpper ? text.toLowerCase() : text;
}

/** Raw identifiers and numbers in a text, in order. */
export function identifiersIn(text: string): string[] {
  return text.match(IDENTIFIER) ?? [];
}

/**
 * Lower-case word pieces of every identifier in `text`, in order. With
 * `keepWholeIdentifiers`, a compound identifier is also emitted whole
 * (`getusername` beside `get`, `user`, `name`) so an exact identifier query
 * still matches precisely.
 */
export function codeTokens(text: string, keepWholeIdentifiers = false): string[] {
  const tokens: string[] = [];
  for (const identifier of identifiersIn(text)) {
    const pieces = splitIdentifier(identifier);
    if (keepWholeIdentifiers && pieces.length > 1) {
      const whole = identifier.toLowerCase();
      tokens.push(whole.includes('$') ? whole.replace(/[$]/g, '') : whole);
    }
    tokens.push(...pieces);
  }
  return tokens;
}
