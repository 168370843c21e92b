// Where the service keeps its files in CODEBASE_MCP_HOME, and the small
// file-level guards both ends use: pid files taken with O_EXCL, and the
// socket's owner checked before anyone binds or connects to it.
import { closeSync, lstatSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { UserError } from '../errors/userError.js';

export interface ServicePaths {
  home: string;
  socket: string;
  /** Held by the running service: one service per home. */
  lock: string;
  /** Held by a front end while it starts the service, so racing front ends start one. */
  startLock: string;
  log: string;
  /** Jobs a stopped or killed service still owes; the next service resumes them. */
  jobs: string;
}

/** Unix socket paths longer than this do not fit sockaddr_un on every system. */
const MAX_SOCKET_PATH = 100;

export function servicePaths(home: string): ServicePaths {
  const paths = {
    home,
    socket: join(home, 'service.sock'),
    lock: join(home, 'service.pid'),
    startLock: join(home, 'service-start.lock'),
    log: join(home, 'service.log'),
    jobs: join(home, 'service-jobs.json'),
  };
  if (Buffer.byteLength(paths.socket) > MAX_SOCKET_PATH) {
    throw new UserError(
      'CONFIG_INVALID',
      `The service socket path ${paths.socket} is longer than ${MAX_SOCKET_PATH} bytes, too long for a Unix socket.`,
      'Set CODEBASE_MCP_HOME to a shorter directory, or run with --no-service (CODEBASE_MCP_SERVICE=0).',
    );
  }
  return paths;
}

/**
 * The settings a service runs with. A front end whose settings hash
 * differently is not served by it (the store, embedder or limits differ).
 */
export function serviceConfigKey(config: Config): string {
  const relevant = {
    home: config.home,
    cacheDir: config.cacheDir,
    databaseUrl: config.databaseUrl ?? null,
    registryDatabase: config.registryDatabase,
    maxOpenProjects: config.maxOpenProjects,
    projectPoolSize: config.projectPoolSize,
    maxFileBytes: config.maxFileBytes,
    serviceIdleMs: config.serviceIdleMs,
    embedder: config.embedder,
  };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `path` holding our pid; false when it exists already. */
export function tryCreatePidFile(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o600);
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The pid in a pid file, null when it is missing or unreadable (being written). */
export function readPidFile(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Removes a pid file only if it still holds `pid` (never someone else's). */
export function removePidFile(path: string, pid = process.pid): void {
  if (readPidFile(path) === pid) rmSync(path, { force: true });
}

/**
 * Throws when the socket path belongs to another user: neither a service
 * binds there nor a front end talks to whoever listens. Returns whether
 * something exists at the path.
 */
export function checkSocketOwner(socket: string): boolean {
  let info;
  try {
    info = lstatSync(socket);
  } catch {
    return false;
  }
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new UserError(
      'SERVICE_SOCKET_UNSAFE',
      `The service socket ${socket} belongs to another user (uid ${info.uid}; you are uid ${uid}), so codebase-mcp will not use it.`,
      'Use a CODEBASE_MCP_HOME only you own, or remove that file if you know where it came from.',
    );
  }
  return true;
}
