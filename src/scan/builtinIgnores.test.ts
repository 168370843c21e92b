import assert from 'node:assert/strict';
import { test } from 'node:test';
import ignore from 'ignore';
import {
  BUILTIN_IGNORED_FILE_PATTERNS,
  BUILTIN_IGNORED_NAMES,
  BuiltinIgnores,
  VERSION_CONTROL_NAMES,
} from './builtinIgnores.js';

// Names that exercise every built-in pattern, their case variants, near misses and ordinary files.
function sampleNames(): string[] {
  const patterns = [...VERSION_CONTROL_NAMES, ...BUILTIN_IGNORED_NAMES, ...BUILTIN_IGNORED_FILE_PATTERNS];
  const fromPatterns = patterns.flatMap((pattern) => {
    const name = pattern.replace(/\/$/, '').replace(/\*/g, 'x');
    return [name, name.toUpperCase(), `${name}.ts`, `a${name}`, name.slice(1)];
  });
  return [...fromPatterns, 'index.ts', 'README.md', 'Makefile', 'build', 'src', 'app.js', '.gitignore', 'x'];
}

for (const ignoreCase of [false, true]) {
  test(`grouping by extension gives the same verdicts as flat rule lists (ignoreCase: ${ignoreCase})`, () => {
    const flatVersionControl = ignore({ ignorecase: ignoreCase }).add([...VERSION_CONTROL_NAMES]);
    const flatOverridable = ignore({ ignorecase: ignoreCase })
      .add([...BUILTIN_IGNORED_NAMES])
      .add(ignore({ ignorecase: true }).add([...BUILTIN_IGNORED_FILE_PATTERNS]));
    const grouped = new BuiltinIgnores(ignoreCase);
    const seen = { 'version-control': 0, overridable: 0 };
    for (const name of sampleNames()) {
      for (const isDirectory of [false, true]) {
        const candidate = isDirectory ? `${name}/` : name;
        const expected = flatVersionControl.ignores(candidate)
          ? 'version-control'
          : flatOverridable.ignores(candidate)
            ? 'overridable'
            : undefined;
        assert.equal(grouped.match(name, isDirectory), expected, candidate);
        if (expected !== undefined) seen[expected] += 1;
      }
    }
    // The samples must hit the rules, or the comparison proves nothing.
    assert.ok(seen['version-control'] >= 10 && seen.overridable > 300, JSON.stringify(seen));
  });
}

test('directory-only built-ins leave files of the same name alone', () => {
  const builtins = new BuiltinIgnores(false);
  assert.equal(builtins.match('build', true), 'overridable');
  assert.equal(builtins.match('build', false), undefined);
  assert.equal(builtins.match('.git', true), 'version-control');
  assert.equal(builtins.match('.git', false), 'version-control'); // a worktree's .git file
});

test('file patterns ignore case; names follow the ignoreCase option', () => {
  assert.equal(new BuiltinIgnores(false).match('LOGO.PNG', false), 'overridable');
  assert.equal(new BuiltinIgnores(false).match('APP.MIN.JS', false), 'overridable');
  assert.equal(new BuiltinIgnores(false).match('cargo.lock', false), undefined);
  assert.equal(new BuiltinIgnores(true).match('cargo.lock', false), 'overridable');
});
