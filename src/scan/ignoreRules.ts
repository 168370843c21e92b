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

/** Where a rule was written, so a report can name it: `/*` at `.gitignore:165`. */
export interface RuleOrigin {
  /** The line as written in its file (or the pattern as given in the settings). */
  rule: string;
  /** Root-relative path of the ignore file, or a description such as `extraIgnorePatterns`. */
  file: string;
  /** 1-based line in `file`, or null for rules that are not from a file. */
  line: number | null;
}

/** One ignore file's text, with its root-relative path for reports. */
export interface IgnoreFileText {
  file: string;
  content: string;
}

/** A rule as matched (rebased onto the root) and where it was written. */
interface SourcedRule extends RuleOrigin {
  pattern: string;
}

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
    /** The same rules as `effectiveRules`, in the same order, with where each was written. */
    private readonly sourced: readonly SourcedRule[],
    private readonly singleRuleCache: Map<string, ignore.Ignore>,
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
    const excludeLines = splitLines(options.gitInfoExclude ?? '');
    const fileRules = ruleSet(ignoreCase, [excludeLines]);
    const extraRules = ruleSet(ignoreCase, [options.extraIgnorePatterns ?? []]);
    const effectiveRules = ruleSet(ignoreCase, [fileRules, extraRules]);
    const sourced = [
      ...sourceLines(excludeLines, '.git/info/exclude', ''),
      ...(options.extraIgnorePatterns ?? []).map((rule) => ({ rule, pattern: rule, file: 'extraIgnorePatterns', line: null })),
    ];
    return new IgnoreRules(ignoreCase, new BuiltinIgnores(ignoreCase), fileRules, extraRules, effectiveRules, sourced, new Map());
  }

  /**
   * The rules inside `directory` (root-relative, '' for the root), given the
   * contents of the ignore files found there, in increasing precedence.
   */
  withIgnoreFiles(directory: string, contents: ReadonlyArray<string | IgnoreFileText>): IgnoreRules {
    const added = contents.flatMap((entry) =>
      typeof entry === 'string'
        ? sourceLines(splitLines(entry), directory === '' ? '(ignore file)' : `${directory}/(ignore file)`, directory)
        : sourceLines(splitLines(entry.content), entry.file, directory),
    );
    if (added.length === 0) return this;
    const fileRules = ruleSet(this.ignoreCase, [this.fileRules, added.map((rule) => rule.pattern)]);
    const effectiveRules = ruleSet(this.ignoreCase, [fileRules, this.extraRules]);
    const fileRuleCount = this.sourced.length - this.extraRuleCount();
    const sourced = [...this.sourced.slice(0, fileRuleCount), ...added, ...this.sourced.slice(fileRuleCount)];
    return new IgnoreRules(this.ignoreCase, this.builtins, fileRules, this.extraRules, effectiveRules, sourced, this.singleRuleCache);
  }

  private extraRuleCount(): number {
    let count = 0;
    for (let index = this.sourced.length - 1; index >= 0 && this.sourced[index].file === 'extraIgnorePatterns'; index -= 1) count += 1;
    return count;
  }

  /**
   * Which rule leaves out a path `isIgnored` said is ignored: the last
   * repository rule that matches it (git's "last match wins"), else the
   * built-in pattern. Only called for ignored paths, to report them.
   */
  explain(relativePath: string, isDirectory: boolean): RuleOrigin {
    const candidate = isDirectory ? `${relativePath}/` : relativePath;
    if (this.effectiveRules.rules.test(candidate).ignored) {
      for (let index = this.sourced.length - 1; index >= 0; index -= 1) {
        const rule = this.sourced[index];
        const verdict = this.singleRule(rule.pattern).test(candidate);
        if (verdict.ignored || verdict.unignored) {
          if (verdict.ignored) return { rule: rule.rule, file: rule.file, line: rule.line };
          break;
        }
      }
    }
    const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
    return { rule: this.builtins.explain(name, isDirectory) ?? name, file: 'built-in', line: null };
  }

  private singleRule(pattern: string): ignore.Ignore {
    let compiled = this.singleRuleCache.get(pattern);
    if (compiled === undefined) this.singleRuleCache.set(pattern, (compiled = ignore({ ignorecase: this.ignoreCase }).add(pattern)));
    return compiled;
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

/** The non-blank, non-comment lines of one ignore file, rebased onto the root, with their line numbers. */
function sourceLines(lines: readonly string[], file: string, directory: string): SourcedRule[] {
  const rules: SourcedRule[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const pattern = rebaseIgnorePattern(line, directory);
    if (pattern !== undefined) rules.push({ rule: line.replace(/ +$/, ''), pattern, file, line: index + 1 });
  });
  return rules;
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
