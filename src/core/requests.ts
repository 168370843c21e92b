// Input contracts shared by the MCP tools and the CLI: one definition of
// every limit, so both adapters accept and refuse exactly the same things.
import { z } from 'zod';
import { UserError } from '../errors/userError.js';
import { SEARCH_MODES } from '../search/searchModes.js';
import { knownLanguages } from '../chunk/languages.js';

export { SEARCH_MODES };

/** NUL and other control characters (tab, newline and carriage return allowed): what binary data pasted as a query looks like. */
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/** A UTF-16 surrogate without its pair: not text, and not encodable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LANGUAGES = new Set(knownLanguages());

export const projectName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'use 1-63 letters, digits, dots, dashes or underscores')
  .describe('Project name (defaults to the project whose repository contains the working directory)');

export const indexRequest = {
  path: z
    .string()
    .min(1)
    .max(4096)
    .refine((value) => value.trim() !== '', 'the path is empty; pass the repository directory')
    .refine((value) => !value.includes('\u0000'), 'the path contains a NUL byte')
    .describe('Repository directory to index (absolute, or relative to the server working directory)'),
  project: projectName.optional().describe('Project name; defaults to the directory name'),
  force: z.boolean().optional().describe('Re-chunk and re-embed every file instead of only changed ones'),
  no_require_git: z
    .boolean()
    .optional()
    .describe('Outside a git repository, apply .gitignore files too (like ripgrep --no-require-git); default: the noRequireGit setting'),
};

export const searchRequest = {
  query: z
    .string()
    .max(2000)
    .refine((value) => value.trim().length > 0, 'the query is empty')
    .refine((value) => !CONTROL_CHARACTERS.test(value), 'the query contains NUL or other control characters (binary data?); search for text')
    .refine((value) => !LONE_SURROGATE.test(value), 'the query is not valid Unicode text (a lone surrogate)')
    .describe('What to look for: a natural-language question or identifiers'),
  project: projectName.optional(),
  limit: z.number().int().min(1).max(100).optional().describe('Number of results (1-100, default 10)'),
  mode: z.enum(SEARCH_MODES).optional().describe('hybrid (default): meaning + keywords; semantic: meaning only; lexical: keywords only'),
  language: z
    .string()
    .min(1)
    .max(40)
    .refine((value) => LANGUAGES.has(value.toLowerCase()), `unknown language; use one of ${[...LANGUAGES].join(', ')}`)
    .optional().describe('Only this language, e.g. python, typescript, go'),
  extension: z
    .string()
    .min(1)
    .max(20)
    .regex(/^\.?[A-Za-z0-9_+-]+$/, 'an extension is letters, digits, _ + or -, e.g. py or .tsx')
    .optional().describe('Only files with this extension, e.g. py or .tsx'),
  path: z.string().min(1).max(500).optional().describe('Only paths matching this glob or below this directory, e.g. src/auth or **/*.test.ts'),
  max_tokens: z.number().int().min(200).max(100_000).optional().describe('Budget for all snippets together (default 8000 estimated tokens)'),
  context_lines: z.number().int().min(0).max(50).optional().describe('Extra lines of the file around each result (default 0)'),
};

export const searchRequestSchema = z.object(searchRequest);
export type SearchInput = z.infer<typeof searchRequestSchema>;

export const DEFAULT_LIMIT = 10;
export const DEFAULT_MAX_TOKENS = 8000;

/** zod failure → INVALID_INPUT naming the field and the rule it broke. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue.path.join('.') || 'input';
  throw new UserError('INVALID_INPUT', `Invalid ${field}: ${issue.message}.`, 'Fix that argument and try again.');
}

/** Refuses paths that must not be resolved at all: checked by front ends before they resolve, and by the core. */
export function checkRepositoryPath(path: string): void {
  // An empty path would resolve to the working directory and index it unasked.
  if (path.trim() === '') {
    throw new UserError('INVALID_INPUT', 'The repository path is empty.', 'Pass the directory of a repository to index, e.g. codebase-mcp index . for the current one.');
  }
  if (path.includes('\0')) {
    throw new UserError('INVALID_INPUT', 'The repository path contains a NUL byte.', 'Pass the directory of a repository to index.');
  }
}
