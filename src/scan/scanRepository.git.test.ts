// Ignore rules as git and ripgrep users expect them: inside a repository git's
// own view decides (a tracked file counts even when a pattern matches it);
// outside one, .gitignore files apply only when asked (--no-require-git).
// The case that started it: a source tree unpacked from a distribution
// package, not a git repository, whose .gitignore is `/*` then `!/debian/`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { RepositoryIgnores, scanRepository } from './scanRepository.js';
import { leftOutWarning } from './leftOutReport.js';
import { addToTree, makeTree, type TreeSpec } from './scanFixtures.js';

/** A .gitignore whose line 165 is `/*`, like the reported tree's. */
const PACKAGING_GITIGNORE = [...Array.from({ length: 164 }, (_, i) => `# line ${i + 1}`), '/*', '!/debian/', ''].join('\n');

const UNPACKED_TREE: TreeSpec = {
  '.gitignore': PACKAGING_GITIGNORE,
  'src/main.c': 'int main(void) { return 0; }\n',
  'src/util/strings.c': 'int length(const char *s);\n',
  'README': 'A program.\n',
  'debian/rules': '#!/usr/bin/make -f\n',
  'node_modules/x/index.js': 'module.exports = 1;\n',
};

function paths(result: { files: { relativePath: string }[] }): string[] {
  return result.files.map((file) => file.relativePath);
}

function git(root: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: root, stdio: 'pipe' });
}

describe('outside a git repository', () => {
  test('a .gitignore of `/*` and `!/debian/` does not apply: the tree is indexed, with a notice saying how to apply it', async (t) => {
    const root = await makeTree(t, UNPACKED_TREE);
    const result = await scanRepository(root);
    assert.equal(result.ignoreMode, 'product-rules');
    assert.deepEqual(paths(result), ['.gitignore', 'README', 'debian/rules', 'src/main.c', 'src/util/strings.c']);
    assert.equal(result.notices.length, 1);
    assert.match(result.notices[0], /not inside a git repository, so its 1 \.gitignore file was not applied/);
    assert.match(result.notices[0], /--no-require-git/);
    // Built-ins still apply, and are named as such.
    assert.deepEqual(result.leftOutByRule, [{ rule: 'node_modules/', file: 'built-in', line: null, entries: 1 }]);
    assert.equal(leftOutWarning(root, result, result.files.length), null);
  });

  test('with requireGit false the .gitignore applies, and the warning names the rule and its line', async (t) => {
    const root = await makeTree(t, UNPACKED_TREE);
    const result = await scanRepository(root, { requireGit: false });
    assert.equal(result.ignoreMode, 'gitignore-files');
    assert.deepEqual(paths(result), ['debian/rules']);
    assert.deepEqual(result.leftOutByRule[0], { rule: '/*', file: '.gitignore', line: 165, entries: 4 });
    const warning = leftOutWarning(root, result, result.files.length);
    assert.ok(warning);
    assert.match(warning, /Most of .* was left out: ignore rules removed 4 entries/);
    assert.match(warning, /4 left out by `\/\*` at `\.gitignore:165`/);
  });

  test('the product ignore file applies without git, and an empty result says which rule emptied it', async (t) => {
    const root = await makeTree(t, { '.codebase-mcp-ignore': '# keep nothing\n*\n', 'a.py': 'x = 1\n', 'lib/b.py': 'y = 2\n' });
    const result = await scanRepository(root);
    assert.deepEqual(paths(result), []);
    assert.deepEqual(result.leftOutByRule, [{ rule: '*', file: '.codebase-mcp-ignore', line: 2, entries: 3 }]);
    const warning = leftOutWarning(root, result, 0);
    assert.match(warning ?? '', /^Nothing was indexed in .*: the scan kept 0 files; ignore rules left out 3 entries/);
    assert.match(warning ?? '', /3 left out by `\*` at `\.codebase-mcp-ignore:2`/);
  });
});

describe('inside a git repository', () => {
  test('tracked files are indexed even though `/*` matches them; untracked ones it matches are not', async (t) => {
    const root = await makeTree(t, { ...UNPACKED_TREE, '.gitignore': '' });
    git(root, 'init', '-q');
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'import');
    await addToTree(root, { '.gitignore': PACKAGING_GITIGNORE, 'src/new_untracked.c': 'int x;\n', 'debian/changelog': 'pkg (1.0)\n' });
    const result = await scanRepository(root);
    assert.equal(result.ignoreMode, 'git');
    assert.deepEqual(paths(result), ['.gitignore', 'README', 'debian/changelog', 'debian/rules', 'src/main.c', 'src/util/strings.c']);
    // git's check-ignore names the line that left the untracked file out.
    assert.ok(
      result.leftOutByRule.some((rule) => rule.rule === '/*' && rule.file === '.gitignore' && rule.line === 165 && rule.entries === 1),
      JSON.stringify(result.leftOutByRule),
    );
    assert.deepEqual(result.notices, []);
  });

  test('a tracked node_modules is still left out by the built-ins, and .codebase-mcp-ignore still applies', async (t) => {
    const root = await makeTree(t, { ...UNPACKED_TREE, '.codebase-mcp-ignore': 'README\n' });
    git(root, 'init', '-q');
    git(root, 'add', '-A', '-f');
    const result = await scanRepository(root);
    assert.deepEqual(paths(result), ['.codebase-mcp-ignore', '.gitignore', 'debian/rules', 'src/main.c', 'src/util/strings.c']);
    const rules = Object.fromEntries(result.leftOutByRule.map((rule) => [`${rule.file}:${rule.line}`, rule.rule]));
    assert.equal(rules['.codebase-mcp-ignore:1'], 'README');
    assert.equal(rules['built-in:null'], 'node_modules/');
  });

  test('an untracked, unignored file is indexed; an ignored folder is not entered', async (t) => {
    const root = await makeTree(t, { '.gitignore': 'gen/\n*.log\n', 'a.ts': 'export {}\n', 'gen/x.ts': 'x\n', 'b.log': 'log\n' });
    git(root, 'init', '-q');
    const result = await scanRepository(root);
    assert.deepEqual(paths(result), ['.gitignore', 'a.ts']);
    const byRule = Object.fromEntries(result.leftOutByRule.map((rule) => [rule.rule, `${rule.file}:${rule.line}`]));
    assert.equal(byRule['gen/'], '.gitignore:1');
    assert.equal(byRule['*.log'], '.gitignore:2');
    assert.equal(result.directoriesVisited, 1, 'gen/ is never read');
  });

  test('without git the .gitignore files are read instead, and a notice says so', async (t) => {
    const root = await makeTree(t, UNPACKED_TREE);
    git(root, 'init', '-q');
    git(root, 'add', '-A');
    const result = await scanRepository(root, { gitCommand: 'git-command-that-does-not-exist' });
    assert.equal(result.ignoreMode, 'gitignore-files');
    assert.deepEqual(paths(result), ['debian/rules']);
    assert.match(result.notices[0], /git is not installed; install git so tracked files are indexed/);
  });

  test('a subfolder of a repository is scanned with git\'s view of that subfolder', async (t) => {
    const root = await makeTree(t, { '.gitignore': '*.gen.c\n', 'lib/a.c': 'a\n', 'lib/b.gen.c': 'b\n', 'other/c.c': 'c\n' });
    git(root, 'init', '-q');
    const result = await scanRepository(`${root}/lib`);
    assert.equal(result.ignoreMode, 'git');
    assert.deepEqual(paths(result), ['a.c']);
  });

  test('the watcher\'s rules agree with the scan: tracked files count, untracked ones follow the .gitignore files', async (t) => {
    const root = await makeTree(t, { ...UNPACKED_TREE, '.gitignore': '' });
    git(root, 'init', '-q');
    git(root, 'add', '-A');
    git(root, 'commit', '-q', '-m', 'import');
    await addToTree(root, { '.gitignore': PACKAGING_GITIGNORE, 'generated/out.c': 'int y;\n' });
    const ignores = new RepositoryIgnores(root);
    assert.equal(ignores.isIgnored('src/main.c', false), false, 'tracked, though `/*` matches it');
    assert.equal(ignores.isIgnored('src', true), false, 'a folder of tracked files');
    assert.equal(ignores.isIgnored('src/later.c', false), true, 'untracked below `/*`: git ignores it too');
    assert.equal(ignores.isIgnored('generated', true), true, 'an untracked folder `/*` matches is not watched');
    assert.equal(ignores.isIgnored('debian/changelog', false), false, '`!/debian/` keeps it');
    assert.equal(ignores.isIgnored('node_modules', true), true, 'built-ins still apply');
  });
});
