// Every watched project of one long-lived host (the stdio server, the
// service). One-shot CLI commands never create watchers: they exit before a
// change could be seen, and would only compete for the project's lock.
import type { Config } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { ProjectRecord } from '../store/projectRegistry.js';
import { watchWithChokidar, type WatchFactory } from './fileWatcher.js';
import { ProjectWatcher, type ApplyContext, type ChangeBatch, type WatcherStatus } from './projectWatcher.js';
import type { WatchObserver } from './watcherStatus.js';

/** A burst that never goes quiet (a long `git pull`) is applied after this long anyway. */
const MAX_WAIT_MS = 5000;

export interface ProjectWatchersOptions {
  /** False: this process does not watch (a one-shot command). */
  enabled: boolean;
  config: Pick<Config, 'watch' | 'watchDebounceMs' | 'pollIntervalMs' | 'projects'>;
  logger: Logger;
  apply: (project: ProjectRecord, batch: ChangeBatch, context: ApplyContext) => Promise<void>;
  watchFactory?: WatchFactory;
  observer?: WatchObserver;
}

function off(detail: string): WatcherStatus {
  return { state: 'off', detail, fix: null, pendingChanges: null, lastSyncAt: null, batchesApplied: 0, lastBatchPaths: null };
}

export class ProjectWatchers {
  private readonly watchers = new Map<string, ProjectWatcher>();
  private closed = false;

  constructor(private readonly options: ProjectWatchersOptions) {}

  /** Why `project` is not watched, or null when it should be. */
  private reasonOff(name: string): string | null {
    if (!this.options.enabled) return 'this process does not watch files (one-shot command); the long-lived server does';
    if (!this.options.config.watch) return 'watching is turned off (CODEBASE_MCP_WATCH=0)';
    if (this.options.config.projects[name]?.watch === false) return `watching is turned off for this project ("projects": {"${name}": {"watch": false}} in the config file)`;
    return null;
  }

  /** Starts watching an indexed project (once; later calls do nothing). */
  async watch(project: ProjectRecord): Promise<void> {
    if (this.closed || this.watchers.has(project.name) || this.reasonOff(project.name)) return;
    const watcher = new ProjectWatcher(project.name, {
      root: project.root,
      debounceMs: this.options.config.watchDebounceMs,
      maxWaitMs: MAX_WAIT_MS,
      pollIntervalMs: this.options.config.pollIntervalMs,
      apply: (batch, context) => this.options.apply(project, batch, context),
      watchFactory: this.options.watchFactory ?? watchWithChokidar,
      logger: this.options.logger,
      observer: this.options.observer,
    });
    this.watchers.set(project.name, watcher);
    await watcher.start();
    this.options.logger.info(`watching ${project.root} (project ${project.name})`);
  }

  async unwatch(name: string): Promise<void> {
    const watcher = this.watchers.get(name);
    this.watchers.delete(name);
    await watcher?.close();
  }

  get(name: string): ProjectWatcher | undefined {
    return this.watchers.get(name);
  }

  status(name: string): WatcherStatus {
    const watcher = this.watchers.get(name);
    if (watcher) return watcher.status();
    return off(this.reasonOff(name) ?? 'not watched yet (the project has no finished index in this process)');
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(all.map((watcher) => watcher.close()));
  }
}
