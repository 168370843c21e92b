// `codebase-mcp doctor`: validates the setup for the configured backend.
import type { Config } from '../config/config.js';
import type { Embedder } from '../embed/embedder.js';
import { redactUrl } from '../store/serverUrl.js';
import { report, skip, type DoctorReport } from './doctorCheck.js';
import { embeddedChecks } from './embeddedDoctor.js';
import { checkEmbedder } from './embedderCheck.js';
import { serverChecks } from './serverDoctor.js';
import { checkWatchLimit, WATCH_LIMIT_CHECK } from './watchLimitCheck.js';
import { EmbeddedProjectRegistry, type ProjectRecord } from '../store/projectRegistry.js';
import { databaseExists, withServer } from '../store/serverAdmin.js';
import { ServerProjectRegistry } from '../store/serverProjectRegistry.js';

export async function runDoctor(config: Config, loadEmbedder: () => Promise<Embedder>): Promise<DoctorReport> {
  const { databaseUrl } = config;
  const watchCheck = async () => {
    const projects = await registeredProjects(config).catch(() => null);
    return projects ? checkWatchLimit(config, projects) : skip(WATCH_LIMIT_CHECK, 'needs the list of projects (the registry could not be read)');
  };
  if (databaseUrl) {
    const checks = await serverChecks({ ...config, databaseUrl });
    return report('server', redactUrl(databaseUrl), [...checks, await checkEmbedder(loadEmbedder), await watchCheck()]);
  }
  const checks = await embeddedChecks(config);
  return report('embedded', config.home, [...checks, await checkEmbedder(loadEmbedder), await watchCheck()]);
}

/** The projects the registry lists, without creating a registry where there is none (doctor changes nothing). */
async function registeredProjects(config: Config): Promise<ProjectRecord[]> {
  const { databaseUrl } = config;
  if (!databaseUrl) return new EmbeddedProjectRegistry(config.home, config.cacheDir).list();
  if (!(await withServer(databaseUrl, (admin) => databaseExists(admin, config.registryDatabase)))) return [];
  const registry = new ServerProjectRegistry({ databaseUrl, registryDatabase: config.registryDatabase, maxOpenProjects: 1, projectPoolSize: 2 });
  try {
    return await registry.list();
  } finally {
    await registry.close();
  }
}
