// Packs units into chunks, greedily in file order. Neighbours merge while the
// result stays within the bounds and either side is below minLines, or while a
// run of small units (each within a fifth of the bounds) stays within half the
// bounds: runs of short functions or imports share a chunk, while a declaration
// of medium size keeps a chunk of its own instead of absorbing unrelated
// neighbours. The header of a split declaration opens a chunk and takes its
// first member along; a chunk left under minLines finally joins the one before
// it when that fits.

import type { Chunk } from './chunkFile.js';
import type { ChunkUnit } from './chunkUnit.js';
import type { ChunkBounds, SourceLines } from './sourceLines.js';

interface Run {
  start: number;
  end: number;
  units: ChunkUnit[];
  allSmall: boolean;
  /** The run holds the header of a split declaration but none of its members yet. */
  awaitsMember: boolean;
}

function awaitsMember(run: Run | null, unit: ChunkUnit): boolean {
  if (unit.startsSplit) return true;
  if (unit.symbol !== null && !unit.inherited) return false;
  return run?.awaitsMember ?? false;
}

export function packUnits(units: ChunkUnit[], source: SourceLines, bounds: ChunkBounds): Chunk[] {
  const ends = units.map((_, index) => (index + 1 < units.length ? units[index + 1].start - 1 : source.count - 1));
  const runs: Run[] = [];
  units.forEach((unit, index) => {
    const end = ends[index];
    const last = runs[runs.length - 1];
    const small = isSmall(source, bounds, unit.start, end);
    if (last !== undefined && !keepApart(index) && shouldMerge(source, bounds, last, unit.start, end, small)) {
      last.end = end;
      last.units.push(unit);
      last.allSmall &&= small;
      last.awaitsMember = awaitsMember(last, unit);
    } else {
      runs.push({ start: unit.start, end, units: [unit], allSmall: small, awaitsMember: awaitsMember(null, unit) });
    }
  });
  return absorbSlivers(runs, source, bounds).map((run) => toChunk(run, source));

  /** Whether units[index] should open a chunk even though it could join the one before. */
  function keepApart(index: number): boolean {
    const unit = units[index];
    const last = runs[runs.length - 1];
    if (last === undefined || lineCount(last) < bounds.minLines) return false;
    // The head of a split declaration goes with its own first part.
    if (unit.startsSplit) return true;
    // A tiny declaration after a large one joins the small ones after it instead.
    const next = index + 1;
    return unit.symbol !== null && !unit.inherited && !isSmall(source, bounds, last.start, last.end)
      && ends[index] - unit.start + 1 < bounds.minLines
      && next < units.length && isSmall(source, bounds, units[next].start, ends[next])
      && source.fits(unit.start, ends[next], bounds);
  }
}

function lineCount(run: { start: number; end: number }): number {
  return run.end - run.start + 1;
}

function isSmall(source: SourceLines, bounds: ChunkBounds, start: number, end: number): boolean {
  return end - start + 1 <= bounds.maxLines / 5 && source.chars(start, end) <= bounds.maxChars / 5;
}

function shouldMerge(
  source: SourceLines,
  bounds: ChunkBounds,
  run: Run,
  start: number,
  end: number,
  small: boolean,
): boolean {
  if (!source.fits(run.start, end, bounds)) return false;
  if (lineCount(run) < bounds.minLines || end - start + 1 < bounds.minLines) return true;
  // The header of a split declaration takes its first member along.
  if (run.awaitsMember) return true;
  return run.allSmall && small
    && end - run.start + 1 <= bounds.maxLines / 2 && source.chars(run.start, end) <= bounds.maxChars / 2;
}

/** A run still under minLines joins the run before it when that fits (kept apart above to favour what follows). */
function absorbSlivers(runs: Run[], source: SourceLines, bounds: ChunkBounds): Run[] {
  const kept: Run[] = [];
  for (const run of runs) {
    const previous = kept[kept.length - 1];
    if (previous !== undefined && lineCount(run) < bounds.minLines && source.fits(previous.start, run.end, bounds)) {
      previous.end = run.end;
      previous.units.push(...run.units);
      previous.allSmall &&= run.allSmall;
      previous.awaitsMember = run.awaitsMember;
    } else {
      kept.push(run);
    }
  }
  return kept;
}

function toChunk(run: Run, source: SourceLines): Chunk {
  // A declaration that starts in the chunk names it; otherwise the one it lies inside.
  const named = run.units.find((unit) => unit.symbol !== null && !unit.inherited)
    ?? run.units.find((unit) => unit.symbol !== null);
  return {
    startLine: run.start + 1,
    endLine: run.end + 1,
    content: source.text(run.start, run.end),
    symbol: named?.symbol ?? null,
    kind: named?.kind ?? null,
    symbols: [...new Set(run.units.flatMap((unit) => unit.symbols))],
  };
}
