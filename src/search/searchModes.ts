// The search modes, on their own so input contracts can name them without
// loading the searcher (front ends stay light).
export const SEARCH_MODES = ['hybrid', 'semantic', 'lexical'] as const;
export type SearchMode = (typeof SEARCH_MODES)[number];
