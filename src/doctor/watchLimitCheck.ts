// `doctor`: will the file watchers fit under the system's inotify limit?
// chokidar holds one watch per directory and per file it does not ignore
// (measured: sample repository 40 directories + 37 files = 77 watches), so
// the need is counted with the scanner over every watched project.
import { existsSync } from 'node:fs';
import type { Config } from '../config/config.js';
import { scanRepository } from '../scan/scanRepository.js';
import type { ProjectRecord } from '../store/projectRegistry.js';
import { readWatchLimit, watchLimitFix } from '../watch/watchLimit.js';
import { fail, pass, skip, type DoctorCheck } from './doctorCheck.js';

export const WATCH_LIMIT_CHECK = 'file-watch limit';
const NAME = WATCH_LIMIT_CHECK;
/** Editors, language servers and build tools watch files too: leave them a share. */
const HEADROOM = 0.8;

export async function checkWatchLimit(
  config: Pick<Config, 'watch' | 'projects' | 'maxFileBytes'>,
  projects: Pick<ProjectRecord, 'name' | 'root'>[],
  limit = readWatchLimit(),
): Promise<DoctorCheck> {
  if (!config.watch) return skip(NAME, 'watching is turned off (CODEBASE_MCP_WATCH=0): projects are synced on request only');
  if (limit === null) return skip(NAME, 'no inotify on this system: its watch limit does not apply');
  const watched = projects.filter((project) => config.projects[project.name]?.watch !== false && existsSync(project.root));
  let needed = 0;
  for (const project of watched) {
    const scan = await scanRepository(project.root, { maxFileBytes: config.maxFileBytes });
    needed += scan.directoriesVisited + scan.files.length + scan.skipped.length;
  }
  const detail = `${needed} watches for ${watched.length} watched project${watched.length === 1 ? '' : 's'}; fs.inotify.max_user_watches = ${limit}`;
  if (needed <= limit * HEADROOM) return pass(NAME, detail);
  return fail(NAME, `${detail}: watching would hit the limit and fall back to checking every few seconds`, watchLimitFix(needed));
}
