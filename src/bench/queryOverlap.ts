// Guards the labelled query set against questions copied from the code they
// target: the longest run of consecutive query words that the gold file
// contains verbatim (case and punctuation ignored).

function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

export function longestSharedRun(query: string, text: string): number {
  const queryWords = wordsOf(query);
  const textWords = wordsOf(text);
  const positions = new Map<string, number[]>();
  textWords.forEach((word, index) => {
    const list = positions.get(word);
    if (list) list.push(index);
    else positions.set(word, [index]);
  });
  let longest = 0;
  for (let start = 0; start < queryWords.length; start++) {
    for (const position of positions.get(queryWords[start]) ?? []) {
      let length = 1;
      while (start + length < queryWords.length && textWords[position + length] === queryWords[start + length]) length++;
      longest = Math.max(longest, length);
    }
  }
  return longest;
}

/** Runs this long (or longer) mean the question was likely lifted from the code or its comments. */
export const COPIED_RUN = 4;
