// Recognises files that probably hold credentials. They are never indexed
// unless the user asks (`includeSecrets`): an index is copied into prompts,
// logs and databases, and a leaked key cannot be un-leaked.

import ignore from 'ignore';

/**
 * File-name patterns (gitignore syntax, no slashes), matched against the
 * base name only and regardless of case.
 */
export const SECRET_FILE_PATTERNS: readonly string[] = [
  // environment files: every variant, `.env.example` included, because
  // "example" files are routinely filled in with real values
  '.env', '.env.*', '.envrc',
  // private keys and key stores; `id_rsa*` also takes `id_rsa.pub` and
  // renamed copies (`id_ed25519_work`), since a key file has nothing to search
  '*.pem', '*.key', '*.ppk', 'id_rsa*', 'id_dsa*', 'id_ecdsa*', 'id_ed25519*',
  '*.p12', '*.pfx', '*.jks', '*.keystore',
  // credential and token files
  'credentials', 'credentials.json', 'credentials.yml', 'credentials.yaml',
  '.netrc', '_netrc', '.pgpass', '.npmrc', '.pypirc', '.git-credentials', '.htpasswd',
  '.dockercfg', '.s3cfg', 'service-account*.json', '*.kdbx',
  'secrets.yml', 'secrets.yaml', 'secrets.json',
];

const secretNames = ignore({ ignorecase: true }).add([...SECRET_FILE_PATTERNS]);

/** True if the file's name says it probably holds a secret. */
export function isLikelySecretPath(relativePath: string): boolean {
  const baseName = relativePath.slice(relativePath.lastIndexOf('/') + 1);
  // Only the base name is tested, so a directory that happens to be called
  // `credentials` does not make everything beneath it a secret.
  return baseName !== '' && secretNames.ignores(baseName);
}

// RSA, EC, DSA, OPENSSH, ENCRYPTED, PGP ("... PRIVATE KEY BLOCK") and plain PKCS#8.
const PRIVATE_KEY_BLOCK = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;

/** True if the text contains a PEM/PGP private key block, whatever the file is called. */
export function containsPrivateKeyBlock(text: string): boolean {
  return PRIVATE_KEY_BLOCK.test(text);
}
