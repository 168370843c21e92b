// Line windows: the chunking for text without a grammar, and for code that
// has no syntax structure left to split at.

import type { ChunkUnit } from './chunkUnit.js';
import type { ChunkBounds, SourceLines } from './sourceLines.js';

/**
 * Splits rows start..end into windows within the bounds, ending a window after
 * a blank line when one lies in its second half. A line longer than maxChars
 * becomes a window of its own. The first window carries `head`; the rest keep
 * its symbol as the declaration they lie inside.
 */
export function lineWindows(
  source: SourceLines,
  start: number,
  end: number,
  bounds: ChunkBounds,
  head: Omit<ChunkUnit, 'start'> = { symbol: null, kind: null, inherited: false, symbols: [], startsSplit: false },
): ChunkUnit[] {
  const units: ChunkUnit[] = [];
  let windowStart = start;
  while (windowStart <= end) {
    units.push(
      units.length === 0
        ? { ...head, start: windowStart }
        : {
            start: windowStart,
            symbol: head.symbol,
            kind: head.kind,
            inherited: head.symbol !== null,
            symbols: [],
            startsSplit: false,
          },
    );
    const windowEnd = windowEndFrom(source, windowStart, end, bounds);
    windowStart = windowEnd + 1;
  }
  return units;
}

function windowEndFrom(source: SourceLines, start: number, end: number, bounds: ChunkBounds): number {
  let last = start;
  while (last < end && source.fits(start, last + 1, bounds)) last++;
  if (last === end || last === start) return last;
  // Leave the remainder at least minLines long, so the file does not end in a sliver.
  const tailFloor = end - bounds.minLines;
  if (tailFloor < last && tailFloor >= start + bounds.minLines - 1) last = tailFloor;
  for (let row = last; row >= start + Math.floor((last - start) / 2); row--) {
    if (source.isBlank(row)) return row;
  }
  return last;
}

const FENCE = /^\s{0,3}(```|~~~)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;

/**
 * Markdown split into sections at headings (outside fenced code), each section
 * named by its heading; sections too large for the bounds become windows.
 */
export function markdownSections(source: SourceLines, bounds: ChunkBounds): ChunkUnit[] {
  const headings: ChunkUnit[] = [];
  let fence: string | null = null;
  for (let row = 0; row < source.count; row++) {
    const line = source.lines[row];
    const fenceMatch = FENCE.exec(line);
    if (fenceMatch) {
      if (fence === null) fence = fenceMatch[1];
      else if (fence === fenceMatch[1]) fence = null;
      continue;
    }
    const heading = fence === null ? HEADING.exec(line) : null;
    if (heading && heading[2] !== '') {
      const title = heading[2];
      headings.push({ start: row, symbol: title, kind: 'section', inherited: false, symbols: [title], startsSplit: false });
    }
  }
  if (headings.length === 0 || headings[0].start > 0) {
    headings.unshift({ start: 0, symbol: null, kind: null, inherited: false, symbols: [], startsSplit: false });
  }
  return headings.flatMap((section, index) => {
    const end = index + 1 < headings.length ? headings[index + 1].start - 1 : source.count - 1;
    if (source.fits(section.start, end, bounds)) return [section];
    const { start, ...head } = section;
    return lineWindows(source, start, end, bounds, head);
  });
}
