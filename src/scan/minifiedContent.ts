// Recognises generated one-line blobs (minified bundles, inlined data) whose
// names do not give them away. They make useless chunks and noisy matches.

/** Below this size a file is indexed whatever its shape: small one-liners are harmless. */
export const MINIFIED_MIN_CHARS = 4 * 1024;
/**
 * Average characters per line above which text is treated as minified.
 * Hand-written code averages 30–50; prose with one paragraph per line stays
 * well under this, while minified bundles run to thousands.
 */
export const MINIFIED_AVERAGE_LINE_CHARS = 500;
/** A single line this long is generated, whatever the average says. */
export const MINIFIED_LONGEST_LINE_CHARS = 25_000;

export function looksMinified(text: string): boolean {
  if (text.length < MINIFIED_MIN_CHARS) return false;
  let lines = 1;
  let longestLine = 0;
  let lineStart = 0;
  for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', newline + 1)) {
    longestLine = Math.max(longestLine, newline - lineStart);
    lineStart = newline + 1;
    lines += 1;
  }
  longestLine = Math.max(longestLine, text.length - lineStart);
  return text.length / lines > MINIFIED_AVERAGE_LINE_CHARS || longestLine >= MINIFIED_LONGEST_LINE_CHARS;
}
