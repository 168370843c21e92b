import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { makeTempDir, makeTree, READ_GITIGNORE } from './scanFixtures.js';
import { scanRepository } from './scanRepository.js';
import { ScanRootError } from './scanRootError.js';
import type { ScanResult } from './types.js';

const SOURCE = 'export const x = 1;\n';

function indexedPaths(result: ScanResult): string[] {
  return result.files.map((file) => file.relativePath);
}

describe('scanRepository: .gitignore semantics', () => {
  test('nested .gitignore files, negation, anchored and directory-only patterns, **', async (t) => {
    const root = await makeTree(t, {
      '.gitignore': ['# comment', '*.log', '!keep.log', '/generated', 'logs/', 'docs/**/draft.md', ''].join('\n'),
      'app.log': 'x',
      'keep.log': 'x',
      'important.log': 'x',
      'a.tmp': 'x',
      'generated/out.ts': SOURCE,
      'logs/today.txt': 'x',
      'notes/logs': 'a file called logs is not a directory',
      'docs/draft.md': 'x',
      'docs/a/b/draft.md': 'x',
      'docs/final.md': 'x',
      'src/.gitignore': ['*.tmp', '/local.ts', '!important.log'].join('\r\n'),
      'src/a.tmp': 'x',
      'src/deep/b.tmp': 'x',
      'src/local.ts': SOURCE,
      'src/deep/local.ts': SOURCE,
      'src/important.log': 'x',
      'src/deep/important.log': 'x',
      'src/deep/trace.log': 'x',
      'src/generated/kept.ts': SOURCE,
      'src/logs/b.txt': 'x',
    });

    const result = await scanRepository(root, READ_GITIGNORE);

    assert.deepEqual(indexedPaths(result), [
      '.gitignore',
      'a.tmp', // src/.gitignore's rules do not reach above src/
      'docs/final.md',
      'keep.log',
      'notes/logs',
      'src/.gitignore',
      'src/deep/important.log', // the nested negation beats the root's *.log
      'src/deep/local.ts', // `/local.ts` is anchored to src/
      'src/generated/kept.ts', // `/generated` is anchored to the root
      'src/important.log',
    ]);
    assert.deepEqual(result.skipped, []);
  });

  test('a deeper ignore file can re-include a directory a shallower one excluded', async (t) => {
    const root = await makeTree(t, {
      '.gitignore': 'examples/*\n',
      'examples/.gitignore': '!basic/\n',
      'examples/basic/main.ts': SOURCE,
      'examples/advanced/main.ts': SOURCE,
    });

    assert.deepEqual(indexedPaths(await scanRepository(root, READ_GITIGNORE)), ['.gitignore', 'examples/basic/main.ts']);
  });

  test('a file inside an excluded directory cannot be re-included, as in git', async (t) => {
    const root = await makeTree(t, {
      '.gitignore': 'tmp/\n!tmp/keep.ts\n',
      'tmp/keep.ts': SOURCE,
    });

    assert.deepEqual(indexedPaths(await scanRepository(root, READ_GITIGNORE)), ['.gitignore']);
  });

  test('patterns in a folder whose name has glob characters match only that folder', async (t) => {
    const root = await makeTree(t, {
      'a[1]/.gitignore': '*.gen.ts\n',
      'a[1]/x.gen.ts': SOURCE,
      'a1/x.gen.ts': SOURCE,
      '#notes/.gitignore': '/draft.md\n',
      '#notes/draft.md': 'x',
      '#notes/final.md': 'x',
    });

    assert.deepEqual(indexedPaths(await scanRepository(root, READ_GITIGNORE)), [
      '#notes/.gitignore',
      '#notes/final.md',
      'a1/x.gen.ts',
      'a[1]/.gitignore',
    ]);
  });

  test('.git/info/exclude is honoured', async (t) => {
    const root = await makeTree(t, {
      '.git/info/exclude': 'scratch.ts\n',
      'scratch.ts': SOURCE,
      'main.ts': SOURCE,
    });

    assert.deepEqual(indexedPaths(await scanRepository(root, READ_GITIGNORE)), ['main.ts']);
  });
});

describe('scanRepository: .codebase-mcp-ignore and extra patterns', () => {
  test('.codebase-mcp-ignore uses gitignore syntax, nests, and overrides .gitignore in the same directory', async (t) => {
    const root = await makeTree(t, {
      '.gitignore': '*.gen.ts\n',
      '.codebase-mcp-ignore': '!keep.gen.ts\nfixtures/\n/TODO.md\n',
      'a.gen.ts': SOURCE,
      'keep.gen.ts': SOURCE,
      'TODO.md': 'x',
      'fixtures/big.json': '{}',
      'src/.codebase-mcp-ignore': '*.snap\n',
      'src/view.snap': 'x',
      'src/view.ts': SOURCE,
      'src/TODO.md': 'x',
      'view.snap': 'x',
    });

    assert.deepEqual(indexedPaths(await scanRepository(root, READ_GITIGNORE)), [
      '.codebase-mcp-ignore',
      '.gitignore',
      'keep.gen.ts',
      'src/.codebase-mcp-ignore',
      'src/TODO.md',
      'src/view.ts',
      'view.snap',
    ]);
  });

  test('extraIgnorePatterns are root-relative and win over every ignore file', async (t) => {
    const root = await makeTree(t, {
      'docs/.gitignore': '!README.md\n',
      'docs/README.md': 'x',
      'docs/guide.txt': 'x',
      'main.ts': SOURCE,
    });

    const result = await scanRepository(root, { ...READ_GITIGNORE, extraIgnorePatterns: ['*.md', '/main.ts'] });

    assert.deepEqual(indexedPaths(result), ['docs/.gitignore', 'docs/guide.txt']);
  });
});

describe('scanRepository: built-in ignores', () => {
  test('skips VCS, dependency, build and cache folders, lock files, bundles, source maps and binaries', async (t) => {
    const ignored = [
      '.git/HEAD', '.hg/store', '.svn/entries', 'node_modules/lib/index.js', 'bower_components/x.js',
      'vendor/pkg/a.go', '.venv/lib/site.py', 'venv/bin/activate', '__pycache__/m.cpython-311.pyc',
      '.tox/log.txt', 'lib/python3/site-packages/x.py', 'dist/app.js', 'build/out.js', 'out/main.js',
      'target/debug/app.rs', '.next/server.js', '.nuxt/app.js', 'coverage/lcov.info', '.gradle/cache.txt',
      '.cache/x.json', '.idea/workspace.xml', '.DS_Store',
      'package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'Cargo.lock', 'poetry.lock', 'Gemfile.lock',
      'composer.lock', 'go.sum', 'sub/package-lock.json',
      'app.min.js', 'styles.min.css', 'app.js.map', 'main.bundle.js',
      'logo.png', 'photo.JPG', 'font.woff2', 'clip.mp4', 'sound.mp3', 'archive.zip', 'backup.tar.gz',
      'libfoo.so', 'app.exe', 'main.o', 'Main.class', 'lib.jar', 'mod.pyc', 'module.wasm', 'paper.pdf',
      'data.sqlite',
    ];
    const kept = ['src/index.ts', 'src/build.ts', 'scripts/build', 'README.md', 'app.js', 'styles.css'];
    const root = await makeTree(t, Object.fromEntries([...ignored, ...kept].map((file) => [file, 'x'])));

    const result = await scanRepository(root, READ_GITIGNORE);

    assert.deepEqual(indexedPaths(result), [...kept].sort());
    assert.deepEqual(result.skipped, []);
  });

  test('a negation in .gitignore re-includes a built-in ignore', async (t) => {
    const root = await makeTree(t, {
      '.gitignore': '!dist/\n!package-lock.json\n',
      'dist/app.js': SOURCE,
      'package-lock.json': '{}',
      'yarn.lock': 'x',
    });

    assert.deepEqual(indexedPaths(await scanRepository(root, READ_GITIGNORE)), ['.gitignore', 'dist/app.js', 'package-lock.json']);
  });

  test('a whitelist-style ignore file does not drag built-in ignores back in', async (t) => {
    const root = await makeTree(t, {
      '.codebase-mcp-ignore': '*\n!*/\n!*.py\n',
      'app/main.py': SOURCE,
      'app/notes.md': 'x',
      'node_modules/pkg/setup.py': SOURCE,
      '.venv/lib/site.py': SOURCE,
    });

    const result = await scanRepository(root, READ_GITIGNORE);

    assert.deepEqual(indexedPaths(result), ['app/main.py']);
    assert.equal(result.directoriesVisited, 2);
  });

  test('ignored directories are not walked into', async (t) => {
    const small = await makeTree(t, { 'src/main.ts': SOURCE });
    const withDependencies = await makeTree(t, {
      'src/main.ts': SOURCE,
      ...Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [`node_modules/pkg${i}/lib/deep/index.js`, SOURCE]),
      ),
      '.gitignore': 'generated/\n',
      ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`generated/part${i}/file.ts`, SOURCE])),
    });

    const baseline = await scanRepository(small, READ_GITIGNORE);
    const result = await scanRepository(withDependencies, READ_GITIGNORE);

    assert.equal(baseline.directoriesVisited, 2);
    assert.equal(result.directoriesVisited, 2); // the root and src/, nothing under node_modules/ or generated/
    assert.equal(result.ignoredCount, 2); // each ignored directory counts once
    assert.deepEqual(indexedPaths(result), ['.gitignore', 'src/main.ts']);
  });
});

describe('scanRepository: size bound', () => {
  test('files over maxFileBytes are skipped as too-large; a file of exactly the bound is kept', async (t) => {
    const root = await makeTree(t, { 'fits.txt': 'a'.repeat(100), 'too-big.txt': 'a'.repeat(101) });

    const result = await scanRepository(root, { ...READ_GITIGNORE, maxFileBytes: 100 });

    assert.deepEqual(indexedPaths(result), ['fits.txt']);
    assert.deepEqual(result.skipped, [{ relativePath: 'too-big.txt', reason: 'too-large' }]);
  });

  test('the default bound is 1 MiB', async (t) => {
    const root = await makeTree(t, {
      'one-mib.txt': 'a'.repeat(1024 * 1024),
      'over.txt': 'a'.repeat(1024 * 1024 + 1),
    });

    const result = await scanRepository(root, READ_GITIGNORE);

    assert.deepEqual(indexedPaths(result), ['one-mib.txt']);
    assert.deepEqual(result.skipped, [{ relativePath: 'over.txt', reason: 'too-large' }]);
  });

  test('a non-positive maxFileBytes is rejected', async (t) => {
    const root = await makeTree(t, { 'a.ts': SOURCE });
    await assert.rejects(scanRepository(root, { ...READ_GITIGNORE, maxFileBytes: 0 }), RangeError);
  });
});

describe('scanRepository: output', () => {
  test('files carry absolute path, size and mtime, and come sorted by code-unit order', async (t) => {
    const root = await makeTree(t, { 'b.ts': SOURCE, 'B.ts': SOURCE, 'a/b.ts': SOURCE, 'a-b.ts': 'hello', 'a.ts': SOURCE });

    const result = await scanRepository(root, READ_GITIGNORE);

    assert.deepEqual(indexedPaths(result), ['B.ts', 'a-b.ts', 'a.ts', 'a/b.ts', 'b.ts']);
    const file = result.files.find((candidate) => candidate.relativePath === 'a-b.ts');
    assert.equal(file?.absolutePath, path.join(root, 'a-b.ts'));
    assert.equal(file?.size, 5);
    assert.ok(file !== undefined && file.mtimeMs > 0);
    assert.deepEqual(await scanRepository(root, READ_GITIGNORE), result);
  });
});

describe('scanRepository: bad roots', () => {
  test('a missing root is a ScanRootError that says what to do', async (t) => {
    const missing = path.join(await makeTempDir(t), 'no-such-repo');

    await assert.rejects(scanRepository(missing), (error: unknown) => {
      assert.ok(error instanceof ScanRootError);
      assert.equal(error.problem, 'not-found');
      assert.equal(
        error.message,
        `Cannot scan "${missing}": no such directory. Check the path and pass the repository's top-level folder.`,
      );
      return true;
    });
  });

  test('a file given as root is a ScanRootError that says what to do', async (t) => {
    const root = await makeTree(t, { 'main.ts': SOURCE });
    const file = path.join(root, 'main.ts');

    await assert.rejects(scanRepository(file), (error: unknown) => {
      assert.ok(error instanceof ScanRootError);
      assert.equal(error.problem, 'not-a-directory');
      assert.equal(
        error.message,
        `Cannot scan "${file}": it is a file, not a directory. Pass the repository's top-level folder instead.`,
      );
      return true;
    });
  });

  test('a relative root is reported resolved, so the message names the real place', async (t) => {
    const missing = path.relative(process.cwd(), path.join(await makeTempDir(t), 'gone'));

    await assert.rejects(scanRepository(missing), { message: new RegExp(`"${escapeRegExp(path.resolve(missing))}"`) });
  });

  test('an unreadable root is a ScanRootError, and an unreadable subfolder is skipped', { skip: process.getuid?.() === 0 && 'root ignores permissions' }, async (t) => {
    const root = await makeTree(t, { 'main.ts': SOURCE, 'locked/secret.ts': SOURCE });
    const locked = path.join(root, 'locked');
    await chmod(locked, 0o000);
    try {
      const result = await scanRepository(root, READ_GITIGNORE);
      assert.deepEqual(indexedPaths(result), ['main.ts']);
      assert.deepEqual(result.skipped, [{ relativePath: 'locked', reason: 'unreadable' }]);

      await assert.rejects(scanRepository(locked), (error: unknown) => {
        assert.ok(error instanceof ScanRootError);
        assert.equal(error.problem, 'unreadable');
        assert.equal(
          error.message,
          `Cannot scan "${locked}": the directory cannot be read (EACCES). Check its permissions, or run as a user who can read it.`,
        );
        return true;
      });
    } finally {
      await chmod(locked, 0o755); // so the temp tree can be removed
    }
  });

  test('FIFOs and other special files are passed over silently', { skip: process.platform === 'win32' }, async (t) => {
    const root = await makeTree(t, { 'main.ts': SOURCE });
    execFileSync('mkfifo', [path.join(root, 'pipe')]);

    const result = await scanRepository(root, READ_GITIGNORE);
    assert.deepEqual(indexedPaths(result), ['main.ts']);
    assert.deepEqual(result.skipped, []);
  });

  test('an empty folder is visited and yields no files', async (t) => {
    const root = await makeTempDir(t);
    await mkdir(path.join(root, 'empty'));
    await writeFile(path.join(root, '.gitignore'), '');

    const result = await scanRepository(root, READ_GITIGNORE);
    assert.deepEqual(indexedPaths(result), ['.gitignore']);
    assert.equal(result.directoriesVisited, 2);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
