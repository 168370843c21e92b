// The keyword yardstick: what a developer gets from ripgrep. The query's
// words (question words dropped, light suffixes stripped, identifiers kept
// whole too) go to one `rg -i -F -o` run over the tree; files are ranked by
// how many of those words they contain, then by how often.

import { spawn } from 'node:child_process';
import { identifiersIn, splitIdentifier } from '../tokens/codeTokens.js';

/** Words a developer would not type into grep: question words and glue. */
const QUESTION_WORDS = new Set(
  `a an and are as at be been by can could do does did for from get gets got how i if in into is it its me my
  of on or our should so that the their them then there these this those to use used uses using was we what
  when where which who why will with work works would you your`.split(/\s+/),
);

export interface KeywordTerm {
  /** What rg searches for (case-insensitive, as a fixed string). */
  text: string;
  /** Query words this term stands for: a whole identifier stands for each of its pieces. */
  covers: string[];
}

/** signed → sign, cookies → cookie, policies → polic, retrying → retry: enough of the stem to match every form. */
function stem(word: string): string {
  for (const suffix of ['ies', 'ing', 'ed', 's']) {
    if (word.endsWith(suffix) && !word.endsWith('ss') && word.length - suffix.length >= 4) return word.slice(0, -suffix.length);
  }
  return word;
}

export function keywordTerms(query: string): KeywordTerm[] {
  const terms = new Map<string, KeywordTerm>();
  for (const identifier of identifiersIn(query)) {
    const pieces = splitIdentifier(identifier).filter((piece) => piece.length >= 3 && !QUESTION_WORDS.has(piece));
    if (pieces.length === 0) continue;
    if (splitIdentifier(identifier).length > 1) {
      const whole = identifier.toLowerCase();
      terms.set(whole, { text: whole, covers: pieces.map(stem) });
    }
    for (const piece of pieces) {
      const text = stem(piece);
      if (!terms.has(text)) terms.set(text, { text, covers: [text] });
    }
  }
  // Longest first: at one position rg reports the first pattern that matches, so a whole identifier beats its pieces.
  return [...terms.values()].sort((a, b) => b.text.length - a.text.length || a.text.localeCompare(b.text));
}

export interface RipgrepRanking {
  /** Repository-relative paths, best first. */
  files: string[];
  terms: string[];
}

export class RipgrepUnavailableError extends Error {}

/** ripgrep's version line, or null when `rg` is not on the PATH. */
export function ripgrepVersion(command = 'rg'): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(command, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout.on('data', (data) => (output += data));
    child.on('error', () => resolve(null));
    child.on('close', (code) => resolve(code === 0 ? output.split('\n')[0].trim() : null));
  });
}

export function ripgrepArguments(terms: string[]): string[] {
  return [
    '--no-config',
    '--ignore-case',
    '--fixed-strings',
    '--only-matching',
    '--no-line-number',
    '--with-filename',
    '--null',
    '--no-heading',
    '--color=never',
    ...terms.flatMap((term) => ['-e', term]),
    '--',
    '.',
  ];
}

export async function rankFilesWithRipgrep(root: string, query: string, options: { command?: string; limit?: number } = {}): Promise<RipgrepRanking> {
  const terms = keywordTerms(query);
  if (terms.length === 0) return { files: [], terms: [] };
  const byText = new Map(terms.map((term) => [term.text, term]));
  const perFile = new Map<string, { words: Set<string>; matches: number }>();
  const record = (line: string) => {
    const separator = line.indexOf('\0');
    if (separator === -1) return;
    const path = line.slice(0, separator).replace(/^\.\//, '');
    const term = byText.get(line.slice(separator + 1).toLowerCase());
    if (!term) return;
    let entry = perFile.get(path);
    if (!entry) perFile.set(path, (entry = { words: new Set(), matches: 0 }));
    for (const word of term.covers) entry.words.add(word);
    entry.matches++;
  };
  await new Promise<void>((resolve, reject) => {
    const child = spawn(options.command ?? 'rg', ripgrepArguments(terms.map((term) => term.text)), {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data: string) => {
      const lines = (pending + data).split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(record);
    });
    child.stderr.on('data', (data) => (stderr += data));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new RipgrepUnavailableError('ripgrep (rg) is not installed') : error),
    );
    child.on('close', (code) => {
      record(pending);
      // 1 means no match; 2 with output means some files could not be read.
      if (code === 0 || code === 1 || (code === 2 && perFile.size > 0)) resolve();
      else reject(new Error(`rg exited with ${code}: ${stderr.trim()}`));
    });
  });
  const files = [...perFile.entries()]
    .sort(([pathA, a], [pathB, b]) => b.words.size - a.words.size || b.matches - a.matches || (pathA < pathB ? -1 : pathA > pathB ? 1 : 0))
    .map(([path]) => path)
    .slice(0, options.limit ?? Number.MAX_SAFE_INTEGER);
  return { files, terms: terms.map((term) => term.text) };
}

