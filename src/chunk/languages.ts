// Language names from file paths. A language listed in GRAMMAR_FILES is parsed
// with tree-sitter; every other name is chunked as plain text windows.

import { basename, extname } from 'node:path';

/** Language name → grammar wasm in tree-sitter-wasms/out (tree-sitter-<name>.wasm). */
export const GRAMMAR_FILES: Readonly<Record<string, string>> = {
  python: 'python',
  javascript: 'javascript',
  typescript: 'typescript',
  tsx: 'tsx',
  go: 'go',
  java: 'java',
  rust: 'rust',
  c: 'c',
  cpp: 'cpp',
  csharp: 'c_sharp',
  ruby: 'ruby',
  php: 'php',
  bash: 'bash',
  kotlin: 'kotlin',
  scala: 'scala',
  swift: 'swift',
  lua: 'lua',
};

const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.py': 'python', '.pyw': 'python', '.pyi': 'python',
  '.js': 'javascript', '.mjs': 'javascript', '.cjs': 'javascript', '.jsx': 'javascript',
  '.ts': 'typescript', '.mts': 'typescript', '.cts': 'typescript',
  '.tsx': 'tsx',
  '.go': 'go',
  '.java': 'java',
  '.rs': 'rust',
  '.c': 'c', '.h': 'c',
  '.cc': 'cpp', '.cpp': 'cpp', '.cxx': 'cpp', '.c++': 'cpp', '.hpp': 'cpp', '.hh': 'cpp', '.hxx': 'cpp', '.h++': 'cpp',
  '.cs': 'csharp',
  '.rb': 'ruby', '.rake': 'ruby', '.gemspec': 'ruby',
  '.php': 'php',
  '.sh': 'bash', '.bash': 'bash',
  '.kt': 'kotlin', '.kts': 'kotlin',
  '.scala': 'scala', '.sc': 'scala',
  '.swift': 'swift',
  '.lua': 'lua',
  // Text languages: named for filtering, chunked as line windows.
  '.md': 'markdown', '.markdown': 'markdown', '.mdx': 'markdown',
  '.rst': 'restructuredtext',
  '.txt': 'text',
  '.json': 'json', '.jsonc': 'json', '.json5': 'json',
  '.yaml': 'yaml', '.yml': 'yaml',
  '.toml': 'toml',
  '.ini': 'ini', '.cfg': 'ini',
  '.xml': 'xml', '.xsd': 'xml', '.svg': 'xml',
  '.html': 'html', '.htm': 'html',
  '.css': 'css', '.scss': 'scss', '.sass': 'sass', '.less': 'less',
  '.sql': 'sql',
  '.graphql': 'graphql', '.gql': 'graphql',
  '.proto': 'protobuf',
  '.vue': 'vue', '.svelte': 'svelte',
  '.zsh': 'shell', '.fish': 'shell', '.ps1': 'powershell',
  '.dart': 'dart', '.ex': 'elixir', '.exs': 'elixir', '.erl': 'erlang',
  '.hs': 'haskell', '.ml': 'ocaml', '.clj': 'clojure', '.r': 'r', '.jl': 'julia',
  '.pl': 'perl', '.pm': 'perl', '.zig': 'zig', '.nim': 'nim', '.m': 'objc',
  '.tf': 'terraform', '.gradle': 'groovy', '.groovy': 'groovy',
  '.csv': 'csv', '.tsv': 'csv',
};

const BY_FILE_NAME: Readonly<Record<string, string>> = {
  dockerfile: 'dockerfile',
  makefile: 'makefile',
  gnumakefile: 'makefile',
  rakefile: 'ruby',
  gemfile: 'ruby',
  '.bashrc': 'bash',
  '.bash_profile': 'bash',
  '.profile': 'bash',
  'cmakelists.txt': 'cmake',
};

// `#!/usr/bin/env -S node --flag`, `#!/bin/bash -e`, `#!/usr/bin/python3.12`
const SHEBANG = /^#!\s*(?:\S*\/)?(?:env\s+(?:-\S+\s+)*)?([A-Za-z]+)/;

const BY_INTERPRETER: Readonly<Record<string, string>> = {
  bash: 'bash', sh: 'bash', dash: 'bash', ksh: 'bash',
  python: 'python', node: 'javascript', ruby: 'ruby', php: 'php', lua: 'lua',
};

/**
 * Language name for a path ('text' when unknown). The optional first line lets a
 * script without an extension be recognised by its shebang.
 */
export function detectLanguage(relativePath: string, firstLine?: string): string {
  const name = basename(relativePath).toLowerCase();
  const byName = BY_FILE_NAME[name];
  if (byName !== undefined) return byName;
  const extension = extname(name);
  const byExtension = BY_EXTENSION[extension];
  if (byExtension !== undefined) return byExtension;
  if (name.startsWith('dockerfile')) return 'dockerfile';
  if (extension === '' && firstLine !== undefined) {
    const interpreter = SHEBANG.exec(firstLine)?.[1];
    if (interpreter !== undefined) return BY_INTERPRETER[interpreter] ?? 'text';
  }
  return 'text';
}

/** Every language name detectLanguage can give, sorted: what a language filter may ask for. */
export function knownLanguages(): string[] {
  return [...new Set(['text', ...Object.values(BY_EXTENSION), ...Object.values(BY_FILE_NAME), ...Object.values(BY_INTERPRETER)])].sort();
}

/** True when chunkFile parses this language with tree-sitter. */
export function hasGrammar(language: string): boolean {
  return Object.hasOwn(GRAMMAR_FILES, language);
}
