// The front ends' one door to the core: the shared service by default, or
// (--no-service, CODEBASE_MCP_SERVICE=0) a CodebaseService in this process.
// Both are imported lazily, so a front end that talks to the service never
// loads PGlite, tree-sitter or an embedder.
import type { Config } from '../config/config.js';
import type { CodebaseApi } from '../core/codebaseApi.js';
import type { Logger } from '../logging/logger.js';
import { serviceConfigKey, servicePaths } from '../service/serviceFiles.js';
import type { ServiceTarget } from './ensureService.js';

/** How long a front end waits for a service it started to answer. */
const START_TIMEOUT_MS = 60_000;

export function serviceTarget(config: Config, logger: Logger): ServiceTarget {
  return { paths: servicePaths(config.home), configKey: serviceConfigKey(config), env: process.env, startTimeoutMs: START_TIMEOUT_MS, logger };
}

export async function openApi(config: Config, logger: Logger, options: { inProcessIdleMs?: number; watch?: boolean } = {}): Promise<CodebaseApi> {
  if (config.useService) {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(config.home, { recursive: true });
    const { RemoteApi } = await import('./remoteApi.js');
    return new RemoteApi(serviceTarget(config, logger));
  }
  const [{ CodebaseService }, { createEmbedder }] = await Promise.all([import('../core/codebaseService.js'), import('../embed/createEmbedder.js')]);
  return CodebaseService.create(config, () => createEmbedder(config.embedder, { cacheDir: config.cacheDir }), logger, {
    idleTimeoutMs: options.inProcessIdleMs,
    watch: options.watch,
  });
}
