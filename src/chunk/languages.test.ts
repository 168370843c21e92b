import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectLanguage, GRAMMAR_FILES, hasGrammar } from './languages.js';
import { grammarLoads } from './treeSitter.js';

test('languages are detected from file extensions', () => {
  const expected: Record<string, string> = {
    'src/app.py': 'python',
    'lib/index.js': 'javascript',
    'lib/index.mjs': 'javascript',
    'lib/index.cjs': 'javascript',
    'ui/App.jsx': 'javascript',
    'src/main.ts': 'typescript',
    'src/main.mts': 'typescript',
    'src/main.cts': 'typescript',
    'ui/App.tsx': 'tsx',
    'cmd/server.go': 'go',
    'Main.java': 'java',
    'src/lib.rs': 'rust',
    'core/buffer.c': 'c',
    'core/buffer.h': 'c',
    'geo/point.cc': 'cpp',
    'geo/point.cpp': 'cpp',
    'geo/point.cxx': 'cpp',
    'geo/point.hpp': 'cpp',
    'geo/point.hh': 'cpp',
    'geo/point.hxx': 'cpp',
    'Program.cs': 'csharp',
    'app/models/user.rb': 'ruby',
    'index.php': 'php',
    'scripts/build.sh': 'bash',
    'scripts/build.bash': 'bash',
    'App.kt': 'kotlin',
    'Main.scala': 'scala',
    'App.swift': 'swift',
    'init.lua': 'lua',
    'README.md': 'markdown',
    'package.json': 'json',
    '.github/workflows/ci.yml': 'yaml',
    'config.yaml': 'yaml',
    'Cargo.toml': 'toml',
    'index.html': 'html',
    'style.css': 'css',
    'schema.sql': 'sql',
    'notes.txt': 'text',
    'Dockerfile': 'dockerfile',
    'Makefile': 'makefile',
    'data.unknownext': 'text',
    'LICENSE': 'text',
    'SRC/APP.PY': 'python',
  };
  for (const [path, language] of Object.entries(expected)) {
    assert.equal(detectLanguage(path), language, path);
  }
});

test('a script without an extension is recognised by its shebang', () => {
  assert.equal(detectLanguage('bin/deploy', '#!/bin/bash'), 'bash');
  assert.equal(detectLanguage('bin/deploy', '#!/bin/sh -e'), 'bash');
  assert.equal(detectLanguage('bin/deploy', '#!/usr/bin/env bash'), 'bash');
  assert.equal(detectLanguage('bin/tool', '#!/usr/bin/env python3'), 'python');
  assert.equal(detectLanguage('bin/tool', '#!/usr/bin/env -S node --no-warnings'), 'javascript');
  assert.equal(detectLanguage('bin/tool', '#!/usr/bin/perl'), 'text');
  assert.equal(detectLanguage('bin/tool', 'echo no shebang'), 'text');
  // An extension wins over the shebang.
  assert.equal(detectLanguage('notes.txt', '#!/bin/bash'), 'text');
});

test('only grammar languages are parsed with tree-sitter', () => {
  assert.ok(hasGrammar('python'));
  assert.ok(hasGrammar('lua'));
  assert.ok(!hasGrammar('markdown'));
  assert.ok(!hasGrammar('text'));
  assert.ok(!hasGrammar('toString'));
});

test('every claimed grammar loads', async () => {
  for (const language of Object.keys(GRAMMAR_FILES)) {
    assert.ok(await grammarLoads(language), `${language} grammar does not load`);
  }
  assert.equal(await grammarLoads('markdown'), false);
});
