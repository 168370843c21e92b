import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { GRAMMAR_IMPORT_SUBSTITUTES, renameWasmImports } from './wasmImports.js';

function section(id: number, content: number[]): number[] {
  return [id, content.length, ...content];
}

function name(text: string): number[] {
  return [text.length, ...Buffer.from(text)];
}

/** (import "env" "isalpha" (func)) (import "env" "memory" (memory 1)) */
function tinyModule(): Uint8Array {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 0, 0]),
    ...section(2, [2, ...name('env'), ...name('isalpha'), 0, 0, ...name('env'), ...name('memory'), 2, 0, 1]),
  ]);
}

// The project's TypeScript lib has no WebAssembly declarations; this is the part used here.
interface WasmModules {
  new (bytes: Uint8Array): object;
  imports(module: object): { name: string; kind: string }[];
}
const WasmModule = (globalThis as unknown as { WebAssembly: { Module: WasmModules } }).WebAssembly.Module;

/** Compiles (and so validates) the module and lists its imports. */
function importsOf(wasm: Uint8Array): { name: string; kind: string }[] {
  return WasmModule.imports(new WasmModule(wasm)).map(({ name, kind }) => ({ name, kind }));
}

test('a function import is renamed and the module stays valid', () => {
  const renamed = renameWasmImports(tinyModule(), new Map([['isalpha', 'iswalpha']]));
  assert.deepEqual(importsOf(renamed), [
    { name: 'iswalpha', kind: 'function' },
    { name: 'memory', kind: 'memory' },
  ]);
});

test('a module without the named imports is returned unchanged', () => {
  const original = tinyModule();
  assert.equal(renameWasmImports(original, new Map([['strlen', 'wcslen']])), original);
});

test('bytes that are not a readable module are returned unchanged', () => {
  const garbage = Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 2, 0xff, 0xff]);
  assert.equal(renameWasmImports(garbage, GRAMMAR_IMPORT_SUBSTITUTES), garbage);
});

test('the bash grammar no longer imports isalpha, which the runtime lacks', async () => {
  const require = createRequire(import.meta.url);
  const grammar = join(dirname(require.resolve('tree-sitter-wasms/package.json')), 'out', 'tree-sitter-bash.wasm');
  const original = new Uint8Array(await readFile(grammar));
  assert.ok(importsOf(original).some((entry) => entry.name === 'isalpha'));
  const names = importsOf(renameWasmImports(original, GRAMMAR_IMPORT_SUBSTITUTES)).map((entry) => entry.name);
  assert.ok(!names.includes('isalpha'));
  assert.ok(names.includes('iswalpha'));
});
