import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';
import { corpusModules, generateRepository, type CorpusOptions } from './generateRepository.js';
import { firstSyntaxProblem } from './syntaxCheck.js';
import { hashDirectory } from './treeHash.js';

after(removeTemporaryDirectories);

const mixed: CorpusOptions = { files: 24, seed: 42, languages: ['python', 'typescript', 'go'], minLines: 100, maxLines: 400 };

test('the same options give a byte-identical tree, and its hash is the hash of the files on disk', async () => {
  const first = await generateRepository(join(await temporaryDirectory('gen-a'), 'corpus'), mixed);
  const second = await generateRepository(join(await temporaryDirectory('gen-b'), 'corpus'), mixed);
  assert.equal(first.hash, second.hash);
  assert.equal((await hashDirectory(first.out)).hash, first.hash);
  assert.equal((await hashDirectory(second.out)).hash, first.hash);
  assert.deepEqual(first.filesByLanguage, { python: 8, typescript: 8, go: 8 });
  const names = (await readdir(first.out)).sort();
  assert.deepEqual(names.slice(0, 3), ['module_00000.py', 'module_00001.ts', 'module_00002.go']);
});

test('another seed gives another tree', async () => {
  const seed42 = [...corpusModules({ ...mixed, files: 3 })].map((module) => module.content);
  const seed7 = [...corpusModules({ ...mixed, files: 3, seed: 7 })].map((module) => module.content);
  assert.notDeepEqual(seed42, seed7);
});

test('a module does not change when more files are generated after it', () => {
  const few = [...corpusModules({ ...mixed, files: 6 })];
  const more = [...corpusModules({ ...mixed, files: 12 })];
  assert.deepEqual(few, more.slice(0, 6));
});

test('every generated file parses with tree-sitter without errors and has a line count in range', async () => {
  const options: CorpusOptions = { files: 45, seed: 42, languages: ['python', 'typescript', 'go'], minLines: 100, maxLines: 2000 };
  for (const module of corpusModules(options)) {
    const lines = module.content.split('\n');
    assert.equal(lines.pop(), '', `${module.path} ends with a newline`);
    assert.equal(lines.length, module.lines);
    assert.ok(lines.length >= 100 && lines.length <= 2000, `${module.path} has ${lines.length} lines`);
    assert.equal(await firstSyntaxProblem(module.language, module.content), null, module.path);
  }
});

test('the files have classes, functions, imports and docstrings to chunk', () => {
  const [python, typescript, go] = [...corpusModules({ ...mixed, files: 3, minLines: 300, maxLines: 300 })];
  assert.match(python.content, /^class \w+/m);
  assert.match(python.content, /^def \w+\(/m);
  assert.match(python.content, /^    def \w+\(self/m);
  assert.match(python.content, /^import \w+/m);
  assert.match(python.content, /"""/);
  assert.match(typescript.content, /^export class \w+/m);
  assert.match(typescript.content, /^import \{/m);
  assert.match(go.content, /^func \(\w \*\w+\) \w+\(/m);
  assert.match(go.content, /^package bench$/m);
});

test('the syntax check finds a real error', async () => {
  const problem = await firstSyntaxProblem('python', 'def ok():\n    return 1\n\ndef broken(:\n    pass\n');
  assert.equal(problem?.line, 4);
  assert.match(problem?.node ?? '', /^(ERROR|MISSING .+)$/);
});

test('a directory with other files in it is never overwritten', async () => {
  const dir = await temporaryDirectory('gen-foreign');
  await writeFile(join(dir, 'notes.txt'), 'mine');
  await assert.rejects(generateRepository(dir, { ...mixed, files: 2 }, { replace: true }), /not empty \(it holds notes\.txt\)/);
  const generated = join(await temporaryDirectory('gen-again'), 'corpus');
  await generateRepository(generated, { ...mixed, files: 4 });
  await assert.rejects(generateRepository(generated, { ...mixed, files: 2 }), (error: Error & { hint?: string }) => /--force/.test(error.hint ?? ''));
  const replaced = await generateRepository(generated, { ...mixed, files: 2 }, { replace: true });
  assert.equal((await readdir(generated)).length, 2);
  assert.equal(replaced.files, 2);
});
