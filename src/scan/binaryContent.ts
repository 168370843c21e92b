// Decides whether bytes are text we can index, by sniffing their start the
// way git and ripgrep do rather than trusting the file extension.

/** How much of a file is inspected for binary content. */
export const BINARY_SNIFF_BYTES = 8 * 1024;

/** True if the first 8 KiB hold a NUL byte or are not valid UTF-8. */
export function looksBinary(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, BINARY_SNIFF_BYTES);
  if (head.includes(0)) return true;
  // `stream` tolerates a multi-byte character cut in half at the 8 KiB mark.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    decoder.decode(head, { stream: head.length < bytes.length });
    return false;
  } catch {
    return true;
  }
}

const lenientDecoder = new TextDecoder('utf-8');

/**
 * Decodes a file already judged to be text. A stray invalid byte past the
 * sniffed prefix becomes U+FFFD instead of failing the file; a UTF-8 BOM is dropped.
 */
export function decodeText(bytes: Uint8Array): string {
  return lenientDecoder.decode(bytes);
}
