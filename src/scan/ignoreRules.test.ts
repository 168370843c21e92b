import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IgnoreRules, isNamedNegation, rebaseIgnorePattern } from './ignoreRules.js';

describe('rebaseIgnorePattern', () => {
  const cases: Array<[line: string, directory: string, expected: string | undefined]> = [
    ['*.log', '', '*.log'], // root patterns pass through untouched
    ['*.log', 'src', 'src/**/*.log'], // unanchored: any depth below the file's folder
    ['logs/', 'src', 'src/**/logs/'], // a trailing slash alone does not anchor
    ['/build', 'src', 'src/build'], // leading slash anchors
    ['gen/out', 'src', 'src/gen/out'], // an inner slash anchors
    ['**/tmp', 'src', 'src/**/tmp'],
    ['!keep.log', 'src', '!src/**/keep.log'],
    ['!/keep.log', 'src/a', '!src/a/keep.log'],
    ['\\#literal', 'src', 'src/**/\\#literal'],
    ['logs/  ', 'src', 'src/**/logs/  '], // trailing spaces are trimmed later, and do not hide the slash
    ['# comment', 'src', undefined],
    ['   ', 'src', undefined],
    ['!', 'src', undefined],
    ['*.ts', 'a[1]/*b?', 'a\\[1\\]/\\*b\\?/**/*.ts'],
    ['x', '#c/!d', '\\#c/\\!d/**/x'],
  ];
  for (const [line, directory, expected] of cases) {
    test(`${JSON.stringify(line)} in ${JSON.stringify(directory)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(rebaseIgnorePattern(line, directory), expected);
    });
  }
});

describe('isNamedNegation', () => {
  const cases: Array<[pattern: string, expected: boolean]> = [
    ['!dist/', true],
    ['!package-lock.json', true],
    ['!src/**/vendor', true],
    ['!vendor/  ', true],
    ['!*/', false],
    ['!*.ts', false],
    ['!src/*', false],
    ['!file?.txt', false],
    ['dist/', false],
    ['!', false],
  ];
  for (const [pattern, expected] of cases) {
    test(`${JSON.stringify(pattern)} → ${expected}`, () => assert.equal(isNamedNegation(pattern), expected));
  }
});

describe('IgnoreRules', () => {
  const rules = IgnoreRules.forRoot({ ignoreCase: false }).withIgnoreFiles('', ['*.tmp\n']);

  test('directory-only patterns need the directory flag', () => {
    const nested = rules.withIgnoreFiles('src', ['cache/\n']);
    assert.equal(nested.isIgnored('src/x/cache', true), true);
    assert.equal(nested.isIgnored('src/x/cache', false), false);
  });

  test('a folder without ignore files shares its parent rules', () => {
    assert.equal(rules.withIgnoreFiles('src', ['# only a comment\n', '']), rules);
  });

  test('a negation that names a path overrides a built-in, for that path only', () => {
    const reincluded = IgnoreRules.forRoot({ ignoreCase: false })
      .withIgnoreFiles('', ['!dist/\n'])
      .withIgnoreFiles('img', ['!keep.png\n']);
    assert.equal(reincluded.isIgnored('dist', true), false);
    assert.equal(reincluded.isIgnored('sub/dist', true), false); // unanchored, like any gitignore pattern
    assert.equal(reincluded.isIgnored('dist/app.js', false), false);
    assert.equal(reincluded.isIgnored('dist/logo.png', false), true);
    assert.equal(reincluded.isIgnored('dist/node_modules', true), true);
    assert.equal(reincluded.isIgnored('img/deep/keep.png', false), false);
    assert.equal(reincluded.isIgnored('keep.png', false), true); // img/'s rule does not reach the root
  });

  test('wildcard negations (whitelist style) do not override built-ins', () => {
    const whitelist = IgnoreRules.forRoot({ ignoreCase: false }).withIgnoreFiles('', ['*\n!*/\n!*.ts\n!*.png\n']);
    assert.equal(whitelist.isIgnored('src', true), false);
    assert.equal(whitelist.isIgnored('src/a.ts', false), false);
    assert.equal(whitelist.isIgnored('src/a.md', false), true);
    assert.equal(whitelist.isIgnored('node_modules', true), true);
    assert.equal(whitelist.isIgnored('logo.png', false), true);
  });

  test('a later rule beats a named negation, as in git', () => {
    const rules = IgnoreRules.forRoot({ ignoreCase: false, extraIgnorePatterns: ['dist/'] }).withIgnoreFiles('', ['!dist/\n']);
    assert.equal(rules.isIgnored('dist', true), true);
  });

  test('version-control metadata stays ignored whatever the negations say', () => {
    const rules = IgnoreRules.forRoot({ ignoreCase: false, extraIgnorePatterns: ['!.git'] }).withIgnoreFiles('', ['!.git/\n!.hg\n']);
    assert.equal(rules.isIgnored('.git', true), true);
    assert.equal(rules.isIgnored('.git', false), true);
    assert.equal(rules.isIgnored('.hg', true), true);
  });

  test('built-in extension rules ignore case; user rules follow the ignoreCase option', () => {
    const caseSensitive = IgnoreRules.forRoot({ ignoreCase: false }).withIgnoreFiles('', ['Notes.md\n']);
    assert.equal(caseSensitive.isIgnored('LOGO.PNG', false), true);
    assert.equal(caseSensitive.isIgnored('Notes.md', false), true);
    assert.equal(caseSensitive.isIgnored('notes.md', false), false);
    assert.equal(caseSensitive.isIgnored('Cargo.lock', false), true);
    assert.equal(caseSensitive.isIgnored('cargo.lock', false), false);

    const caseInsensitive = IgnoreRules.forRoot({ ignoreCase: true }).withIgnoreFiles('', ['Notes.md\n']);
    assert.equal(caseInsensitive.isIgnored('notes.md', false), true);
  });
});
