// `codebase-mcp service run`: the service process itself (front ends spawn
// it detached; people may run it in the foreground). It takes the home's
// service lock, so a home never has two; a predecessor that is still
// draining is waited for.
import { mkdirSync } from 'node:fs';
import type { Config } from '../config/config.js';
import { CodebaseService } from '../core/codebaseService.js';
import { createEmbedder } from '../embed/createEmbedder.js';
import { describeError, UserError } from '../errors/userError.js';
import { ServiceMetrics } from '../http/serviceMetrics.js';
import { ServiceHost } from './serviceHost.js';
import { processIsAlive, readPidFile, removePidFile, servicePaths, tryCreatePidFile, type ServicePaths } from './serviceFiles.js';
import { createRotatingLogger } from './serviceLog.js';
import { ServiceConnection } from '../client/serviceConnection.js';

/** A service being replaced gets this long to drain before its successor gives up. */
const PREDECESSOR_WAIT_MS = 60_000;
/** Projects stay open this long between calls: reopening PGlite costs about a second. */
const SERVICE_PROJECT_IDLE_MS = 15 * 60_000;

async function takeServiceLock(paths: ServicePaths): Promise<void> {
  const deadline = Date.now() + PREDECESSOR_WAIT_MS;
  for (;;) {
    if (tryCreatePidFile(paths.lock)) return;
    const owner = readPidFile(paths.lock);
    if (owner !== null && !processIsAlive(owner)) {
      removePidFile(paths.lock, owner);
      continue;
    }
    if (owner !== null) {
      const running = await ServiceConnection.open(paths.socket).catch(() => null);
      if (running) {
        running.close();
        throw new UserError('SERVICE_RUNNING', `A codebase-mcp service is already running for ${paths.home} (pid ${owner}).`, 'Use it (codebase-mcp service status), or stop it first: codebase-mcp service stop.');
      }
    }
    if (Date.now() > deadline) {
      throw new UserError(
        'SERVICE_RUNNING',
        `The service lock ${paths.lock} is held by pid ${owner ?? '?'}, which neither answers nor exits.`,
        `Stop that process (kill ${owner ?? '<pid>'}) and try again.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function runService(config: Config): Promise<void> {
  mkdirSync(config.home, { recursive: true });
  const paths = servicePaths(config.home);
  const logger = createRotatingLogger(paths.log, config.logLevel);
  await takeServiceLock(paths);
  process.on('exit', () => removePidFile(paths.lock));
  // One registry for the process: every HTTP listener serves it, stdio front ends and the CLI report into it.
  let service: CodebaseService | null = null;
  const metrics = new ServiceMetrics({ jobs: () => service?.jobs.list() ?? [], storeUsage: () => service?.storeUsage() ?? { open: 0, limit: null } });
  service = CodebaseService.create(config, () => createEmbedder(config.embedder, { cacheDir: config.cacheDir }), logger, {
    idleTimeoutMs: Math.max(config.idleTimeoutMs, SERVICE_PROJECT_IDLE_MS),
    // The service is the long-lived host: it watches every indexed project and keeps it fresh (CODEBASE_MCP_WATCH=0 turns it off).
    watch: true,
    watchObserver: { event: (project, kind) => metrics.watcherEvent(project, kind), applied: (project, lag) => metrics.watcherLag(project, lag) },
  });
  const host = new ServiceHost(config, paths, service, logger, metrics);
  const finish = (reason: string) =>
    void host.stop(reason).finally(() => {
      removePidFile(paths.lock);
      process.exit(0);
    });
  // A second signal while stopping means "now".
  let signalled = false;
  const onSignal = (name: string) => {
    if (signalled) process.exit(1);
    signalled = true;
    finish(name);
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGHUP', () => {});
  process.on('uncaughtException', (error) => {
    logger.error(`uncaught: ${error.stack ?? describeError(error)}`);
    finish('an uncaught error');
  });
  process.on('unhandledRejection', (error) => logger.error(`unhandled rejection: ${(error as Error)?.stack ?? String(error)}`));
  try {
    await host.listen();
  } catch (error) {
    removePidFile(paths.lock);
    logger.error(`could not listen on ${paths.socket}: ${describeError(error)}`);
    throw error;
  }
  await host.resumePendingJobs();
  // Stopping on request, when idle or when the socket vanished ends the process the same way.
  void host.stopped.then(() => {
    removePidFile(paths.lock);
    process.exit(0);
  });
}
