// Settings every connection to a project database needs, whatever the backend:
// PGlite applies them to its one session, the server backend to each pooled
// connection as it is opened (a SET on one pooled connection says nothing
// about the others).

/**
 * Filtered KNN over the IVFFlat index keeps scanning lists until it has
 * enough rows (`iterative_scan`, pgvector 0.8); the lists each query scans
 * (`ivfflat.probes`) are set per query from the index (ProjectStore).
 */
export const SEARCH_SESSION_SETTINGS: Readonly<Record<string, string>> = {
  'ivfflat.iterative_scan': 'relaxed_order',
};

/** The settings as one multi-statement SQL string. */
export function sessionSettingsSql(): string {
  return Object.entries(SEARCH_SESSION_SETTINGS)
    .map(([name, value]) => `SET ${name} = ${value};`)
    .join(' ');
}
