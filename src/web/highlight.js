// A small syntax highlighter: comments, strings, numbers, keywords and called
// names, for the languages the index knows. Good enough to read a snippet;
// not a parser. Returns HTML with the source escaped.

const KEYWORDS = {
  common: 'typedef unsigned signed short if else for while do return break continue switch case default try catch finally throw new delete in of class extends import export from as async await yield static const let var function def lambda pass raise with not and or is None True False null true false nil this self super public private protected interface enum struct package func go defer chan fn impl trait mut pub where unsafe crate elif except nonlocal assert del void int char long float double bool boolean namespace using virtual override template typename sizeof goto register volatile extern inline throws final abstract require rescue ensure unless until elsif yield instanceof typeof satisfies readonly keyof override sealed suspend local',
};
const KEYWORD_SET = new Set(KEYWORDS.common.split(' '));

const HASH_COMMENT = new Set(['python', 'ruby', 'bash', 'shell', 'powershell', 'perl', 'r', 'yaml', 'toml', 'ini', 'dockerfile', 'make', 'makefile', 'cmake', 'elixir']);

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function tokenPattern(language) {
  const comment = HASH_COMMENT.has(language) ? '#[^\\n]*' : '\\/\\/[^\\n]*|\\/\\*[\\s\\S]*?(?:\\*\\/|$)';
  const triple = language === 'python' ? '"""[\\s\\S]*?(?:"""|$)|\'\'\'[\\s\\S]*?(?:\'\'\'|$)|' : '';
  const backtick = HASH_COMMENT.has(language) ? '' : '|`(?:\\\\[\\s\\S]|[^`\\\\])*`?';
  return new RegExp(
    `(${comment})|(${triple}"(?:\\\\.|[^"\\\\\\n])*"?|'(?:\\\\.|[^'\\\\\\n])*'?${backtick})|(\\b\\d[\\w.]*\\b)|([A-Za-z_$][\\w$]*)(\\s*\\()?`,
    'g',
  );
}

export function highlight(code, language) {
  const pattern = tokenPattern((language || '').toLowerCase());
  let html = '';
  let last = 0;
  for (const match of code.matchAll(pattern)) {
    html += escapeHtml(code.slice(last, match.index));
    last = match.index + match[0].length;
    const [whole, comment, string, number, word, call] = match;
    if (comment) html += `<span class="tok-com">${escapeHtml(comment)}</span>`;
    else if (string) html += `<span class="tok-str">${escapeHtml(string)}</span>`;
    else if (number) html += `<span class="tok-num">${escapeHtml(number)}</span>`;
    else if (word && KEYWORD_SET.has(word)) html += `<span class="tok-kw">${escapeHtml(word)}</span>${escapeHtml(call ?? '')}`;
    else if (word && call) html += `<span class="tok-fn">${escapeHtml(word)}</span>${escapeHtml(call)}`;
    else html += escapeHtml(whole);
  }
  return html + escapeHtml(code.slice(last));
}
