// Builds throwaway directory trees for the scan tests.

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

/** Files by posix relative path; a path ending in `/` makes an empty directory. */
export type TreeSpec = Record<string, string | Uint8Array>;

/** Creates `spec` in a fresh temp directory, removed when the test ends. */
export async function makeTree(t: TestContext, spec: TreeSpec): Promise<string> {
  const root = await makeTempDir(t);
  await addToTree(root, spec);
  return root;
}

export async function makeTempDir(t: TestContext): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), 'codebase-mcp-scan-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  return root;
}

export async function addToTree(root: string, spec: TreeSpec): Promise<void> {
  for (const [relativePath, content] of Object.entries(spec)) {
    const absolutePath = path.join(root, ...relativePath.split('/'));
    if (relativePath.endsWith('/')) {
      await mkdir(absolutePath, { recursive: true });
      continue;
    }
    await mkdir(path.dirname(absolutePath), { recursive: true });
    await writeFile(absolutePath, content);
  }
}

/**
 * The temporary trees are not git repositories; tests of what .gitignore
 * files mean read them as `--no-require-git` does.
 */
export const READ_GITIGNORE = { requireGit: false } as const;
