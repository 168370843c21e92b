// Code-aware tokenization shared by full-text indexing, query parsing and the
// word-vector embedder, so that all three see identifiers the same way.

const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_$]*|[0-9]+/g;

/**
 * Splits one identifier into its lower-case word pieces:
 * `parseHTTPResponse2` → [parse, http, response, 2]; `MAX_RETRY_count` → [max, retry, count].
 */
export function splitIdentifier(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2') // fooBar → foo Bar
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2') // HTTPResponse → HTTP Response
    .replace(/([A-Za-z])([0-9])/g, '$1 $2') // utf8 → utf 8
    .replace(/([0-9])([A-Za-z])/g, '$1 $2')
    .split(/[\s_$]+/)
    .filter((piece) => piece.length > 0)
    .map((piece) => piece.toLowerCase());
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
      tokens.push(identifier.toLowerCase().replace(/[$]/g, ''));
    }
    tokens.push(...pieces);
  }
  return tokens;
}
