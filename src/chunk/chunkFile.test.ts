import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertPartition, assertWithinBounds } from './chunkAssertions.js';
import { chunkFile, DEFAULT_CHUNK_BOUNDS, type Chunk } from './chunkFile.js';

function lines(...rows: string[]): string {
  return rows.join('\n') + '\n';
}

/** Line number (1-based) of the first line containing `text`. */
function lineOf(content: string, text: string): number {
  const index = content.split('\n').findIndex((line) => line.includes(text));
  assert.ok(index >= 0, `"${text}" not in content`);
  return index + 1;
}

function chunkNamed(chunks: Chunk[], symbol: string): Chunk {
  const chunk = chunks.find((candidate) => candidate.symbol === symbol);
  assert.ok(chunk, `no chunk named ${symbol}; got ${chunks.map((c) => c.symbol).join(', ')}`);
  return chunk;
}

/** Deterministic pseudo-random numbers (LCG), so generated files are the same every run. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}

/** A ~2,000-line Python module: imports, decorated classes with methods of varied size, nested and tiny functions, long lines. */
function generatePython(targetLines: number, seed: number): string {
  const random = seededRandom(seed);
  const out = ['"""Generated module."""', 'import os', 'import sys', 'from typing import Any', '', ''];
  let index = 0;
  while (out.length < targetLines) {
    const shape = random();
    if (shape < 0.45) {
      out.push('@register', `class Service${index}(Base):`, `    """Service number ${index}."""`, '', '    retries = 3', '');
      const methods = 1 + Math.floor(random() * 8);
      for (let m = 0; m < methods; m++) {
        out.push(`    def method_${m}(self, value: int) -> int:`);
        const body = 1 + Math.floor(random() * 30);
        for (let s = 0; s < body; s++) {
          if (random() < 0.15) out.push(`        if value > ${s}:`, `            value -= ${s}`);
          else out.push(`        value = value * ${s} + self.retries  # step ${s}`);
        }
        out.push('        return value', '');
      }
    } else if (shape < 0.7) {
      out.push(`def helper_${index}(a, b):`, '    return a + b', '');
    } else if (shape < 0.85) {
      out.push(`def outer_${index}(items):`, '    # A nested helper.', '    def inner(item):', '        return item * 2', '');
      const body = Math.floor(random() * 90);
      for (let s = 0; s < body; s++) out.push(`    items = [inner(x) for x in items if x != ${s}]`);
      out.push('    return items', '');
    } else if (shape < 0.95) {
      out.push(`TABLE_${index} = {`);
      for (let s = 0; s < 20; s++) out.push(`    "key_${s}": ${s},`);
      out.push('}', '');
    } else {
      out.push(`LONG_${index} = "${'x'.repeat(3000)}"`, '');
    }
    index++;
  }
  return out.join('\n') + '\n';
}

/** A ~1,000-line TypeScript module with interfaces, classes, exported functions and arrow functions. */
function generateTypeScript(targetLines: number, seed: number): string {
  const random = seededRandom(seed);
  const out = ["import { readFile } from 'node:fs/promises';", "import type { Config } from './config.js';", ''];
  let index = 0;
  while (out.length < targetLines) {
    const shape = random();
    if (shape < 0.4) {
      out.push(`/** Store number ${index}. */`, `export class Store${index} {`, '  private readonly items = new Map<string, number>();', '');
      const methods = 1 + Math.floor(random() * 6);
      for (let m = 0; m < methods; m++) {
        out.push(`  async load${m}(key: string): Promise<number> {`);
        const body = 1 + Math.floor(random() * 20);
        for (let s = 0; s < body; s++) out.push(`    const value${s} = (this.items.get(key) ?? 0) + ${s};`);
        out.push('    return 0;', '  }', '');
      }
      out.push('}', '');
    } else if (shape < 0.6) {
      out.push(`export interface Options${index} {`, '  name: string;', '  retries?: number;', '}', '');
    } else if (shape < 0.85) {
      out.push(`export const compute${index} = (input: number): number => input * ${index};`, '');
    } else {
      out.push(`export function process${index}(config: Config): string[] {`, '  const result: string[] = [];');
      const body = Math.floor(random() * 80);
      for (let s = 0; s < body; s++) out.push(`  result.push(config.name + '${s}');`);
      out.push('  return result;', '}', '');
    }
    index++;
  }
  return out.join('\n') + '\n';
}

test('a generated 2,000-line Python file is partitioned within the size bounds', async () => {
  const content = generatePython(2000, 42);
  const { chunks, parser } = await chunkFile('generated.py', content);
  assert.equal(parser, 'tree-sitter');
  assertPartition(content, chunks, 'generated.py');
  assertWithinBounds(chunks, DEFAULT_CHUNK_BOUNDS, 'generated.py');
  assert.ok(chunks.length > 30, `only ${chunks.length} chunks`);
});

test('a generated 1,000-line TypeScript file is partitioned within the size bounds', async () => {
  const content = generateTypeScript(1000, 7);
  const { chunks, parser } = await chunkFile('generated.ts', content);
  assert.equal(parser, 'tree-sitter');
  assertPartition(content, chunks, 'generated.ts');
  assertWithinBounds(chunks, DEFAULT_CHUNK_BOUNDS, 'generated.ts');
});

test('other size bounds are respected too', async () => {
  const content = generatePython(600, 3);
  for (const bounds of [
    { maxLines: 20, maxChars: 800, minLines: 3 },
    { maxLines: 100, maxChars: 5000, minLines: 10 },
    { maxLines: 5, maxChars: 400, minLines: 1 },
  ]) {
    const { chunks } = await chunkFile('generated.py', content, bounds);
    assertPartition(content, chunks, JSON.stringify(bounds));
    assertWithinBounds(chunks, bounds, JSON.stringify(bounds));
  }
});

test('a large class splits into chunks per method, the header going with the first piece', async () => {
  const methods = Array.from({ length: 8 }, (_, m) => [
    `    def method_${m}(self, value):`,
    ...Array.from({ length: 12 }, (_, s) => `        value = value + ${s}  # adjust ${m}.${s}`),
    '        return value',
    '',
  ]).flat();
  const content = lines('import math', '', '', 'class Big:', '    """A class too big for one chunk."""', '', ...methods);
  const { chunks } = await chunkFile('big.py', content);
  assertPartition(content, chunks);

  assert.ok(chunks.length >= 4, `expected several chunks, got ${chunks.length}`);
  const first = chunks[0];
  assert.equal(first.symbol, 'Big');
  assert.equal(first.kind, 'class');
  assert.ok(first.content.includes('class Big:') && first.content.includes('def method_0'), 'header shares the first piece');

  for (let m = 1; m < 8; m++) {
    const chunk = chunkNamed(chunks, `Big.method_${m}`);
    assert.equal(chunk.kind, 'method');
    assert.equal(chunk.startLine, lineOf(content, `def method_${m}(`));
    assert.deepEqual(chunk.symbols, [`Big.method_${m}`]);
  }
});

test('a giant function splits at statement boundaries and every piece keeps its name', async () => {
  const body = Array.from({ length: 200 }, (_, s) =>
    s % 10 === 0 ? [`    if total > ${s}:`, `        total -= ${s}`] : [`    total += compute(${s})`]).flat();
  const content = lines('def giant(total):', ...body, '    return total');
  const { chunks } = await chunkFile('giant.py', content);
  assertPartition(content, chunks);
  assertWithinBounds(chunks, DEFAULT_CHUNK_BOUNDS);

  assert.ok(chunks.length >= 4);
  assert.deepEqual(chunks[0].symbols, ['giant']);
  for (const chunk of chunks) {
    assert.equal(chunk.symbol, 'giant');
    assert.equal(chunk.kind, 'function');
  }
  // An `if` and the line it guards are one statement: no chunk starts inside it.
  for (const chunk of chunks.slice(1)) {
    assert.match(chunk.content.split('\n')[0], /^ {4}\S/, `chunk ${chunk.startLine} starts mid-statement`);
  }
});

test('tiny neighbouring functions merge into one chunk', async () => {
  const content = lines(
    'export function one(): number { return 1; }',
    'export function two(): number { return 2; }',
    'export function three(): number { return 3; }',
    '',
    'export function four(): number {',
    '  return 4;',
    '}',
    'export function five(): number { return 5; }',
  );
  const { chunks } = await chunkFile('tiny.ts', content);
  assert.equal(chunks.length, 1);
  assert.equal(chunks[0].symbol, 'one');
  assert.deepEqual(chunks[0].symbols, ['one', 'two', 'three', 'four', 'five']);
});

test('medium-sized functions keep chunks of their own', async () => {
  const fn = (name: string) => [
    `def ${name}(rows):`,
    ...Array.from({ length: 14 }, (_, s) => `    rows = [row for row in rows if row != ${s}]`),
    '    return rows',
    '',
  ];
  const content = lines(...fn('first'), ...fn('second'), ...fn('third'));
  const { chunks } = await chunkFile('medium.py', content);
  assert.deepEqual(chunks.map((chunk) => chunk.symbol), ['first', 'second', 'third']);
});

test('decorators and doc comments stay with the declaration they precede', async () => {
  const filler = Array.from({ length: 12 }, (_, s) => `    x = x + ${s}`);
  const python = lines('import functools', '', '', ...['a', 'b'].flatMap((name) => [
    '@functools.cache',
    '@trace("calls")',
    `def ${name}(x):`,
    ...filler,
    '    return x',
    '',
  ]));
  const pyChunks = (await chunkFile('decorated.py', python, { maxLines: 16, minLines: 1 })).chunks;
  assert.equal(chunkNamed(pyChunks, 'b').startLine, lineOf(python, 'def b(') - 2);

  const typescript = lines(
    'const limit = 3;',
    '',
    '/**',
    ' * Retries an action.',
    ' */',
    'export async function retry(action: () => Promise<void>): Promise<void> {',
    ...Array.from({ length: 10 }, (_, s) => `  await action(); // attempt ${s}`),
    '}',
    '',
    '// Counts to the limit.',
    'export function count(): number {',
    ...Array.from({ length: 10 }, (_, s) => `  console.log(${s});`),
    '  return limit;',
    '}',
  );
  const tsChunks = (await chunkFile('retry.ts', typescript, { maxLines: 16, minLines: 1 })).chunks;
  assert.equal(chunkNamed(tsChunks, 'retry').startLine, lineOf(typescript, '/**'));
  assert.equal(chunkNamed(tsChunks, 'count').startLine, lineOf(typescript, '// Counts to the limit.'));

  const rust = lines(
    'use std::fmt;',
    '',
    '/// A point.',
    '#[derive(Debug)]',
    '#[allow(dead_code)]',
    'pub struct Point {',
    ...Array.from({ length: 10 }, (_, s) => `    pub f${s}: i64,`),
    '}',
  );
  const rustChunks = (await chunkFile('point.rs', rust, { maxLines: 14, minLines: 1 })).chunks;
  assert.equal(chunkNamed(rustChunks, 'Point').startLine, lineOf(rust, '/// A point.'));
});

test('a comment separated by a blank line does not attach to the next declaration', async () => {
  const filler = Array.from({ length: 10 }, (_, s) => `  step(${s});`);
  const content = lines('// Section: helpers', '', 'function first() {', ...filler, '}', '', 'function second() {', ...filler, '}');
  const { chunks } = await chunkFile('section.js', content, { maxLines: 13, minLines: 1 });
  assert.equal(chunkNamed(chunks, 'second').startLine, lineOf(content, 'function second'));
});

test('syntax errors still give a full partition and the intact declarations', async () => {
  const content = lines(
    'def before(x):',
    '    return x + 1',
    '',
    'def broken(x)',
    '    y = x +',
    '    return y',
    '',
    ...Array.from({ length: 80 }, (_, s) => `value_${s} = compute(${s})`),
    '',
    'def after(y):',
    '    return y * 2',
  );
  const result = await chunkFile('broken.py', content);
  assert.equal(result.parser, 'tree-sitter');
  assertPartition(content, result.chunks);
  assertWithinBounds(result.chunks, DEFAULT_CHUNK_BOUNDS);
  const symbols = result.chunks.flatMap((chunk) => chunk.symbols);
  assert.ok(symbols.includes('before'));
  assert.ok(symbols.includes('after'));

  // An error that swallows the rest of the file still leaves every line in a chunk.
  const swallowed = lines('function ok() {', '  return 1;', '}', 'function broken( {', ...Array.from({ length: 150 }, (_, s) => `  const v${s} = ;`));
  const swallowedResult = await chunkFile('broken.ts', swallowed);
  assertPartition(swallowed, swallowedResult.chunks);
  assertWithinBounds(swallowedResult.chunks, DEFAULT_CHUNK_BOUNDS);
});

test('binary-looking garbage in a code file is still chunked without throwing', async () => {
  const content = '\u0000\u0001 }}}{{{ (( ]] \u0007\n'.repeat(300);
  const result = await chunkFile('garbage.c', content);
  assertPartition(content, result.chunks);
  assertWithinBounds(result.chunks, DEFAULT_CHUNK_BOUNDS);
});

test('deeply nested code does not overflow the stack', async () => {
  const content = `const total = ${'(1 + '.repeat(2000)}1${')'.repeat(2000)};\nfunction after() { return total; }\n`;
  const result = await chunkFile('nested.js', content);
  assert.equal(result.parser, 'tree-sitter');
  assertPartition(content, result.chunks);
});

test('a line longer than maxChars stands alone and no chunk is empty', async () => {
  const long = `var bundle = "${'a'.repeat(6000)}";`;
  const content = lines('function before() {', '  return 1;', '}', long, 'function after() {', '  return 2;', '}');
  const { chunks } = await chunkFile('bundle.js', content);
  assertPartition(content, chunks);
  const longChunk = chunks.find((chunk) => chunk.content.includes('aaaa'));
  assert.ok(longChunk);
  assert.equal(longChunk.startLine, 4);
  assert.equal(longChunk.endLine, 4);
  assert.ok(chunks.every((chunk) => chunk.content.length > 0));
});

test('markdown is split into sections at headings, never inside fenced code', async () => {
  const section = (title: string, rows: number) => [`## ${title}`, '', ...Array.from({ length: rows }, (_, i) => `Text ${i} of ${title}.`), ''];
  const content = lines(
    '# Guide',
    '',
    'Intro.',
    '',
    ...section('Install', 25),
    '```bash',
    '# not a heading',
    ...Array.from({ length: 10 }, (_, i) => `echo ${i}`),
    '```',
    '',
    ...section('Usage', 25),
  );
  const result = await chunkFile('docs/guide.md', content);
  assert.equal(result.language, 'markdown');
  assert.equal(result.parser, 'lines');
  assertPartition(content, result.chunks);
  // The short intro joins the next section; the fenced comment is no heading.
  assert.deepEqual(
    result.chunks.map((chunk) => [chunk.startLine, chunk.symbol, chunk.symbols]),
    [[1, 'Guide', ['Guide', 'Install']], [lineOf(content, '## Usage'), 'Usage', ['Usage']]],
  );
});

test('text without a grammar is chunked as line windows that end at blank lines', async () => {
  const paragraphs = Array.from({ length: 12 }, (_, p) => [...Array.from({ length: 7 }, (_, i) => `line ${i} of paragraph ${p}`), '']).flat();
  const content = paragraphs.join('\n');
  const result = await chunkFile('notes.unknownext', content);
  assert.equal(result.language, 'text');
  assert.equal(result.parser, 'lines');
  assertPartition(content, result.chunks);
  assertWithinBounds(result.chunks, DEFAULT_CHUNK_BOUNDS);
  assert.ok(result.chunks.length >= 2);
  for (const chunk of result.chunks.slice(0, -1)) {
    assert.equal(chunk.content.split('\n').at(-1), '', `window ${chunk.startLine}-${chunk.endLine} does not end at a blank line`);
    assert.equal(chunk.symbol, null);
    assert.equal(chunk.kind, null);
  }
});

test('JSON and YAML get their language name and line windows', async () => {
  const json = JSON.stringify({ items: Array.from({ length: 100 }, (_, i) => ({ id: i })) }, null, 2);
  const result = await chunkFile('data/items.json', json);
  assert.equal(result.language, 'json');
  assert.equal(result.parser, 'lines');
  assertPartition(json, result.chunks);
  assertWithinBounds(result.chunks, DEFAULT_CHUNK_BOUNDS);
  assert.equal((await chunkFile('ci.yml', 'a: 1\n')).language, 'yaml');
});

test('empty and whitespace-only files give zero chunks', async () => {
  for (const content of ['', '\n', '   \n\t\n\n']) {
    assert.deepEqual((await chunkFile('empty.py', content)).chunks, []);
    assert.deepEqual((await chunkFile('empty.md', content)).chunks, []);
  }
});

test('a file without a final newline and with CRLF line ends keeps its exact text', async () => {
  const content = 'function a() {\r\n  return 1;\r\n}\r\n\r\nfunction b() {\r\n  return 2;\r\n}';
  const { chunks } = await chunkFile('crlf.ts', content);
  assertPartition(content, chunks);
  assert.equal(chunks.map((chunk) => chunk.content).join('\n'), content);
  assert.deepEqual(chunks.flatMap((chunk) => chunk.symbols), ['a', 'b']);
});

test('a file smaller than minLines is one chunk', async () => {
  const { chunks } = await chunkFile('small.py', 'x = 1\n');
  assert.deepEqual(chunks, [{ startLine: 1, endLine: 1, content: 'x = 1', symbol: null, kind: null, symbols: [] }]);
});

test('a bash script without an extension is recognised by its shebang', async () => {
  const content = lines('#!/usr/bin/env bash', 'greet() {', '  case "$1" in', '    hi) echo hello ;;', '  esac', '}', 'greet hi');
  const result = await chunkFile('bin/greet', content);
  assert.equal(result.language, 'bash');
  assert.equal(result.parser, 'tree-sitter');
  assert.deepEqual(result.chunks.flatMap((chunk) => chunk.symbols), ['greet']);
});

test('concurrent calls on different languages do not interfere', async () => {
  const python = generatePython(300, 11);
  const typescript = generateTypeScript(300, 12);
  const [alone] = await Promise.all([chunkFile('a.py', python)]);
  const results = await Promise.all([
    chunkFile('a.py', python),
    chunkFile('b.ts', typescript),
    chunkFile('c.py', python),
    chunkFile('d.ts', typescript),
  ]);
  assert.deepEqual(results[0].chunks, alone.chunks);
  assert.deepEqual(results[2].chunks, alone.chunks);
  assert.deepEqual(results[1].chunks, results[3].chunks);
  assertPartition(typescript, results[1].chunks);
});
