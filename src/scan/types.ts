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
}
