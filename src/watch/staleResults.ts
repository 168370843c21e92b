// Which search results come from files that changed on disk since they were
// indexed: one stat per distinct result file against the size and mtime the
// index stored, so a result is never silently out of date.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectStore } from '../store/projectStore.js';

export async function staleFiles(store: ProjectStore, root: string, paths: string[]): Promise<Set<string>> {
  const distinct = [...new Set(paths)];
  const stored = await store.fileStatesFor(distinct);
  const stale = new Set<string>();
  await Promise.all(
    distinct.map(async (path) => {
      const known = stored.get(path);
      const info = await stat(join(root, path)).catch(() => null);
      // Gone from disk, or gone from the index since the search read it, or another size or time.
      // (Rows indexed before mtimes were stored are judged by size alone.)
      if (!info || !known || known.sizeBytes !== info.size || (known.mtimeMs !== null && known.mtimeMs !== info.mtimeMs)) stale.add(path);
    }),
  );
  return stale;
}
