// Assertions shared by the chunker's tests: the partition and size guarantees
// that every caller of chunkFile relies on.

import assert from 'node:assert/strict';
import type { Chunk } from './chunkFile.js';
import type { ChunkBounds } from './sourceLines.js';

/** Chunks are sorted, contiguous from line 1 to the last line, and hold exactly their lines. */
export function assertPartition(content: string, chunks: Chunk[], label = ''): void {
  if (content.trim() === '') {
    assert.equal(chunks.length, 0, `${label}: blank content gives no chunks`);
    return;
  }
  const lines = content.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  let expectedStart = 1;
  for (const chunk of chunks) {
    assert.equal(chunk.startLine, expectedStart, `${label}: chunk starts at ${chunk.startLine}, expected ${expectedStart}`);
    assert.ok(chunk.endLine >= chunk.startLine, `${label}: empty chunk at ${chunk.startLine}`);
    assert.equal(chunk.content, lines.slice(chunk.startLine - 1, chunk.endLine).join('\n'), `${label}: content of ${chunk.startLine}-${chunk.endLine}`);
    expectedStart = chunk.endLine + 1;
  }
  assert.equal(expectedStart - 1, lines.length, `${label}: chunks end at the last line`);
}

function lineCount(chunk: Chunk): number {
  return chunk.endLine - chunk.startLine + 1;
}

function fitTogether(first: Chunk, second: Chunk, bounds: ChunkBounds): boolean {
  return lineCount(first) + lineCount(second) <= bounds.maxLines
    && first.content.length + 1 + second.content.length <= bounds.maxChars;
}

/**
 * No chunk exceeds the bounds unless it is one line; a chunk under minLines
 * exists only when neither neighbour could take it in.
 */
export function assertWithinBounds(chunks: Chunk[], bounds: ChunkBounds, label = ''): void {
  chunks.forEach((chunk, index) => {
    const where = `${label}: chunk ${chunk.startLine}-${chunk.endLine}`;
    if (lineCount(chunk) > 1) {
      assert.ok(lineCount(chunk) <= bounds.maxLines, `${where} has ${lineCount(chunk)} lines`);
      assert.ok(chunk.content.length <= bounds.maxChars, `${where} has ${chunk.content.length} chars`);
    }
    if (lineCount(chunk) < bounds.minLines && chunks.length > 1) {
      const previous = chunks[index - 1];
      const next = chunks[index + 1];
      assert.ok(previous === undefined || !fitTogether(previous, chunk, bounds), `${where} is small but fits with the chunk before`);
      assert.ok(next === undefined || !fitTogether(chunk, next, bounds), `${where} is small but fits with the chunk after`);
    }
  });
}
