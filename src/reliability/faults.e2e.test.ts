// The fault rows of docs/reliability.md that concern the file system: a full
// or read-only CODEBASE_MCP_HOME (real tmpfs mounts), awkward trees (invalid
// UTF-8, symlink loops, non-UTF-8 names, deep nesting, one huge line, 100,000
// files in one folder) and files changing while an index runs. Each ends with
// a clear answer and a consistent index.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadWordVectorEmbedder } from '../embed/wordVectorEmbedder.js';
import { indexRepository } from '../indexer/indexRepository.js';
import { scanRepository } from '../scan/scanRepository.js';
import { fullTextTerms } from '../search/hybridSearcher.js';
import { testBackends } from '../testing/testBackends.js';
import { isolatedEnv, removeTemporaryDirectories, runCli, temporaryDirectory } from '../testing/testEnvironment.js';

const mounted: string[] = [];
after(async () => {
  for (const dir of mounted.splice(0)) spawnSync('umount', ['-l', dir]);
  await removeTemporaryDirectories();
});

/** A tmpfs of `size` at a new directory, or the reason one cannot be mounted here. */
async function tmpfs(size: string, readOnly = false): Promise<{ dir: string } | { skip: string }> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return { skip: 'mounting a tmpfs needs root on Linux' };
  const dir = await temporaryDirectory('tmpfs');
  const result = spawnSync('mount', ['-t', 'tmpfs', '-o', `${readOnly ? 'ro,' : ''}size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (result.status !== 0) return { skip: `mount -t tmpfs is not permitted here: ${result.stderr.trim()}` };
  mounted.push(dir);
  return { dir };
}

async function sourceTree(files: number, label = 'fault-repo'): Promise<string> {
  const root = await temporaryDirectory(label);
  for (let i = 0; i < files; i++) {
    mkdirSync(join(root, `pkg${i % 5}`), { recursive: true });
    writeFileSync(join(root, `pkg${i % 5}`, `m${i}.py`), `def handler_${i}(event):\n    """Handle event ${i}."""\n    return event + ${i}\n`);
  }
  return root;
}

describe('a full or read-only CODEBASE_MCP_HOME', () => {
  test('disk full under CODEBASE_MCP_HOME: STORAGE_FULL naming the fix, exit 1; after freeing space the next run completes', async (t) => {
    const mount = await tmpfs('24m');
    if ('skip' in mount) {
      console.log(`# skipped: ${mount.skip}`);
      return t.skip(mount.skip);
    }
    const repo = await sourceTree(40);
    const env = isolatedEnv(mount.dir);
    const full = await runCli(['index', repo, '--project', 'full'], { env });
    assert.equal(full.code, 1, full.stderr);
    assert.match(full.stderr, /^error: No space left on the device that holds .* \(.*ENOSPC.*\)\.\nFree space there, or set CODEBASE_MCP_HOME/m);
    assert.doesNotMatch(full.stderr, /\n\s+at /);
    spawnSync('mount', ['-o', 'remount,size=256m', mount.dir]);
    const again = await runCli(['index', repo, '--project', 'full', '--json'], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).totalFiles, 40);
    const found = JSON.parse((await runCli(['search', 'handle event 17', '--project', 'full', '--json', '--mode', 'lexical'], { env })).stdout);
    assert.equal(found.results[0].path, 'pkg2/m17.py');
  });

  test('a read-only CODEBASE_MCP_HOME: STORAGE_READ_ONLY naming the fix, for index and for search', async (t) => {
    const mount = await tmpfs('4m', true);
    if ('skip' in mount) {
      console.log(`# skipped: ${mount.skip}`);
      return t.skip(mount.skip);
    }
    const repo = await sourceTree(3);
    const env = isolatedEnv(mount.dir);
    const indexed = await runCli(['index', repo], { env });
    assert.equal(indexed.code, 1, indexed.stderr);
    assert.match(indexed.stderr, /^error: .* cannot be written \(.*\)\.\nMake it writable \(remount it read-write, fix its permissions\), or set CODEBASE_MCP_HOME/m);
  });
});

describe('awkward trees, end to end', () => {
  test('invalid UTF-8, a symlink loop, a non-UTF-8 file name, deep nesting and one huge line: the rest is indexed and each is accounted for', async () => {
    const home = await temporaryDirectory('awkward-home');
    const env = isolatedEnv(home);
    const repo = await sourceTree(5, 'awkward-repo');
    writeFileSync(join(repo, 'latin1.py'), Buffer.concat([Buffer.from('def caf'), Buffer.from([0xe9, 0xff, 0xfe]), Buffer.from('():\n    return 1\n')]));
    symlinkSync('loop_b', join(repo, 'loop_a'));
    symlinkSync('loop_a', join(repo, 'loop_b'));
    symlinkSync('.', join(repo, 'self'));
    writeFileSync(Buffer.concat([Buffer.from(`${repo}/caf`), Buffer.from([0xe9]), Buffer.from('.py')]), 'def latin1_named_file():\n    return 2\n');
    const deep = join(repo, ...Array.from({ length: 200 }, (_, i) => `d${i}`));
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(deep, 'bottom.py'), 'def deepest_function_in_the_tree():\n    return 200\n');
    writeFileSync(join(repo, 'bundle.js'), `var a=${'1+'.repeat(400_000)}1;\n`);
    writeFileSync(join(repo, 'huge.txt'), 'x'.repeat(3 * 1024 * 1024));

    const result = await runCli(['index', repo, '--json', '--project', 'awkward'], { env });
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.filesSkipped.binary, 1, 'invalid UTF-8 is treated as binary');
    assert.equal(summary.filesSkipped['symlink-directory'], 1, 'a link to a folder (a cycle) is not followed');
    assert.ok(summary.filesSkipped.unreadable >= 3, 'the looping links and the undecodable name are unreadable');
    assert.equal(summary.filesSkipped.minified, 1, 'one 800 KB line is minified');
    assert.equal(summary.filesSkipped['too-large'], 1);
    const found = JSON.parse((await runCli(['search', 'deepest function in the tree', '--project', 'awkward', '--json', '--mode', 'lexical'], { env })).stdout);
    assert.match(found.results[0].path, /^d0\/d1\/.*\/d199\/bottom\.py$/);
    const again = JSON.parse((await runCli(['index', repo, '--json', '--project', 'awkward'], { env })).stdout);
    assert.equal(again.filesIndexed, 0, 'a second run finds nothing changed');
    assert.equal(again.totalFiles, summary.totalFiles);
  });

  test('100,000 files in one directory: the scan lists them all, quickly', async () => {
    const root = await temporaryDirectory('wide');
    for (let i = 0; i < 100_000; i++) writeFileSync(join(root, `f${i}.txt`), '');
    writeFileSync(join(root, '.codebase-mcp-ignore'), 'f9*\n');
    const started = Date.now();
    const scan = await scanRepository(root);
    const elapsed = Date.now() - started;
    assert.equal(scan.files.length, 100_000 - 11_111 + 1);
    assert.deepEqual(scan.leftOutByRule, [{ rule: 'f9*', file: '.codebase-mcp-ignore', line: 1, entries: 11_111 }]);
    assert.ok(elapsed < 20_000, `scan took ${elapsed} ms`);
    await rm(root, { recursive: true, force: true });
  });
});

for (const backend of testBackends()) {
  describe(`files changing during an index (${backend.name})`, { skip: backend.skip }, () => {
    test('a file that vanishes, one that changes and one that grows past the bound after the scan: the run completes and the index matches the disk', async () => {
      const embedder = await loadWordVectorEmbedder();
      const store = await backend.openStore('changing');
      try {
        const root = await sourceTree(20, 'changing-repo');
        let acted = false;
        const summary = await indexRepository(store, root, embedder, {
          maxFileBytes: 64 * 1024,
          scan: { useGit: false },
          // Between the scan and the reads: the moment a concurrent edit does the most harm.
          onProgress: (progress) => {
            if (progress.phase !== 'removing' || acted) return;
            acted = true;
            // Synchronous, so the edits are done before the indexer reads a file (it does not await this callback).
            unlinkSync(join(root, 'pkg0', 'm0.py'));
            writeFileSync(join(root, 'pkg1', 'm1.py'), 'def replaced_while_scanning():\n    return 1\n');
            appendFileSync(join(root, 'pkg2', 'm2.py'), '#'.repeat(100 * 1024));
          },
        });
        assert.ok(acted);
        assert.equal(summary.filesSkipped.unreadable, 1, 'the vanished file');
        assert.equal(summary.filesSkipped['too-large'], 1, 'the file that grew past the bound');
        assert.equal(summary.totalFiles, 18);
        const paths = (await store.filePaths()).map((file) => file.path).sort();
        assert.ok(!paths.includes('pkg0/m0.py') && !paths.includes('pkg2/m2.py'));
        const hits = await store.matchingChunks(fullTextTerms('replaced while scanning'), 5, {});
        assert.equal(hits.length, 1, 'the changed file is indexed with its new content');
        // The next run sees a consistent index: nothing left to do but the grown file (still too large).
        await writeFile(join(root, 'pkg2', 'm2.py'), 'def small_again():\n    return 2\n');
        const next = await indexRepository(store, root, embedder, { maxFileBytes: 64 * 1024, scan: { useGit: false } });
        assert.equal(next.filesIndexed, 1);
        assert.equal(next.totalFiles, 19);
        await unlink(join(root, 'pkg1', 'm1.py'));
        assert.equal((await indexRepository(store, root, embedder, { scan: { useGit: false } })).totalFiles, 18);
      } finally {
        await store.close();
        await backend.cleanup();
      }
    });
  });
}
