// The warning an index run gives when it comes out empty, or when the
// repository's own rules left out most of what the scan found: a silent
// empty index is the worst answer a search tool can give.
import type { LeftOutRule, ScanResult } from './types.js';

/** Rules named in a warning; the rest are summed up in one line. */
const RULES_SHOWN = 8;

/** `/*` at `.gitignore:165`, or `node_modules/` (built-in). */
export function describeRule(rule: LeftOutRule): string {
  if (rule.file === 'built-in') return `\`${rule.rule}\` (built-in)`;
  if (rule.line === null) return `\`${rule.rule}\` (${rule.file})`;
  return `\`${rule.rule}\` at \`${rule.file}:${rule.line}\``;
}

function isRepositoryRule(rule: LeftOutRule): boolean {
  return rule.file !== 'built-in';
}

/**
 * A warning naming the rules that left files out, or null when the run kept
 * enough. `indexedFiles` is what the index holds after the run.
 */
export function leftOutWarning(root: string, scan: Pick<ScanResult, 'files' | 'leftOutByRule' | 'ignoreMode' | 'skipped'>, indexedFiles: number): string | null {
  const leftOut = scan.leftOutByRule.reduce((sum, rule) => sum + rule.entries, 0);
  const byRepositoryRules = scan.leftOutByRule.filter(isRepositoryRule).reduce((sum, rule) => sum + rule.entries, 0);
  const kept = scan.files.length;
  const empty = indexedFiles === 0;
  if (!empty && byRepositoryRules <= kept) return null;
  const lines = [
    empty
      ? `Nothing was indexed in ${root}: the scan kept ${kept} files${leftOut ? `; ignore rules left out ${leftOut} entries (a folder counts once)` : ''}${scan.skipped.length ? `, ${scan.skipped.length} files were skipped (${skipReasons(scan.skipped)})` : ''}.`
      : `Most of ${root} was left out: ignore rules removed ${byRepositoryRules} entries (a folder counts once) and kept ${kept} files.`,
  ];
  for (const rule of scan.leftOutByRule.slice(0, RULES_SHOWN)) lines.push(`  ${rule.entries} left out by ${describeRule(rule)}`);
  if (scan.leftOutByRule.length > RULES_SHOWN) {
    const rest = scan.leftOutByRule.slice(RULES_SHOWN).reduce((sum, rule) => sum + rule.entries, 0);
    lines.push(`  ${rest} left out by ${scan.leftOutByRule.length - RULES_SHOWN} other rules`);
  }
  lines.push(
    scan.ignoreMode === 'git'
      ? 'Fix: in a git repository the files git lists are indexed (tracked, plus untracked ones no .gitignore excludes): track the files (git add), or change the .gitignore line named above.'
      : 'Fix: edit the rule named above, re-include with a !pattern line in .codebase-mcp-ignore, or index a different folder.',
  );
  return lines.join('\n');
}

function skipReasons(skipped: ScanResult['skipped']): string {
  const counts = new Map<string, number>();
  for (const entry of skipped) counts.set(entry.reason, (counts.get(entry.reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => `${count} ${reason}`).join(', ');
}
