// One realistic sample file per grammar language (test/fixtures/chunk): every
// declaration is found with its qualified name, and with tight bounds each
// declaration gets a chunk with the right kind and line range (leading
// comments, decorators and attributes included).

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { assertPartition, assertWithinBounds } from './chunkAssertions.js';
import { chunkFile, DEFAULT_CHUNK_BOUNDS, type Chunk } from './chunkFile.js';
import { GRAMMAR_FILES } from './languages.js';

const fixtures = new URL('../../test/fixtures/chunk/', import.meta.url);

interface ExpectedChunk {
  symbol: string;
  kind: string;
  lines: [number, number];
}

interface Sample {
  file: string;
  language: string;
  /** Every declaration in the file, qualified. */
  symbols: string[];
  /** Chunks expected with maxLines 8, minLines 1 (each declaration on its own). */
  chunks: ExpectedChunk[];
}

const TIGHT = { maxLines: 8, minLines: 1 };

const SAMPLES: Sample[] = [
  {
    file: 'sample.py',
    language: 'python',
    symbols: ['Credentials', 'UserService', 'UserService.__init__', 'UserService.authenticate', 'UserService.normalize', 'parse_args'],
    chunks: [
      { symbol: 'Credentials', kind: 'class', lines: [9, 14] }, // starts at its @dataclass decorator
      { symbol: 'UserService.authenticate', kind: 'method', lines: [22, 29] },
      { symbol: 'UserService.normalize', kind: 'method', lines: [30, 34] }, // starts at @staticmethod
    ],
  },
  {
    file: 'sample.ts',
    language: 'typescript',
    symbols: ['User', 'UserId', 'Role', 'UserService', 'UserService.constructor', 'UserService.authenticate',
      'UserService.normalize', 'hashPassword', 'isAdmin', 'Legacy', 'upgrade'],
    chunks: [
      { symbol: 'User', kind: 'interface', lines: [4, 8] },
      { symbol: 'UserId', kind: 'type', lines: [9, 10] },
      { symbol: 'Role', kind: 'enum', lines: [11, 15] },
      { symbol: 'UserService', kind: 'class', lines: [16, 21] }, // doc comment + header + first members
      { symbol: 'UserService.authenticate', kind: 'method', lines: [22, 29] },
      { symbol: 'hashPassword', kind: 'function', lines: [37, 39] },
      { symbol: 'Legacy', kind: 'namespace', lines: [44, 48] },
    ],
  },
  {
    file: 'sample.tsx',
    language: 'tsx',
    symbols: ['Props', 'FilteredList', 'Counter', 'Counter.increment', 'Counter.render'],
    chunks: [
      { symbol: 'Props', kind: 'interface', lines: [3, 7] },
      { symbol: 'FilteredList', kind: 'function', lines: [8, 15] }, // comment + header + first statements
      { symbol: 'Counter.render', kind: 'method', lines: [32, 34] },
    ],
  },
  {
    file: 'sample.js',
    language: 'javascript',
    symbols: ['loadConfig', 'Cache', 'Cache.constructor', 'Cache.get', 'Cache.set', 'formatBytes'],
    chunks: [
      { symbol: 'loadConfig', kind: 'function', lines: [5, 12] }, // JSDoc included
      { symbol: 'Cache', kind: 'class', lines: [15, 20] },
      { symbol: 'Cache.set', kind: 'method', lines: [30, 35] },
    ],
  },
  {
    file: 'sample.go',
    language: 'go',
    symbols: ['Config', 'Handler', 'Server', 'NewServer', 'Server.Start', 'Server.Count'],
    chunks: [
      { symbol: 'Config', kind: 'struct', lines: [8, 13] },
      { symbol: 'Handler', kind: 'interface', lines: [14, 18] },
      { symbol: 'NewServer', kind: 'function', lines: [25, 32] },
      { symbol: 'Server.Start', kind: 'method', lines: [33, 40] },
      { symbol: 'Server.Count', kind: 'method', lines: [41, 43] },
    ],
  },
  {
    file: 'sample.java',
    language: 'java',
    symbols: ['UserRepository', 'UserRepository.UserRepository', 'UserRepository.toString', 'UserRepository.find',
      'UserRepository.Listener', 'UserRepository.Listener.changed', 'UserRepository.State'],
    chunks: [
      { symbol: 'UserRepository', kind: 'class', lines: [6, 11] },
      { symbol: 'UserRepository.toString', kind: 'method', lines: [16, 20] }, // @Override included
      { symbol: 'UserRepository.find', kind: 'method', lines: [21, 28] },
      { symbol: 'UserRepository.Listener', kind: 'interface', lines: [29, 32] },
      { symbol: 'UserRepository.State', kind: 'enum', lines: [33, 34] },
    ],
  },
  {
    file: 'sample.rs',
    language: 'rust',
    symbols: ['User', 'Role', 'Describe', 'Describe.describe', 'User.new', 'User.is_adult', 'User.fmt',
      'index_by_name', 'tests', 'tests.adult'],
    chunks: [
      { symbol: 'User', kind: 'struct', lines: [4, 10] }, // doc comment and #[derive] included
      { symbol: 'Describe', kind: 'trait', lines: [16, 19] },
      { symbol: 'User.is_adult', kind: 'method', lines: [26, 28] },
      { symbol: 'index_by_name', kind: 'function', lines: [37, 40] },
      { symbol: 'tests', kind: 'module', lines: [41, 46] },
    ],
  },
  {
    file: 'sample.c',
    language: 'c',
    symbols: ['buffer', 'color', 'buffer_new', 'buffer_free', 'main'],
    chunks: [
      { symbol: 'buffer', kind: 'struct', lines: [6, 10] },
      { symbol: 'color', kind: 'type', lines: [11, 12] },
      { symbol: 'buffer_new', kind: 'function', lines: [13, 20] }, // comment + header + first statements
      { symbol: 'buffer_free', kind: 'function', lines: [24, 28] },
    ],
  },
  {
    file: 'sample.cpp',
    language: 'cpp',
    symbols: ['geometry', 'Point', 'Point.Point', 'Point.length', 'Polygon', 'Polygon_area', 'Point.describe', 'clamp'],
    chunks: [
      { symbol: 'Point.length', kind: 'method', lines: [11, 14] },
      { symbol: 'Polygon', kind: 'struct', lines: [20, 23] },
      { symbol: 'Point.describe', kind: 'method', lines: [34, 37] }, // defined outside the class
      { symbol: 'clamp', kind: 'function', lines: [38, 41] }, // template<> line included
    ],
  },
  {
    file: 'sample.cs',
    language: 'csharp',
    symbols: ['Example.Users', 'UserStore', 'UserStore.UserStore', 'UserStore.Lookup', 'UserStore.Count', 'IClock',
      'IClock.Now', 'Level', 'Pair'],
    chunks: [
      { symbol: 'UserStore.Lookup', kind: 'method', lines: [16, 21] }, // [Obsolete] included
      { symbol: 'IClock', kind: 'interface', lines: [25, 29] },
      { symbol: 'Pair', kind: 'struct', lines: [32, 36] },
    ],
  },
  {
    file: 'sample.rb',
    language: 'ruby',
    symbols: ['Accounts', 'Accounts.User', 'Accounts.User.initialize', 'Accounts.User.to_json', 'Accounts.User.load',
      'Accounts.version', 'main'],
    chunks: [
      { symbol: 'Accounts.User', kind: 'class', lines: [4, 11] }, // comment + header + first members
      { symbol: 'Accounts.User.to_json', kind: 'method', lines: [12, 15] },
      { symbol: 'Accounts.version', kind: 'method', lines: [21, 23] },
      { symbol: 'main', kind: 'function', lines: [26, 28] },
    ],
  },
  {
    file: 'sample.php',
    language: 'php',
    symbols: ['App.Users', 'Repository', 'Repository.find', 'UserRepository', 'UserRepository.__construct',
      'UserRepository.find', 'slugify'],
    chunks: [
      { symbol: 'Repository', kind: 'interface', lines: [7, 11] },
      { symbol: 'UserRepository.find', kind: 'method', lines: [24, 28] },
      { symbol: 'slugify', kind: 'function', lines: [31, 34] },
    ],
  },
  {
    file: 'sample.sh',
    language: 'bash',
    symbols: ['log', 'rotate_logs', 'main'],
    chunks: [
      { symbol: 'log', kind: 'function', lines: [6, 10] },
      { symbol: 'rotate_logs', kind: 'function', lines: [11, 18] },
      { symbol: 'main', kind: 'function', lines: [19, 25] }, // holds a `case`, which needs the isalpha fix
    ],
  },
  {
    file: 'sample.kt',
    language: 'kotlin',
    symbols: ['Event', 'Sink', 'Sink.write', 'MemorySink', 'MemorySink.write', 'MemorySink.count', 'Clock', 'Clock.now', 'main'],
    chunks: [
      { symbol: 'Sink', kind: 'interface', lines: [7, 10] },
      { symbol: 'MemorySink.count', kind: 'method', lines: [19, 21] },
      { symbol: 'Clock', kind: 'object', lines: [24, 27] },
      { symbol: 'main', kind: 'function', lines: [28, 32] },
    ],
  },
  {
    file: 'sample.scala',
    language: 'scala',
    symbols: ['Shape', 'Shape.area', 'Circle', 'Circle.area', 'Registry', 'Registry.add', 'Registry.total', 'Main', 'Main.main'],
    chunks: [
      { symbol: 'Shape', kind: 'trait', lines: [5, 8] },
      { symbol: 'Circle', kind: 'class', lines: [9, 12] },
      { symbol: 'Main', kind: 'object', lines: [24, 30] },
    ],
  },
  {
    file: 'sample.swift',
    language: 'swift',
    symbols: ['Greeter', 'Greeter.greet', 'PoliteGreeter', 'PoliteGreeter.greet', 'Counter', 'Counter.increment',
      'Counter.current', 'Direction', 'makeGreeter'],
    chunks: [
      { symbol: 'Greeter', kind: 'protocol', lines: [3, 6] },
      { symbol: 'Counter.current', kind: 'method', lines: [23, 25] },
      { symbol: 'Direction', kind: 'enum', lines: [28, 31] },
      { symbol: 'makeGreeter', kind: 'function', lines: [32, 34] },
    ],
  },
  {
    file: 'sample.lua',
    language: 'lua',
    symbols: ['add', 'M.sum', 'M.describe'],
    chunks: [
      { symbol: 'add', kind: 'function', lines: [3, 7] },
      { symbol: 'M.sum', kind: 'function', lines: [8, 15] },
      { symbol: 'M.describe', kind: 'function', lines: [16, 19] },
    ],
  },
];

async function readSample(file: string): Promise<string> {
  return readFile(new URL(file, fixtures), 'utf8');
}

function allSymbols(chunks: Chunk[]): string[] {
  return [...new Set(chunks.flatMap((chunk) => chunk.symbols))].sort();
}

test('every grammar language has a sample', () => {
  assert.deepEqual(SAMPLES.map((sample) => sample.language).sort(), Object.keys(GRAMMAR_FILES).sort());
});

for (const sample of SAMPLES) {
  test(`${sample.language}: ${sample.file} is parsed and every declaration is listed`, async () => {
    const content = await readSample(sample.file);
    const result = await chunkFile(sample.file, content);
    assert.equal(result.language, sample.language);
    assert.equal(result.parser, 'tree-sitter');
    assertPartition(content, result.chunks, sample.file);
    assertWithinBounds(result.chunks, DEFAULT_CHUNK_BOUNDS, sample.file);
    assert.deepEqual(allSymbols(result.chunks), [...sample.symbols].sort());
  });

  test(`${sample.language}: declarations get chunks with their kind and line range`, async () => {
    const content = await readSample(sample.file);
    const result = await chunkFile(sample.file, content, TIGHT);
    assertPartition(content, result.chunks, sample.file);
    assertWithinBounds(result.chunks, { ...DEFAULT_CHUNK_BOUNDS, ...TIGHT }, sample.file);
    for (const expected of sample.chunks) {
      // The first chunk with the name is the declaration's own; later ones are its continuation.
      const chunk = result.chunks.find((candidate) => candidate.symbol === expected.symbol);
      assert.ok(chunk, `no chunk named ${expected.symbol}`);
      assert.deepEqual(
        { symbol: chunk.symbol, kind: chunk.kind, lines: [chunk.startLine, chunk.endLine] },
        expected,
      );
    }
  });
}
