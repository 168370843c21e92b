// Separates a chunk's comments and docstrings from its code, so full text can
// weight what a chunk says about itself apart from the identifiers it uses.
// A light lexical scan, not a parser: strings are not tracked, so a `//` in a
// URL literal may turn the rest of that line into "comment" (it only changes
// the weight of those words, never whether they are searchable).

/** Languages whose line comments start with `#` (elsewhere `#` is a preprocessor or an operator). */
const HASH_COMMENTS = new Set(['python', 'ruby', 'bash', 'shell', 'perl', 'r', 'yaml', 'toml', 'ini', 'powershell', 'makefile', 'dockerfile', 'elixir', 'nim']);
/** Languages without C-style line and block comments. */
const NO_C_COMMENTS = new Set(['python', 'ruby', 'bash', 'shell', 'perl', 'r', 'yaml', 'toml', 'ini', 'makefile', 'dockerfile', 'elixir', 'nim', 'markdown', 'text']);
const DASH_COMMENTS = new Set(['sql', 'lua', 'haskell']);

export interface CommentSplit {
  comments: string;
  code: string;
}

function commentPattern(language: string): RegExp {
  const parts = ['"""[\\s\\S]*?(?:"""|$)', "'''[\\s\\S]*?(?:'''|$)"];
  if (!NO_C_COMMENTS.has(language)) parts.push('/\\*[\\s\\S]*?(?:\\*/|$)', '//[^\\n]*');
  if (HASH_COMMENTS.has(language)) parts.push('#[^\\n]*');
  if (DASH_COMMENTS.has(language)) parts.push('--[^\\n]*');
  return new RegExp(parts.join('|'), 'g');
}

const patterns = new Map<string, RegExp>();

export function splitComments(content: string, language: string): CommentSplit {
  let pattern = patterns.get(language);
  if (!pattern) patterns.set(language, (pattern = commentPattern(language)));
  const comments: string[] = [];
  const code = content.replace(pattern, (match) => {
    comments.push(match);
    return ' ';
  });
  return { comments: comments.join('\n'), code };
}
