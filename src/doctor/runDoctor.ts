// `codebase-mcp doctor`: validates the setup for the configured backend.
import type { Config } from '../config/config.js';
import type { Embedder } from '../embed/embedder.js';
import { redactUrl } from '../store/serverUrl.js';
import { report, type DoctorReport } from './doctorCheck.js';
import { embeddedChecks } from './embeddedDoctor.js';
import { checkEmbedder } from './embedderCheck.js';
import { serverChecks } from './serverDoctor.js';

export async function runDoctor(config: Config, loadEmbedder: () => Promise<Embedder>): Promise<DoctorReport> {
  const { databaseUrl } = config;
  if (databaseUrl) {
    const checks = await serverChecks({ ...config, databaseUrl });
    return report('server', redactUrl(databaseUrl), [...checks, await checkEmbedder(loadEmbedder)]);
  }
  const checks = await embeddedChecks(config);
  return report('embedded', config.home, [...checks, await checkEmbedder(loadEmbedder)]);
}
