// Splits one file into chunks for indexing: syntax-aware with tree-sitter where
// a grammar exists, line windows otherwise. The chunks always partition the
// file: sorted, non-overlapping, every line in exactly one chunk.

import { declarationFinder } from './declarationRules.js';
import { detectLanguage, hasGrammar } from './languages.js';
import { lineWindows, markdownSections } from './lineWindows.js';
import { packUnits } from './packUnits.js';
import { SourceLines, type ChunkBounds } from './sourceLines.js';
import { syntaxUnits } from './syntaxUnits.js';
import { withSyntaxTree } from './treeSitter.js';

export { detectLanguage } from './languages.js';
export type { ChunkBounds } from './sourceLines.js';

export interface Chunk {
  /** 1-based, inclusive. */
  startLine: number;
  /** 1-based, inclusive. */
  endLine: number;
  /** Exact text of those lines, joined with '\n'. */
  content: string;
  /** e.g. 'UserService.authenticate'; for merged chunks the first declaration's name. */
  symbol: string | null;
  /** 'function' | 'method' | 'class' | 'interface' | 'type' | 'enum' | 'struct' | …; null for module-level code and text windows. */
  kind: string | null;
  /** Every declaration name inside the chunk. */
  symbols: string[];
}

export interface ChunkedFile {
  language: string;
  chunks: Chunk[];
  parser: 'tree-sitter' | 'lines';
}

export interface ChunkOptions {
  /** Most lines in a chunk (default 60); only a single over-long line may exceed maxChars. */
  maxLines?: number;
  /** Most characters in a chunk (default 2,500). */
  maxChars?: number;
  /** Fewest lines in a chunk (default 5) unless the file is smaller or no neighbour can take it. */
  minLines?: number;
}

export const DEFAULT_CHUNK_BOUNDS: Readonly<ChunkBounds> = { maxLines: 60, maxChars: 2500, minLines: 5 };

function positiveInteger(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? Math.max(1, Math.floor(value)) : fallback;
}

function boundsFrom(options: ChunkOptions): ChunkBounds {
  const maxLines = positiveInteger(options.maxLines, DEFAULT_CHUNK_BOUNDS.maxLines);
  const maxChars = positiveInteger(options.maxChars, DEFAULT_CHUNK_BOUNDS.maxChars);
  const minLines = Math.min(maxLines, positiveInteger(options.minLines, DEFAULT_CHUNK_BOUNDS.minLines));
  return { maxLines, maxChars, minLines };
}

/** Never throws for bad content: a grammar that fails to load or parse falls back to line windows. */
export async function chunkFile(relativePath: string, content: string, options: ChunkOptions = {}): Promise<ChunkedFile> {
  const bounds = boundsFrom(options);
  const firstLine = content.slice(0, Math.min(content.length, 200)).split('\n', 1)[0];
  const language = detectLanguage(relativePath, firstLine);
  if (content.trim() === '') return { language, chunks: [], parser: 'lines' };
  const source = new SourceLines(content);

  if (hasGrammar(language)) {
    const finder = declarationFinder(language);
    try {
      const units = await withSyntaxTree(language, content, (tree) => syntaxUnits(tree, source, bounds, finder));
      if (units !== null) return { language, chunks: packUnits(units, source, bounds), parser: 'tree-sitter' };
    } catch {
      // A parser failure is not the file's fault: index it as plain lines.
    }
  }
  const units = language === 'markdown'
    ? markdownSections(source, bounds)
    : lineWindows(source, 0, source.count - 1, bounds);
  return { language, chunks: packUnits(units, source, bounds), parser: 'lines' };
}
