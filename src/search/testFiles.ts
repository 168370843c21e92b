// Whether a question is about tests (then test files rank as they score) and
// how much less a test file's chunk counts otherwise (scan/testPaths.ts says
// which files hold tests).

/** Words that say a question is about tests themselves: then test files rank as they score. */
const TEST_WORDS = /\b(?:tests?|testing|tested|specs?|unittests?|mocks?|mocking|fixtures?|e2e|pytest|jest|mocha|assertions?)\b/i;

export function asksAboutTests(query: string): boolean {
  return TEST_WORDS.test(query);
}

/** Share of its score a test file's chunk keeps when the question is not about tests: set before measuring, within what the leave-one-set-out folds choose (0.2-0.6; docs/benchmarks.md). */
export const TEST_FILE_WEIGHT = 0.5;

/**
 * The ranked list with test files' scores multiplied by `weight` and sorted
 * again (ties by id). `fileOf` gives a hit's file; hits without one keep their score.
 */
export function lowerTestFiles<Hit extends { id: number; score: number }>(
  ranked: Hit[],
  fileOf: (hit: Hit) => number | undefined,
  testFiles: ReadonlySet<number>,
  weight: number = TEST_FILE_WEIGHT,
): Hit[] {
  if (testFiles.size === 0 || weight === 1) return ranked;
  return ranked
    .map((hit) => {
      const file = fileOf(hit);
      return file !== undefined && testFiles.has(file) ? { ...hit, score: hit.score * weight } : hit;
    })
    .sort((a, b) => b.score - a.score || a.id - b.id);
}
