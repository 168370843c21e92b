// The scanner's public data shapes: what a scan found, what it left out and why.

/** A file the scanner selected for indexing. */
export interface ScannedFile {
  /** Path from the repository root, always with `/` separators. */
  relativePath: string;
  absolutePath: string;
  size: number;
  mtimeMs: number;
}

export type SkipReason =
  | 'too-large'
  | 'secret'
  | 'binary'
  | 'minified'
  | 'symlink-outside-root'
  | 'symlink-directory'
  | 'unreadable';

/**
 * A path the scanner saw but will not index, with the reason, so a user can
 * tell why a file is missing from search results. Paths excluded by ignore
 * rules are not listed here (there are usually far too many); they are only
 * counted in `ScanResult.ignoredCount`.
 */
export interface SkippedFile {
  relativePath: string;
  reason: SkipReason;
}

export interface ScanOptions {
  /**
   * Outside a git repository, .gitignore files are read only when this is
   * false (ripgrep's `--no-require-git`). Default true. The product's own
   * .codebase-mcp-ignore and the built-in ignores always apply.
   */
  requireGit?: boolean;
  /**
   * Inside a git repository, index git's view (`git ls-files`: tracked files,
   * plus untracked files no ignore rule excludes). Default true; false reads
   * the .gitignore files instead, as outside a repository with requireGit false.
   */
  useGit?: boolean;
  /** The git executable (tests point it at a missing one to exercise the fallback). */
  gitCommand?: string;
  /** Files larger than this are skipped as 'too-large'. Default 1 MiB. */
  maxFileBytes?: number;
  /** Index likely secrets (`.env*`, keys, credential files) too. Default false. */
  includeSecrets?: boolean;
  /** Extra gitignore-syntax patterns relative to the root; they take precedence over every ignore file. */
  extraIgnorePatterns?: string[];
}

export interface ScanResult {
  /** Sorted by `relativePath` (plain code-unit order, so the same on every machine). */
  files: ScannedFile[];
  /** Sorted by `relativePath`. */
  skipped: SkippedFile[];
  /** Directories whose entries were read, the root included. Ignored directories are never read. */
  directoriesVisited: number;
  /** Files and directories excluded by ignore rules; an ignored directory counts once, whatever it holds. */
  ignoredCount: number;
  /**
   * Which rules decided: `git` (git's view of a repository), `gitignore-files`
   * (.gitignore files read by the scanner), or `product-rules` (outside a
   * repository: only .codebase-mcp-ignore, settings and built-ins).
   */
  ignoreMode: 'git' | 'gitignore-files' | 'product-rules';
  /** The ignored entries per rule, most first: what a user needs to see when an index comes out empty. */
  leftOutByRule: LeftOutRule[];
  /** Things a user should know about how the rules were applied (git missing, .gitignore files not read). */
  notices: string[];
}

/** How many entries (files, and folders counted once) one rule left out, and where it is written. */
export interface LeftOutRule {
  /** The pattern as written, e.g. `/*`. */
  rule: string;
  /** `.gitignore`, `src/.codebase-mcp-ignore`, `built-in`, `extraIgnorePatterns`, or `git` for untracked folders git lists nothing in. */
  file: string;
  line: number | null;
  entries: number;
}
