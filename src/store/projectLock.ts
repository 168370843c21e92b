// PGlite has no lock of its own: two processes opening one data directory
// would corrupt it. A lock file holding the owner's pid keeps them apart;
// a lock whose process is gone is stale and taken over.
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { UserError } from '../errors/userError.js';

interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

const held = new Set<string>();
let exitHookInstalled = false;

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const path of held) rmSync(path, { force: true });
  });
}

export class ProjectLock {
  private constructor(readonly path: string) {}

  /** Takes the lock or throws PROJECT_LOCKED naming the process that holds it. */
  static acquire(path: string, projectName: string): ProjectLock {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        const owner: LockOwner = {
          pid: process.pid,
          host: hostname(),
          command: process.argv.slice(2, 4).join(' ') || 'codebase-mcp',
          since: new Date().toISOString(),
        };
        writeSync(fd, JSON.stringify(owner));
        closeSync(fd);
        held.add(path);
        installExitHook();
        return new ProjectLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = readOwner(path);
      const stale = owner === null ? attempt > 0 : owner.host === hostname() && !processIsAlive(owner.pid);
      if (stale) {
        rmSync(path, { force: true });
        continue;
      }
      if (owner === null) continue; // being written right now; look again
      throw new UserError(
        'PROJECT_LOCKED',
        `Project '${projectName}' is in use by another codebase-mcp process (pid ${owner.pid}, "codebase-mcp ${owner.command}", since ${owner.since}).`,
        owner.command.startsWith('service')
          ? 'That is the shared codebase-mcp service: run without --no-service (and CODEBASE_MCP_SERVICE=0) to go through it, or stop it first: codebase-mcp service stop.'
          : `Wait for it to finish or stop it (kill ${owner.pid}), then try again. An MCP server releases a project after it has been idle for CODEBASE_MCP_IDLE_TIMEOUT_MS.`,
      );
    }
    throw new UserError('PROJECT_LOCKED', `Could not take the lock ${path}.`, 'Remove the file if no codebase-mcp process is running.');
  }

  release(): void {
    if (!held.delete(this.path)) return;
    rmSync(this.path, { force: true });
  }
}
