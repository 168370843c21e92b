// The tokens of a chunk's search fields (searchLexemes.ChunkFields): what its
// file and symbols are called, where it lives, what its comments say, and its code.
import { codeTokens, identifiersIn, splitIdentifier } from './codeTokens.js';
import { splitComments } from './commentText.js';
import { identifierCompounds, type ChunkFields } from './searchLexemes.js';

/** Pieces of every identifier in a name, plus the compounds of each (identifierCompounds). */
function nameTokens(names: string[]): string[] {
  const tokens: string[] = [];
  for (const name of names) {
    for (const identifier of identifiersIn(name)) {
      const pieces = splitIdentifier(identifier);
      tokens.push(...pieces, ...identifierCompounds(pieces));
    }
  }
  return tokens;
}

export function chunkFields(path: string, language: string, symbols: string[], content: string): ChunkFields {
  const slash = path.lastIndexOf('/');
  const fileName = path.slice(slash + 1).replace(/\.[^.]*$/, '');
  const { comments, code } = splitComments(content, language);
  return {
    name: nameTokens([fileName, ...symbols]),
    directories: codeTokens(slash >= 0 ? path.slice(0, slash) : ''),
    comments: codeTokens(comments, true),
    body: codeTokens(code, true),
  };
}
