// The ignore rules in force inside one directory of the walk.
//
// Git reads a .gitignore relative to the directory that holds it, and a
// deeper file overrides a shallower one. The `ignore` package matches paths
// against one flat, root-relative rule list in which the last matching rule
// wins. So each nested pattern is rebased onto the root (`*.log` in `src/`
// becomes `src/**/*.log`) and appended after the rules of every shallower
// directory: "later wins" then gives git's "deeper wins". One flat list also
// lets `ignore` apply git's "a file cannot be re-included when its parent
// directory is excluded" across files: with a matcher per file, a shallow
// file's exclusion of a directory would leak onto paths a deeper file had
// re-included.
//
// Precedence, lowest first: built-ins, .git/info/exclude, then per directory
// from the root down: .gitignore, .codebase-mcp-ignore (the product's file
// speaks last in its own directory), and finally `extraIgnorePatterns`,
// which act like patterns given on git's command line. The built-ins are
// consulted only when no repository rule excludes a path, and give way only
// to a negation that names the path (see builtinIgnores.ts for why).

import ignore from 'ignore';
import { BuiltinIgnores } from './builtinIgnores.js';

/** Ignore files read in every directory, in increasing precedence. */
export const IGNORE_FILE_NAMES = ['.gitignore', '.codebase-mcp-ignore'] as const;

/** A rule list, plus the subset of it that may override built-in ignores. */
interface RuleSet {
  /** Every rule in precedence order: the last match wins. */
  rules: ignore.Ignore;
  /**
   * Only the negations whose last path segment has no wildcard (`!dist/`
   * but not `!*.ts`). Holding no positive rule, it reports `unignored` for a path
   * whatever its parents, which is what the built-in override needs.
   */
  namedNegations: ignore.Ignore;
}

export class IgnoreRules {
  private constructor(
    private readonly ignoreCase: boolean,
    private readonly builtins: BuiltinIgnores,
    /** Rules from .git/info/exclude and the ignore files from the root down to here. */
    private readonly fileRules: RuleSet,
    private readonly extraRules: RuleSet,
    /** `fileRules` followed by `extraRules`: what paths are actually tested against. */
    private readonly effectiveRules: RuleSet,
  ) {}

  /**
   * The rules at the repository root, before any .gitignore is read.
   * `ignoreCase` follows the file system: git ignores case where the
   * file system does (macOS, Windows) and matches exactly elsewhere.
   */
  static forRoot(options: {
    ignoreCase: boolean;
    gitInfoExclude?: string;
    extraIgnorePatterns?: readonly string[];
  }): IgnoreRules {
    const { ignoreCase } = options;
    const fileRules = ruleSet(ignoreCase, [splitLines(options.gitInfoExclude ?? '')]);
    const extraRules = ruleSet(ignoreCase, [options.extraIgnorePatterns ?? []]);
    const effectiveRules = ruleSet(ignoreCase, [fileRules, extraRules]);
    return new IgnoreRules(ignoreCase, new BuiltinIgnores(ignoreCase), fileRules, extraRules, effectiveRules);
  }

  /**
   * The rules inside `directory` (root-relative, '' for the root), given the
   * contents of the ignore files found there, in increasing precedence.
   */
  withIgnoreFiles(directory: string, contents: readonly string[]): IgnoreRules {
    const patterns = contents.flatMap((content) =>
      splitLines(content).flatMap((line) => rebaseIgnorePattern(line, directory) ?? []),
    );
    if (patterns.length === 0) return this;
    const fileRules = ruleSet(this.ignoreCase, [this.fileRules, patterns]);
    const effectiveRules = ruleSet(this.ignoreCase, [fileRules, this.extraRules]);
    return new IgnoreRules(this.ignoreCase, this.builtins, fileRules, this.extraRules, effectiveRules);
  }

  /**
   * `relativePath` is root-relative with `/` separators. The walk calls this
   * only for paths whose parent folders it has already found not ignored.
   */
  isIgnored(relativePath: string, isDirectory: boolean): boolean {
    const candidate = isDirectory ? `${relativePath}/` : relativePath;
    const verdict = this.effectiveRules.rules.test(candidate);
    if (verdict.ignored) return true;
    const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
    const builtin = this.builtins.match(name, isDirectory);
    if (builtin === undefined) return false;
    if (builtin === 'version-control') return true;
    // A built-in default gives way only when the deciding rule is a negation and one names this path.
    return !(verdict.unignored && this.effectiveRules.namedNegations.test(candidate).unignored);
  }
}

function ruleSet(ignoreCase: boolean, parts: ReadonlyArray<RuleSet | readonly string[]>): RuleSet {
  const rules = ignore({ ignorecase: ignoreCase });
  const namedNegations = ignore({ ignorecase: ignoreCase });
  for (const part of parts) {
    if ('rules' in part) {
      rules.add(part.rules);
      namedNegations.add(part.namedNegations);
    } else {
      rules.add([...part]);
      namedNegations.add(part.filter(isNamedNegation));
    }
  }
  return { rules, namedNegations };
}

// True for `!dist/` or `!src/**/vendor`, false for `!*/` or `!*.ts`.
export function isNamedNegation(pattern: string): boolean {
  if (!pattern.startsWith('!')) return false;
  const body = pattern.slice(1).replace(/ +$/, '').replace(/\/$/, '');
  const lastSegment = body.slice(body.lastIndexOf('/') + 1);
  return lastSegment !== '' && !/[*?[\\]/.test(lastSegment);
}

function splitLines(content: string): string[] {
  return content.replace(/^\uFEFF/, '').split(/\r?\n/);
}

/**
 * Rewrites one line of the ignore file held by `directory` into a pattern
 * relative to the repository root, or undefined for a blank line or comment.
 * Only where the pattern is anchored changes; matching itself stays with `ignore`.
 */
export function rebaseIgnorePattern(line: string, directory: string): string | undefined {
  if (directory === '') return line;
  if (line.trim() === '' || line.startsWith('#')) return undefined;
  const negated = line.startsWith('!');
  const pattern = negated ? line.slice(1) : line;
  // Git: a slash at the start or in the middle anchors the pattern to the
  // ignore file's directory; otherwise it matches at any depth below it.
  // (A trailing slash only means "directories only".) Trailing spaces are
  // trimmed by git, so they must not hide a trailing slash.
  const core = pattern.replace(/ +$/, '').replace(/\/$/, '');
  if (core === '' || core === '/') return undefined;
  const anchored = core.includes('/');
  const rebased = anchored
    ? `${escapeGlob(directory)}/${pattern.replace(/^\//, '')}`
    : `${escapeGlob(directory)}/**/${pattern}`;
  return negated ? `!${rebased}` : rebased;
}

/** Escapes a literal directory path so glob characters in folder names match only themselves. */
function escapeGlob(literal: string): string {
  return literal.replace(/[\\*?[\]!#]/g, '\\$&');
}
