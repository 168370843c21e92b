// What happens when tree-sitter itself fails: the file is still chunked, as
// line windows, and nothing throws. Stubs the web-tree-sitter classes that
// treeSitter.ts uses (same module instance), so this runs in its own file.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Language, Parser } from 'web-tree-sitter';
import { assertPartition, assertWithinBounds } from './chunkAssertions.js';
import { chunkFile, DEFAULT_CHUNK_BOUNDS } from './chunkFile.js';

const python = Array.from({ length: 40 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join('\n');

test('a parser that throws gives line windows, and the next file parses normally', async () => {
  const parse = Parser.prototype.parse;
  Parser.prototype.parse = () => {
    throw new Error('scanner crashed');
  };
  try {
    const result = await chunkFile('crash.py', python);
    assert.equal(result.language, 'python');
    assert.equal(result.parser, 'lines');
    assertPartition(python, result.chunks);
    assertWithinBounds(result.chunks, DEFAULT_CHUNK_BOUNDS);
  } finally {
    Parser.prototype.parse = parse;
  }
  const next = await chunkFile('fine.py', python);
  assert.equal(next.parser, 'tree-sitter');
  assert.ok(next.chunks.some((chunk) => chunk.symbols.includes('f0')));
});

test('a grammar that fails to load gives line windows', async () => {
  const load = Language.load;
  Language.load = () => Promise.reject(new Error('bad wasm'));
  try {
    const content = 'local function add(a, b)\n  return a + b\nend\n';
    const result = await chunkFile('add.lua', content);
    assert.equal(result.language, 'lua');
    assert.equal(result.parser, 'lines');
    assertPartition(content, result.chunks);
  } finally {
    Language.load = load;
  }
});
