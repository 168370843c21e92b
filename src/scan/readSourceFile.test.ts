import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { readSourceFile } from './readSourceFile.js';
import { makeTree } from './scanFixtures.js';
import type { ScannedFile } from './types.js';

async function fileWith(t: TestContext, name: string, content: string | Uint8Array): Promise<ScannedFile> {
  const root = await makeTree(t, { [name]: content });
  const absolutePath = path.join(root, name);
  const stats = await stat(absolutePath);
  return { relativePath: name, absolutePath, size: stats.size, mtimeMs: stats.mtimeMs };
}

// Built at run time so this test file is not itself flagged when the project indexes its own source.
function pemBlock(label: string): string {
  const dashes = '-'.repeat(5);
  return `${dashes}BEGIN ${label}${dashes}\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n${dashes}END ${label}${dashes}\n`;
}

describe('readSourceFile: text', () => {
  test('returns the text of an ordinary source file, without a UTF-8 BOM', async (t) => {
    const file = await fileWith(t, 'main.ts', '\uFEFFconst café = "ü";\n');
    assert.deepEqual(await readSourceFile(file), { text: 'const café = "ü";\n' });
  });

  test('a file that grew past the bound since the scan is too-large; the scan-time size is the default bound', async (t) => {
    const line = 'const value = 42;\n';
    const file = await fileWith(t, 'growing.txt', line.repeat((2 * 1024 * 1024) / line.length));
    assert.deepEqual(await readSourceFile(file, { maxFileBytes: 1024 }), { skip: 'too-large' });
    assert.ok('text' in (await readSourceFile(file)));

    await writeFile(file.absolutePath, line.repeat((3 * 1024 * 1024) / line.length));
    assert.deepEqual(await readSourceFile(file), { skip: 'too-large' });
  });

  test('a FIFO that replaced a file is unreadable, and reading it does not hang', { skip: process.platform === 'win32' }, async (t) => {
    const file = await fileWith(t, 'pipe.ts', 'x');
    await rm(file.absolutePath);
    execFileSync('mkfifo', [file.absolutePath]);
    assert.deepEqual(await readSourceFile(file), { skip: 'unreadable' });
  });

  test('a file that vanished since the scan is unreadable', async (t) => {
    const file = await fileWith(t, 'main.ts', 'x');
    const gone = { ...file, absolutePath: `${file.absolutePath}.deleted` };
    assert.deepEqual(await readSourceFile(gone), { skip: 'unreadable' });
  });
});

describe('readSourceFile: binary sniffing', () => {
  test('a NUL byte in the first 8 KiB means binary', async (t) => {
    const file = await fileWith(t, 'data.txt', Buffer.concat([Buffer.from('header'), Buffer.from([0]), Buffer.from('rest')]));
    assert.deepEqual(await readSourceFile(file), { skip: 'binary' });
  });

  test('invalid UTF-8 in the first 8 KiB means binary', async (t) => {
    const file = await fileWith(t, 'latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])); // "café" in Latin-1
    assert.deepEqual(await readSourceFile(file), { skip: 'binary' });
  });

  test('UTF-16 text (full of NUL bytes) is treated as binary', async (t) => {
    const file = await fileWith(t, 'utf16.txt', Buffer.from('\uFEFFhello\n', 'utf16le'));
    assert.deepEqual(await readSourceFile(file), { skip: 'binary' });
  });

  test('a multi-byte character cut by the 8 KiB mark is still text', async (t) => {
    const text = `${'a'.repeat(8 * 1024 - 1)}é${'b\n'.repeat(100)}`; // é's two bytes straddle byte 8192
    const file = await fileWith(t, 'long.txt', text);
    assert.deepEqual(await readSourceFile(file), { text });
  });

  test('only the first 8 KiB are sniffed: a late NUL byte does not make a file binary', async (t) => {
    const lines = 'const value = 42;\n'.repeat(600); // ~10 KiB
    const file = await fileWith(t, 'late.ts', Buffer.concat([Buffer.from(lines), Buffer.from([0])]));
    assert.deepEqual(await readSourceFile(file), { text: `${lines}\0` });
  });
});

describe('readSourceFile: minified content', () => {
  test('one huge line is minified', async (t) => {
    const file = await fileWith(t, 'vendor.js', `var a=1;${'function f(){return a+1};'.repeat(2000)}\n`);
    assert.deepEqual(await readSourceFile(file), { skip: 'minified' });
  });

  test('a very long average line length is minified', async (t) => {
    const line = `${'x=1;'.repeat(200)}\n`; // 801 characters a line
    const file = await fileWith(t, 'wrapped.js', line.repeat(10));
    assert.deepEqual(await readSourceFile(file), { skip: 'minified' });
  });

  test('ordinary code and prose with long paragraphs are not minified', async (t) => {
    const code = 'export function add(a: number, b: number): number {\n  return a + b;\n}\n'.repeat(200);
    const prose = `${'This paragraph keeps going for quite a while, as prose does. '.repeat(5)}\n\n`.repeat(50);
    assert.deepEqual(await readSourceFile(await fileWith(t, 'add.ts', code)), { text: code });
    assert.deepEqual(await readSourceFile(await fileWith(t, 'notes.md', prose)), { text: prose });
  });

  test('a small one-line file is not minified', async (t) => {
    const json = `{"name":"x","values":[${'1,'.repeat(500)}1]}`;
    assert.deepEqual(await readSourceFile(await fileWith(t, 'small.json', json)), { text: json });
  });
});

describe('readSourceFile: private keys in content', () => {
  for (const label of [
    'RSA PRIVATE KEY',
    'EC PRIVATE KEY',
    'DSA PRIVATE KEY',
    'OPENSSH PRIVATE KEY',
    'PRIVATE KEY',
    'ENCRYPTED PRIVATE KEY',
    'PGP PRIVATE KEY BLOCK',
  ]) {
    test(`a "${label}" block is a secret by default and text with includeSecrets`, async (t) => {
      const text = `// test fixture\nconst key = \`\n${pemBlock(label)}\`;\n`;
      const file = await fileWith(t, 'fixture.ts', text);
      assert.deepEqual(await readSourceFile(file), { skip: 'secret' });
      assert.deepEqual(await readSourceFile(file, { includeSecrets: true }), { text });
    });
  }

  test('public keys and certificates are not secrets', async (t) => {
    const text = pemBlock('PUBLIC KEY') + pemBlock('CERTIFICATE');
    const file = await fileWith(t, 'ca.txt', text);
    assert.deepEqual(await readSourceFile(file), { text });
  });

  test('a one-line key is reported as a secret, not as minified', async (t) => {
    const text = `${'-'.repeat(5)}BEGIN RSA PRIVATE KEY${'-'.repeat(5)}${'A'.repeat(30_000)}`;
    const file = await fileWith(t, 'blob.txt', text);
    assert.deepEqual(await readSourceFile(file), { skip: 'secret' });
  });
});
