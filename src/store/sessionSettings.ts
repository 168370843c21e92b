// Settings every connection to a project database needs, whatever the backend:
// PGlite applies them to its one session, the server backend to each pooled
// connection as it is opened (a SET on one pooled connection says nothing
// about the others).

/**
 * Filtered KNN over HNSW keeps scanning until it has enough rows
 * (`iterative_scan`, pgvector 0.8); `ef_search` trades a little speed for recall.
 */
export const SEARCH_SESSION_SETTINGS: Readonly<Record<string, string>> = {
  'hnsw.iterative_scan': 'relaxed_order',
  'hnsw.ef_search': '100',
};

/** The settings as one multi-statement SQL string. */
export function sessionSettingsSql(): string {
  return Object.entries(SEARCH_SESSION_SETTINGS)
    .map(([name, value]) => `SET ${name} = ${value};`)
    .join(' ');
}
