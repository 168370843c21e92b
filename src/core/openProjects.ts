// Keeps projects open between calls (reopening PGlite costs ~1 s) and
// closes each one after it has been idle for a while, releasing its lock so
// the CLI or another server can use it.
import type { OpenProject, ProjectRegistry } from '../store/projectRegistry.js';

interface Handle {
  opening: Promise<OpenProject>;
  users: number;
  idleTimer: NodeJS.Timeout | null;
}

export class OpenProjects {
  private readonly handles = new Map<string, Handle>();
  private readonly closing = new Set<Promise<void>>();

  constructor(
    private readonly registry: ProjectRegistry,
    /** 0 closes a project as soon as its last user is done (CLI). */
    private readonly idleTimeoutMs: number,
  ) {}

  /** Whether projects stay open between calls (a long-lived host), so caches built for them pay off. */
  get keepsProjectsOpen(): boolean {
    return this.idleTimeoutMs > 0;
  }

  /** Projects open (or opening) now. */
  get size(): number {
    return this.handles.size;
  }

  async use<T>(name: string, work: (project: OpenProject) => Promise<T>): Promise<T> {
    let handle = this.handles.get(name);
    if (!handle) {
      handle = { opening: this.registry.open(name), users: 0, idleTimer: null };
      this.handles.set(name, handle);
      const opened = handle;
      opened.opening.catch(() => {
        if (this.handles.get(name) === opened) this.handles.delete(name);
      });
    }
    if (handle.idleTimer) clearTimeout(handle.idleTimer);
    handle.idleTimer = null;
    handle.users++;
    try {
      return await work(await handle.opening);
    } finally {
      handle.users--;
      if (handle.users === 0) this.scheduleClose(name, handle);
    }
  }

  private scheduleClose(name: string, handle: Handle): void {
    const close = () => {
      if (this.handles.get(name) !== handle || handle.users > 0) return;
      this.handles.delete(name);
      const closed = handle.opening.then((project) => project.close()).catch(() => {});
      this.closing.add(closed);
      void closed.finally(() => this.closing.delete(closed));
    };
    if (this.idleTimeoutMs === 0) {
      close();
      return;
    }
    handle.idleTimer = setTimeout(close, this.idleTimeoutMs);
    handle.idleTimer.unref();
  }

  /** Closes the project now if nobody is using it (a backup or restore needs it to itself: embedded, its lock). */
  async release(name: string): Promise<void> {
    const handle = this.handles.get(name);
    if (!handle || handle.users > 0) return;
    await this.closeHandle(name, handle);
  }

  /** Closes one project now (its lock released), e.g. before its index is deleted; waits for calls using it. */
  async close(name: string): Promise<void> {
    const handle = this.handles.get(name);
    if (handle) await this.closeHandle(name, handle);
  }

  private async closeHandle(name: string, handle: Handle): Promise<void> {
    this.handles.delete(name);
    if (handle.idleTimer) clearTimeout(handle.idleTimer);
    while (handle.users > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await handle.opening.then((project) => project.close()).catch(() => {});
  }

  async closeAll(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(
      handles.map(async (handle) => {
        if (handle.idleTimer) clearTimeout(handle.idleTimer);
        await handle.opening.then((project) => project.close()).catch(() => {});
      }),
    );
    await Promise.all(this.closing);
  }
}
