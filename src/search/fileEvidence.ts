// File-level evidence for keyword hits. Many questions ask for a file (where
// is X done?), and a file answers them through several chunks: its name, a
// docstring, the function bodies. A chunk is ranked by its own score averaged
// with its file's, where the file holds, for each query term, the best share
// any of its chunks has, raised for terms found in several chunks with
// diminishing returns (at most twice): a file whose many chunks match outranks
// one chunk that matches densely, and a generated table of a thousand rows
// counts little more than one of ten.
import { coveredShare, type KeywordRanking } from '../store/keywordRanking.js';
import type { RankedChunk } from '../store/projectStore.js';

/** Weight of the file's evidence in a chunk's score (the chunk's own: the rest). */
const FILE_SHARE = 0.5;

interface FileTally {
  best: number[];
  chunks: number[];
}

/** Keyword hits re-ranked with their files' evidence; value in [0, 1), coverage the file's share of the question's words. */
export function withFileEvidence(ranking: KeywordRanking): RankedChunk[] {
  const files = new Map<number, FileTally>();
  for (const hit of ranking.hits) {
    let tally = files.get(hit.fileId);
    if (!tally) files.set(hit.fileId, (tally = { best: ranking.terms.map(() => 0), chunks: ranking.terms.map(() => 0) }));
    hit.termScores.forEach((share, index) => {
      if (share <= 0) return;
      tally.best[index] = Math.max(tally.best[index], share);
      tally.chunks[index]++;
    });
  }
  const fileScore = new Map<number, number>();
  const fileCoverage = new Map<number, number>();
  for (const [fileId, tally] of files) {
    fileScore.set(fileId, tally.best.reduce((sum, best, index) => sum + best * (2 - 0.5 ** Math.max(0, tally.chunks[index] - 1)), 0));
    fileCoverage.set(fileId, coveredShare(ranking, (index) => tally.chunks[index] > 0));
  }
  return ranking.hits
    .map((hit) => {
      const combined = (1 - FILE_SHARE) * hit.score + FILE_SHARE * (fileScore.get(hit.fileId) ?? hit.score);
      return { id: hit.id, fileId: hit.fileId, value: combined / (combined + 1), coverage: fileCoverage.get(hit.fileId) ?? 0 };
    })
    .sort((a, b) => b.value - a.value || a.id - b.id);
}
