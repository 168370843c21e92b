// The benchmark corpus: N modules named module_00000.<ext> …, each of a
// seeded number of lines, written to a directory. Same options, same bytes:
// module i depends only on (seed, i, its language, its line count).

import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors/userError.js';
import { goSyntax } from './goSyntax.js';
import type { GeneratedLanguage, LanguageSyntax } from './languageSyntax.js';
import { writeModule, type GeneratedModule } from './moduleWriter.js';
import { pythonSyntax } from './pythonSyntax.js';
import { SeededRandom } from './seededRandom.js';
import { digestOf, treeHash, type FileDigest } from './treeHash.js';
import { typescriptSyntax } from './typescriptSyntax.js';

export const GENERATED_LANGUAGES: readonly GeneratedLanguage[] = ['python', 'typescript', 'go'];

const SYNTAXES: Record<GeneratedLanguage, LanguageSyntax> = { python: pythonSyntax, typescript: typescriptSyntax, go: goSyntax };

export interface CorpusOptions {
  files: number;
  seed: number;
  /** Languages in turn: module i is languages[i % languages.length]. */
  languages: GeneratedLanguage[];
  minLines: number;
  maxLines: number;
}

export const DEFAULT_CORPUS_OPTIONS: Readonly<CorpusOptions> = {
  files: 10_000,
  seed: 42,
  languages: ['python'],
  minLines: 100,
  maxLines: 2000,
};

export interface GeneratedTree {
  out: string;
  files: number;
  lines: number;
  bytes: number;
  /** See treeHash: reproducible with find | sort | sha256sum. */
  hash: string;
  filesByLanguage: Partial<Record<GeneratedLanguage, number>>;
  options: CorpusOptions;
}

/** Separates the line-count stream from the streams modules draw their content from. */
const LINE_COUNT_STREAM = 0x51ed270b;

export function lineCountOf(seed: number, index: number, minLines: number, maxLines: number): number {
  return SeededRandom.derive(seed ^ LINE_COUNT_STREAM, index).int(minLines, maxLines);
}

export function validateCorpusOptions(options: CorpusOptions): CorpusOptions {
  const problems: string[] = [];
  if (!Number.isInteger(options.files) || options.files < 1 || options.files > 1_000_000) problems.push('--files must be 1 to 1,000,000');
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) problems.push('--seed must be 0 to 4294967295');
  if (options.languages.length === 0) problems.push('--languages needs at least one language');
  for (const language of options.languages) {
    if (!GENERATED_LANGUAGES.includes(language)) problems.push(`unknown language '${language}' (choose from ${GENERATED_LANGUAGES.join(', ')})`);
  }
  if (!Number.isInteger(options.minLines) || options.minLines < 40) problems.push('--min-lines must be at least 40');
  if (!Number.isInteger(options.maxLines) || options.maxLines < options.minLines) problems.push('--max-lines must be at least --min-lines');
  if (problems.length) throw new UserError('INVALID_INPUT', `Invalid corpus options: ${problems.join('; ')}.`, 'See codebase-mcp bench generate --help.');
  return options;
}

/** Every module of the corpus, in index order, without touching the disk. */
export function* corpusModules(options: CorpusOptions): Generator<GeneratedModule & { language: GeneratedLanguage }> {
  const languageOf = (index: number) => SYNTAXES[options.languages[index % options.languages.length]];
  for (let index = 0; index < options.files; index++) {
    const syntax = languageOf(index);
    const lineCount = lineCountOf(options.seed, index, options.minLines, options.maxLines);
    yield { ...writeModule({ seed: options.seed, index, syntax, lineCount, languageOf }), language: syntax.language };
  }
}

const GENERATED_FILE = /^module_\d{5,}\.(py|ts|go)$/;

/** An empty or missing directory, or (with `replace`) one holding only an earlier generated corpus, which is removed. */
async function prepareOutput(out: string, replace: boolean): Promise<void> {
  const entries = await readdir(out).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  if (entries.length > 0) {
    const foreign = entries.filter((entry) => !GENERATED_FILE.test(entry));
    if (!replace || foreign.length > 0) {
      throw new UserError(
        'INVALID_INPUT',
        `Output directory ${out} is not empty${foreign.length ? ` (it holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''})` : ''}.`,
        foreign.length ? 'Choose an empty or new directory.' : 'Pass --force to replace the corpus generated there before.',
      );
    }
    await Promise.all(entries.map((entry) => rm(join(out, entry))));
  }
  await mkdir(out, { recursive: true });
}

export async function generateRepository(
  out: string,
  options: CorpusOptions,
  settings: { replace?: boolean; onProgress?: (done: number, total: number) => void } = {},
): Promise<GeneratedTree> {
  validateCorpusOptions(options);
  await prepareOutput(out, settings.replace === true);
  const digests: FileDigest[] = [];
  const filesByLanguage: Partial<Record<GeneratedLanguage, number>> = {};
  let lines = 0;
  let bytes = 0;
  const writing = new Set<Promise<void>>();
  for (const module of corpusModules(options)) {
    digests.push(digestOf(module.path, module.content));
    filesByLanguage[module.language] = (filesByLanguage[module.language] ?? 0) + 1;
    lines += module.lines;
    bytes += Buffer.byteLength(module.content);
    const write: Promise<void> = writeFile(join(out, module.path), module.content).then(() => {
      writing.delete(write);
    });
    writing.add(write);
    if (writing.size >= 32) await Promise.race(writing);
    if (digests.length % 500 === 0) settings.onProgress?.(digests.length, options.files);
  }
  await Promise.all(writing);
  settings.onProgress?.(options.files, options.files);
  return { out, files: digests.length, lines, bytes, hash: treeHash(digests), filesByLanguage, options };
}
