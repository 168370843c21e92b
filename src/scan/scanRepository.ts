// Walks a repository and decides which files get indexed: ignore rules
// first (ignored directories are never entered), then symlink, secret and
// size checks. Content checks (binary, minified, private keys) are left to
// `readSourceFile`, so a scan costs one readdir per directory and one stat per file.
//
// The file-system calls are synchronous on purpose: on the 2-core machines
// this was measured on, a bare readdir+stat walk of 10,000 files took ~70 ms
// with sync calls and ~250 ms with fs/promises (every async stat is a
// thread-pool round trip). To keep a server's event loop responsive, the
// walk yields after every directory and every YIELD_EVERY_ENTRIES entries,
// so no stall outlasts one small batch of stats.

import type { Dirent, Stats } from 'node:fs';
import { lstatSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { IGNORE_FILE_NAMES, IgnoreRules } from './ignoreRules.js';
import { ScanRootError } from './scanRootError.js';
import { isLikelySecretPath } from './secrets.js';
import type { ScanOptions, ScanResult, ScannedFile, SkippedFile, SkipReason } from './types.js';

// The data shapes are re-exported here so callers can import the whole scan API from this module.
export type { ScanOptions, ScanResult, ScannedFile, SkippedFile, SkipReason } from './types.js';
export { ScanRootError } from './scanRootError.js';

export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

const YIELD_EVERY_ENTRIES = 512;

interface Walk {
  rootPath: string;
  /** The root with symlinks resolved, to tell whether a link target stays inside. */
  rootRealPath: string;
  maxFileBytes: number;
  includeSecrets: boolean;
  files: ScannedFile[];
  skipped: SkippedFile[];
  directoriesVisited: number;
  ignoredCount: number;
}

export async function scanRepository(root: string, options: ScanOptions = {}): Promise<ScanResult> {
  const walk = startWalk(root, options);
  const rules = rootIgnoreRules(walk.rootPath, options.extraIgnorePatterns);
  await walkDirectory(walk, '', walk.rootPath, rules);
  return walkResult(walk);
}

function startWalk(root: string, options: ScanOptions): Walk {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  if (!Number.isFinite(maxFileBytes) || maxFileBytes <= 0) {
    throw new RangeError(`maxFileBytes must be a positive number of bytes, got ${maxFileBytes}`);
  }
  const rootPath = path.resolve(root);
  return {
    rootPath,
    rootRealPath: resolveRoot(rootPath),
    maxFileBytes,
    includeSecrets: options.includeSecrets ?? false,
    files: [],
    skipped: [],
    directoriesVisited: 0,
    ignoredCount: 0,
  };
}

function walkResult(walk: Walk): ScanResult {
  return {
    files: walk.files.sort((a, b) => compareCodeUnits(a.relativePath, b.relativePath)),
    skipped: walk.skipped.sort((a, b) => compareCodeUnits(a.relativePath, b.relativePath)),
    directoriesVisited: walk.directoriesVisited,
    ignoredCount: walk.ignoredCount,
  };
}

/** The rules in force at the root, before its own ignore files are read. */
export function rootIgnoreRules(rootPath: string, extraIgnorePatterns?: string[]): IgnoreRules {
  return IgnoreRules.forRoot({
    ignoreCase: process.platform === 'darwin' || process.platform === 'win32',
    gitInfoExclude: readOptionalText(path.join(rootPath, '.git', 'info', 'exclude')),
    extraIgnorePatterns,
  });
}

function resolveRoot(rootPath: string): string {
  let stats: Stats;
  try {
    stats = statSync(rootPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw ScanRootError.notFound(rootPath, error);
    throw ScanRootError.unreadable(rootPath, error);
  }
  if (!stats.isDirectory()) throw ScanRootError.notADirectory(rootPath);
  try {
    return realpathSync(rootPath);
  } catch (error) {
    throw ScanRootError.unreadable(rootPath, error);
  }
}

async function walkDirectory(
  walk: Walk,
  directory: string,
  absoluteDirectory: string,
  inheritedRules: IgnoreRules,
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = readdirSync(absoluteDirectory, { withFileTypes: true });
  } catch (error) {
    if (directory === '') throw ScanRootError.unreadable(walk.rootPath, error);
    skip(walk, directory, 'unreadable');
    return;
  }
  walk.directoriesVisited += 1;

  const rules = rulesInside(directory, absoluteDirectory, entries, inheritedRules);
  const subdirectories: Array<{ relativePath: string; absolutePath: string }> = [];
  for (let index = 0; index < entries.length; index += 1) {
    const entry = entries[index];
    const relativePath = directory === '' ? entry.name : `${directory}/${entry.name}`;
    const absolutePath = path.join(absoluteDirectory, entry.name);
    if (entry.isDirectory()) {
      if (rules.isIgnored(relativePath, true)) walk.ignoredCount += 1;
      else subdirectories.push({ relativePath, absolutePath });
    } else if (entry.isSymbolicLink()) {
      visitSymlink(walk, relativePath, absolutePath, rules);
    } else if (entry.isFile()) {
      visitFile(walk, relativePath, absolutePath, rules);
    }
    // Sockets, FIFOs and devices are never source code; they are passed over silently.
    if (index % YIELD_EVERY_ENTRIES === YIELD_EVERY_ENTRIES - 1) await yieldToEventLoop();
  }
  for (const subdirectory of subdirectories) {
    await yieldToEventLoop();
    await walkDirectory(walk, subdirectory.relativePath, subdirectory.absolutePath, rules);
  }
}

/** `inheritedRules` plus the ignore files `directory` holds (its `entries`). */
export function rulesInside(
  directory: string,
  absoluteDirectory: string,
  entries: readonly Dirent[],
  inheritedRules: IgnoreRules,
): IgnoreRules {
  const contents: string[] = [];
  for (const name of IGNORE_FILE_NAMES) {
    if (!entries.some((entry) => entry.name === name && entry.isFile())) continue;
    const content = readOptionalText(path.join(absoluteDirectory, name));
    if (content !== undefined) contents.push(content);
  }
  return contents.length === 0 ? inheritedRules : inheritedRules.withIgnoreFiles(directory, contents);
}

function visitFile(walk: Walk, relativePath: string, absolutePath: string, rules: IgnoreRules): void {
  if (rules.isIgnored(relativePath, false)) {
    walk.ignoredCount += 1;
    return;
  }
  if (!walk.includeSecrets && isLikelySecretPath(relativePath)) {
    skip(walk, relativePath, 'secret');
    return;
  }
  let stats: Stats;
  try {
    stats = statSync(absolutePath);
  } catch {
    skip(walk, relativePath, 'unreadable'); // deleted mid-scan, or no permission
    return;
  }
  addFile(walk, relativePath, absolutePath, stats);
}

/**
 * A symlinked file inside the root is indexed under its link path; a link
 * that leaves the root, or leads to a directory (possibly a cycle), is not followed.
 */
function visitSymlink(walk: Walk, relativePath: string, absolutePath: string, rules: IgnoreRules): void {
  let targetPath: string;
  let target: Stats;
  try {
    targetPath = realpathSync(absolutePath);
    target = statSync(targetPath);
  } catch {
    // Dangling link, a loop of links, or a target we may not read.
    if (rules.isIgnored(relativePath, false)) walk.ignoredCount += 1;
    else skip(walk, relativePath, 'unreadable');
    return;
  }
  if (rules.isIgnored(relativePath, target.isDirectory())) {
    walk.ignoredCount += 1;
    return;
  }
  if (!isInside(walk.rootRealPath, targetPath)) {
    skip(walk, relativePath, 'symlink-outside-root');
    return;
  }
  if (target.isDirectory()) {
    skip(walk, relativePath, 'symlink-directory');
    return;
  }
  if (!target.isFile()) return;
  // The target's own name counts too: `notes.txt -> .env` is still a secret.
  if (!walk.includeSecrets && (isLikelySecretPath(relativePath) || isLikelySecretPath(path.basename(targetPath)))) {
    skip(walk, relativePath, 'secret');
    return;
  }
  addFile(walk, relativePath, absolutePath, target);
}

function addFile(walk: Walk, relativePath: string, absolutePath: string, stats: Stats): void {
  if (stats.size > walk.maxFileBytes) {
    skip(walk, relativePath, 'too-large');
    return;
  }
  walk.files.push({ relativePath, absolutePath, size: stats.size, mtimeMs: stats.mtimeMs });
}

function skip(walk: Walk, relativePath: string, reason: SkipReason): void {
  walk.skipped.push({ relativePath, reason });
}

function isInside(rootRealPath: string, candidate: string): boolean {
  if (candidate === rootRealPath) return true;
  const prefix = rootRealPath.endsWith(path.sep) ? rootRealPath : rootRealPath + path.sep;
  return candidate.startsWith(prefix);
}

function readOptionalText(filePath: string): string | undefined {
  try {
    return readFileSync(filePath, 'utf8');
  } catch {
    return undefined;
  }
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The scan of just `relativePaths` (files or directories, existing or gone),
 * under exactly the rules of a full scan: a path below an ignored directory,
 * or ignored itself, yields nothing; a directory is walked. What the index
 * holds under a path that yields nothing is what has left the repository.
 * `ignores` carries the rules of the directories read so far between calls.
 */
export async function scanPaths(
  root: string,
  relativePaths: readonly string[],
  options: ScanOptions & { ignores?: RepositoryIgnores } = {},
): Promise<ScanResult> {
  const walk = startWalk(root, options);
  const rootPath = walk.rootPath;
  const ignores = options.ignores ?? new RepositoryIgnores(rootPath, options.extraIgnorePatterns);
  // A directory and a path below it both asked for: the directory's walk covers it.
  const requested = [...new Set(relativePaths.map(normalizeRelative).filter((p) => p !== null))].sort(compareCodeUnits);
  const covered: string[] = [];
  for (const relativePath of requested) {
    if (covered.some((directory) => relativePath === directory || relativePath.startsWith(`${directory}/`))) continue;
    const slash = relativePath.lastIndexOf('/');
    const rules = ignores.rulesFor(slash < 0 ? '' : relativePath.slice(0, slash));
    if (!rules) continue; // below an ignored directory
    const absolutePath = path.join(rootPath, relativePath);
    let stats: Stats;
    try {
      stats = lstatSync(absolutePath);
    } catch {
      continue; // gone
    }
    if (stats.isDirectory()) {
      if (rules.isIgnored(relativePath, true)) continue;
      covered.push(relativePath);
      await walkDirectory(walk, relativePath, absolutePath, rules);
    } else if (stats.isSymbolicLink()) {
      visitSymlink(walk, relativePath, absolutePath, rules);
    } else if (stats.isFile()) {
      visitFile(walk, relativePath, absolutePath, rules);
    }
  }
  const seen = new Set<string>();
  walk.files = walk.files.filter((file) => !seen.has(file.relativePath) && seen.add(file.relativePath));
  return walkResult(walk);
}

/** Root-relative with `/`; null for the root itself or a path that leaves it. */
function normalizeRelative(relativePath: string): string | null {
  const normal = path.posix.normalize(relativePath.split(path.sep).join('/')).replace(/^\.\/|\/+$/g, '');
  if (normal === '' || normal === '.' || normal === '..' || normal.startsWith('../') || path.isAbsolute(normal)) return null;
  return normal;
}

/**
 * The ignore rules of any directory of one repository, read on demand and
 * kept: what a watcher asks for every event, and what `scanPaths` needs for
 * the parents of the paths it is given. `rulesFor` is null for a directory
 * that is itself ignored or lies below one.
 */
export class RepositoryIgnores {
  private readonly byDirectory = new Map<string, IgnoreRules | null>();

  constructor(
    readonly rootPath: string,
    private readonly extraIgnorePatterns?: string[],
  ) {}

  rulesFor(directory: string): IgnoreRules | null {
    const known = this.byDirectory.get(directory);
    if (known !== undefined) return known;
    let rules: IgnoreRules | null;
    if (directory === '') {
      rules = this.readDirectory('', rootIgnoreRules(this.rootPath, this.extraIgnorePatterns));
    } else {
      const slash = directory.lastIndexOf('/');
      const parent = this.rulesFor(slash < 0 ? '' : directory.slice(0, slash));
      rules = parent && !parent.isIgnored(directory, true) ? this.readDirectory(directory, parent) : null;
    }
    this.byDirectory.set(directory, rules);
    return rules;
  }

  /** Whether a full scan would leave this path out by its ignore rules (not by size, secrecy or content). */
  isIgnored(relativePath: string, isDirectory: boolean): boolean {
    if (relativePath === '') return false;
    const slash = relativePath.lastIndexOf('/');
    const rules = this.rulesFor(slash < 0 ? '' : relativePath.slice(0, slash));
    return !rules || rules.isIgnored(relativePath, isDirectory);
  }

  /** An ignore file changed: every rule read so far may be wrong. */
  forget(): void {
    this.byDirectory.clear();
  }

  private readDirectory(directory: string, inherited: IgnoreRules): IgnoreRules {
    const absoluteDirectory = path.join(this.rootPath, directory);
    let entries: Dirent[];
    try {
      entries = readdirSync(absoluteDirectory, { withFileTypes: true }).filter((entry) =>
        (IGNORE_FILE_NAMES as readonly string[]).includes(entry.name),
      );
    } catch {
      return inherited; // gone or unreadable: nothing below it will be found either
    }
    return rulesInside(directory, absoluteDirectory, entries, inherited);
  }
}
