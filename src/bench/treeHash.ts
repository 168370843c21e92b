// One hash for a whole tree of files, defined so coreutils reproduce it:
//   cd DIR && find . -path ./.git -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum
// i.e. sha256 of the `sha256sum` manifest ("<hex>  ./<path>\n" per file, paths in byte order).

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface FileDigest {
  /** Relative, with '/' separators. */
  path: string;
  sha256: string;
}

export function digestOf(path: string, content: string | Buffer): FileDigest {
  return { path, sha256: createHash('sha256').update(content).digest('hex') };
}

export function treeHash(files: FileDigest[]): string {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const manifest = createHash('sha256');
  for (const file of sorted) manifest.update(`${file.sha256}  ./${file.path}\n`);
  return manifest.digest('hex');
}

export interface DirectorySummary {
  hash: string;
  /** Relative paths, sorted. */
  paths: string[];
  files: number;
  bytes: number;
  lines: number;
}

/** Hashes every regular file below `root` (not following symlinks, skipping .git), and counts bytes and lines. */
export async function hashDirectory(root: string): Promise<DirectorySummary> {
  const digests: FileDigest[] = [];
  let bytes = 0;
  let lines = 0;
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(join(root, relative), { withFileTypes: true });
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (relative === '' && entry.name === '.git') continue;
        await walk(path);
      } else if (entry.isFile()) {
        const content = await readFile(join(root, path));
        bytes += content.length;
        for (let at = content.indexOf(10); at !== -1; at = content.indexOf(10, at + 1)) lines++;
        digests.push(digestOf(path, content));
      }
    }
  };
  await walk('');
  const paths = digests.map((digest) => digest.path).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return { hash: treeHash(digests), paths, files: digests.length, bytes, lines };
}
