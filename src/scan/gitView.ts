// Git's own view of a working tree: the files `git ls-files` lists (tracked,
// plus untracked files no ignore rule excludes). Inside a repository this is
// what gets indexed, as git and ripgrep users expect: a tracked file is
// indexed even when a .gitignore pattern matches it. When git is missing or
// refuses the repository, the caller falls back to reading .gitignore files.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RuleOrigin } from './ignoreRules.js';

/** Above this much `git ls-files` output the tree is scanned without git's view. */
const MAX_GIT_OUTPUT_BYTES = 512 * 1024 * 1024;
/** At most this many left-out paths are attributed to their rule with `git check-ignore`. */
export const MAX_EXPLAINED_PATHS = 20_000;

export interface GitView {
  /** Root-relative paths (with `/`) of the files git lists. */
  files: Set<string>;
  /** Every folder holding one of `files`, root-relative. */
  directories: Set<string>;
}

export type GitLookup =
  | { kind: 'not-a-repository' }
  | { kind: 'view'; view: GitView }
  /** Inside a repository, but git could not be asked: `reason` says why and how to fix it. */
  | { kind: 'unavailable'; reason: string };

/** True when `root` or a folder above it holds `.git` (a folder, or a file in worktrees and submodules). */
export function insideGitRepository(root: string): boolean {
  for (let directory = root; ; directory = path.dirname(directory)) {
    if (existsSync(path.join(directory, '.git'))) return true;
    if (path.dirname(directory) === directory) return false;
  }
}

/** `git ls-files -z --cached --others --exclude-standard`, run in `root`. */
export function gitView(root: string, gitCommand = 'git'): GitLookup {
  if (!insideGitRepository(root)) return { kind: 'not-a-repository' };
  const listed = spawnSync(gitCommand, ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    maxBuffer: MAX_GIT_OUTPUT_BYTES,
    encoding: 'utf8',
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  });
  if (listed.error) {
    const code = (listed.error as NodeJS.ErrnoException).code;
    return {
      kind: 'unavailable',
      reason:
        code === 'ENOENT'
          ? 'git is not installed; install git so tracked files are indexed even where a .gitignore pattern matches them'
          : `git could not be run (${listed.error.message})`,
    };
  }
  if (listed.status !== 0) {
    const message = listed.stderr.trim().split('\n')[0] ?? `exit ${listed.status}`;
    return { kind: 'unavailable', reason: `git ls-files failed: ${message}` };
  }
  const files = new Set<string>();
  const directories = new Set<string>(['']);
  for (const entry of listed.stdout.split('\0')) {
    // A nested repository or a submodule is listed as its folder: git does not look inside, nor do we.
    if (entry === '' || entry.endsWith('/')) continue;
    const relativePath = entry.split(path.sep).join('/');
    files.add(relativePath);
    for (let slash = relativePath.lastIndexOf('/'); slash > 0; slash = relativePath.lastIndexOf('/', slash - 1)) {
      const directory = relativePath.slice(0, slash);
      if (directories.has(directory)) break;
      directories.add(directory);
    }
  }
  return { kind: 'view', view: { files, directories } };
}

/**
 * Which .gitignore line left out each path (`git check-ignore -v`), for the
 * report; a path no rule matches is an untracked folder holding only ignored files.
 */
export function explainGitIgnored(root: string, relativePaths: readonly string[], gitCommand = 'git'): Map<string, RuleOrigin> {
  const explained = new Map<string, RuleOrigin>();
  if (relativePaths.length === 0) return explained;
  const checked = spawnSync(gitCommand, ['check-ignore', '-v', '-z', '--stdin', '--non-matching'], {
    cwd: root,
    input: relativePaths.map((relativePath) => `${relativePath}\0`).join(''),
    maxBuffer: MAX_GIT_OUTPUT_BYTES,
    encoding: 'utf8',
    env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
  });
  if (checked.error || (checked.status !== 0 && checked.status !== 1)) return explained;
  const fields = checked.stdout.split('\0');
  for (let index = 0; index + 3 < fields.length; index += 4) {
    const [file, line, rule, relativePath] = fields.slice(index, index + 4);
    explained.set(
      relativePath,
      file === '' ? { rule: '(nothing git lists)', file: 'git', line: null } : { rule, file, line: Number(line) || null },
    );
  }
  return explained;
}
