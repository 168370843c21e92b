import assert from 'node:assert/strict';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { makeTree } from './scanFixtures.js';
import { scanRepository } from './scanRepository.js';

const LIKELY_SECRETS = [
  // environment files
  '.env', '.env.local', '.env.production', '.env.example', 'services/api/.env.test', '.envrc',
  // private keys and key stores
  'certs/server.pem', 'certs/server.key', 'id_rsa', 'id_rsa.pub', 'id_dsa', 'id_ecdsa', 'id_ed25519',
  'deploy/id_ed25519_github', 'ID_RSA', 'keys/store.p12', 'keys/store.pfx', 'android/release.jks',
  'android/debug.keystore', 'putty.ppk',
  // credential files
  'credentials', '.aws/credentials', 'credentials.json', '.netrc', '.pgpass', '.npmrc', '.pypirc',
  'service-account.json', 'gcp/service-account-prod.json', 'vault.kdbx', 'config/secrets.yml',
  'config/secrets.yaml', '.git-credentials',
];

test('likely secrets are skipped with reason "secret" by default', async (t) => {
  const root = await makeTree(t, {
    ...Object.fromEntries(LIKELY_SECRETS.map((file) => [file, 'TOKEN=hunter2\n'])),
    'src/env.ts': 'export const env = process.env;\n',
    'src/keys.ts': 'export const keys = [];\n',
    'keys/credentials/README.md': 'a folder named credentials is not itself a secret\n',
  });

  const result = await scanRepository(root);

  assert.deepEqual(
    result.files.map((file) => file.relativePath),
    ['keys/credentials/README.md', 'src/env.ts', 'src/keys.ts'],
  );
  assert.deepEqual(
    result.skipped,
    [...LIKELY_SECRETS].sort().map((relativePath) => ({ relativePath, reason: 'secret' })),
  );
});

test('includeSecrets indexes likely secrets like any other file', async (t) => {
  const root = await makeTree(t, Object.fromEntries(LIKELY_SECRETS.map((file) => [file, 'TOKEN=hunter2\n'])));

  const result = await scanRepository(root, { includeSecrets: true });

  assert.deepEqual(result.files.map((file) => file.relativePath), [...LIKELY_SECRETS].sort());
  assert.deepEqual(result.skipped, []);
});

test('a negation in an ignore file does not let a secret in', async (t) => {
  const root = await makeTree(t, { '.gitignore': '!.env\n', '.env': 'TOKEN=1\n' });

  const result = await scanRepository(root);

  assert.deepEqual(result.files.map((file) => file.relativePath), ['.gitignore']);
  assert.deepEqual(result.skipped, [{ relativePath: '.env', reason: 'secret' }]);
});

test('a symlink with an innocent name that points at a secret is a secret', async (t) => {
  const root = await makeTree(t, { 'config/.env': 'TOKEN=1\n' });
  await symlink(path.join(root, 'config', '.env'), path.join(root, 'settings.txt'));

  const result = await scanRepository(root);

  assert.deepEqual(result.files, []);
  assert.deepEqual(result.skipped, [
    { relativePath: 'config/.env', reason: 'secret' },
    { relativePath: 'settings.txt', reason: 'secret' },
  ]);
});
