// The one tree-sitter runtime of the process: initialised once, each grammar
// loaded on first use and cached (a failed load is cached too, so a broken
// grammar costs one attempt, not one per file).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { GRAMMAR_FILES } from './languages.js';
import { GRAMMAR_IMPORT_SUBSTITUTES, renameWasmImports } from './wasmImports.js';

const require = createRequire(import.meta.url);
const grammarDirectory = join(dirname(require.resolve('tree-sitter-wasms/package.json')), 'out');

let runtimeReady: Promise<void> | undefined;
let parser: Parser | undefined;
const grammars = new Map<string, Promise<Language | null>>();

function initRuntime(): Promise<void> {
  runtimeReady ??= Parser.init();
  return runtimeReady;
}

async function readGrammar(file: string): Promise<Language> {
  const wasm = await readFile(join(grammarDirectory, `tree-sitter-${file}.wasm`));
  return Language.load(renameWasmImports(wasm, GRAMMAR_IMPORT_SUBSTITUTES));
}

function loadGrammar(language: string): Promise<Language | null> {
  let loading = grammars.get(language);
  if (loading === undefined) {
    const file = GRAMMAR_FILES[language];
    // Language.load needs the runtime that Parser.init sets up.
    loading = file === undefined ? Promise.resolve(null) : initRuntime().then(() => readGrammar(file)).catch(() => null);
    grammars.set(language, loading);
  }
  return loading;
}

/** True when the grammar for `language` loads (false for languages without one). */
export async function grammarLoads(language: string): Promise<boolean> {
  return (await loadGrammar(language)) !== null;
}

/**
 * Parses `content` and hands the tree to `use`, deleting the tree afterwards so
 * wasm memory does not grow. Returns null when the language has no grammar or
 * its grammar cannot be loaded; errors from parsing or from `use` propagate.
 */
export async function withSyntaxTree<T>(
  language: string,
  content: string,
  use: (tree: Tree) => T,
): Promise<T | null> {
  await initRuntime();
  const grammar = await loadGrammar(language);
  if (grammar === null) return null;
  // setLanguage and parse run without an await in between, so concurrent
  // callers cannot interleave on the shared parser.
  parser ??= new Parser();
  let tree: Tree | null;
  try {
    parser.setLanguage(grammar);
    tree = parser.parse(content);
  } catch (error) {
    // A scanner that throws leaves the parser mid-parse: start the next file on a fresh one.
    const broken = parser;
    parser = undefined;
    try {
      broken.delete();
    } catch {
      // Nothing more to free.
    }
    throw error;
  }
  if (tree === null) return null;
  try {
    return use(tree);
  } finally {
    tree.delete();
  }
}
