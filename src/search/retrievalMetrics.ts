// Retrieval quality over labelled queries (query → the file that answers it).

export interface LabelledQuery {
  query: string;
  file: string;
  symbol?: string;
  kind?: string;
}

export interface QualityScores {
  queries: number;
  /** Mean reciprocal rank of the gold file within the top 10. */
  mrrAt10: number;
  recallAt1: number;
  recallAt5: number;
  recallAt10: number;
  /** nDCG@10 with one relevant file: 1 / log2(rank + 1). */
  ndcgAt10: number;
}

/** 1-based rank of the first result from the gold file, or null when absent. Repeated files count once. */
export function goldRank(resultPaths: string[], goldFile: string): number | null {
  const distinct = [...new Set(resultPaths)];
  const index = distinct.indexOf(goldFile);
  return index === -1 ? null : index + 1;
}

export function qualityScores(ranks: (number | null)[]): QualityScores {
  const count = ranks.length || 1;
  const within = (limit: number) => ranks.filter((rank) => rank !== null && rank <= limit).length / count;
  const sum = (score: (rank: number) => number) =>
    ranks.reduce<number>((total, rank) => total + (rank !== null && rank <= 10 ? score(rank) : 0), 0) / count;
  const round = (value: number) => Math.round(value * 1000) / 1000;
  return {
    queries: ranks.length,
    mrrAt10: round(sum((rank) => 1 / rank)),
    recallAt1: round(within(1)),
    recallAt5: round(within(5)),
    recallAt10: round(within(10)),
    ndcgAt10: round(sum((rank) => 1 / Math.log2(rank + 1))),
  };
}
