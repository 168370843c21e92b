// Finding the right service, or starting one: connect; on no answer take
// the start lock and spawn `service run` detached; on a service of another
// version (or, when nobody else uses it, other settings) ask it to drain and
// stop, then start a new one.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors/userError.js';
import type { Logger } from '../logging/logger.js';
import { PACKAGE_VERSION, PROTOCOL_VERSION, serviceIdentity, stopResult, type ServiceIdentity } from '../service/protocol.js';
import { processIsAlive, readPidFile, removePidFile, tryCreatePidFile, type ServicePaths } from '../service/serviceFiles.js';
import { ServiceConnection, ServiceGoneError } from './serviceConnection.js';

const CLI_PATH = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const POLL_MS = 25;

export interface ServiceTarget {
  paths: ServicePaths;
  /** serviceConfigKey of the front end's settings. */
  configKey: string;
  /** Environment the service is started with (the front end's own). */
  env: NodeJS.ProcessEnv;
  startTimeoutMs: number;
  logger: Logger;
}

export interface ConnectedService {
  connection: ServiceConnection;
  identity: ServiceIdentity;
  /** True when this call started the service. */
  started: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Asks who answers on the socket; null when nobody does. */
export async function greet(paths: ServicePaths): Promise<{ connection: ServiceConnection; identity: ServiceIdentity } | null> {
  const connection = await ServiceConnection.open(paths.socket);
  if (!connection) return null;
  try {
    const identity = serviceIdentity.parse(await connection.request('hello', { version: PACKAGE_VERSION, protocol: PROTOCOL_VERSION }));
    return { connection, identity };
  } catch (error) {
    connection.close();
    if (error instanceof ServiceGoneError) return null;
    throw error;
  }
}

/** Why this service cannot serve the target, or null when it can. */
function mismatch(identity: ServiceIdentity, target: ServiceTarget): { reason: string; replaceable: boolean } | null {
  if (identity.protocol !== PROTOCOL_VERSION || identity.version !== PACKAGE_VERSION) {
    return {
      reason: `version ${identity.version} (protocol ${identity.protocol}) is running, this front end is ${PACKAGE_VERSION} (protocol ${PROTOCOL_VERSION})`,
      replaceable: true,
    };
  }
  if (identity.configKey !== target.configKey) {
    return {
      reason: 'the running service was started with other settings (store, embedder or limits)',
      replaceable: identity.otherClients === 0 && identity.runningJobs === 0,
    };
  }
  return null;
}

/** Asks the service to drain and stop, and waits until its process is gone. */
export async function stopService(connection: ServiceConnection, identity: ServiceIdentity, reason: string, timeoutMs: number): Promise<number> {
  let resumable = 0;
  try {
    resumable = stopResult.parse(await connection.request('stop', { reason })).resumableJobs;
  } catch (error) {
    if (!(error instanceof ServiceGoneError)) throw error;
  } finally {
    connection.close();
  }
  const deadline = Date.now() + timeoutMs;
  while (processIsAlive(identity.pid)) {
    if (Date.now() > deadline) {
      throw new UserError('SERVICE_UNAVAILABLE', `The service (pid ${identity.pid}) was asked to stop but is still running after ${timeoutMs} ms.`, `Stop it yourself (kill ${identity.pid}) and try again.`);
    }
    await sleep(POLL_MS);
  }
  return resumable;
}

export async function connectToService(target: ServiceTarget): Promise<ConnectedService> {
  let started = false;
  for (let round = 0; round < 4; round++) {
    const found = await greet(target.paths);
    if (!found) {
      started = (await startService(target)) || started;
      continue;
    }
    const problem = mismatch(found.identity, target);
    if (!problem) return { ...found, started };
    if (!problem.replaceable) {
      found.connection.close();
      throw new UserError(
        'SERVICE_CONFIG_MISMATCH',
        `The codebase-mcp service for ${target.paths.home} (pid ${found.identity.pid}) runs with other settings than this command, and other sessions are using it (${found.identity.otherClients} connected, ${found.identity.runningJobs} jobs running).`,
        'Use the same environment as the sessions (CODEBASE_MCP_*, DATABASE_URL), stop the service (codebase-mcp service stop), or run this command with --no-service.',
      );
    }
    target.logger.info(`replacing the service (pid ${found.identity.pid}): ${problem.reason}`);
    await stopService(found.connection, found.identity, `replaced: ${problem.reason}`, target.startTimeoutMs);
  }
  throw new UserError('SERVICE_UNAVAILABLE', `Could not reach a codebase-mcp service for ${target.paths.home}.`, `See ${target.paths.log}, or run with --no-service.`);
}

/** Takes the start lock; false when a service came up while we waited (someone else started it). */
async function takeStartLock(target: ServiceTarget): Promise<boolean> {
  const deadline = Date.now() + target.startTimeoutMs;
  for (;;) {
    if (tryCreatePidFile(target.paths.startLock)) return true;
    const holder = readPidFile(target.paths.startLock);
    const age = (() => {
      try {
        return Date.now() - statSync(target.paths.startLock).mtimeMs;
      } catch {
        return 0;
      }
    })();
    // A holder that died, or one that has been starting for far too long, no longer counts.
    if ((holder !== null && !processIsAlive(holder)) || age > 2 * target.startTimeoutMs) {
      if (holder !== null) removePidFile(target.paths.startLock, holder);
      else rmSync(target.paths.startLock, { force: true });
      continue;
    }
    const found = await greet(target.paths);
    if (found) {
      found.connection.close();
      return false;
    }
    if (Date.now() > deadline) {
      throw new UserError('SERVICE_UNAVAILABLE', `Another front end (pid ${holder ?? '?'}) has been starting the service for ${target.startTimeoutMs} ms.`, `See ${target.paths.log}; remove ${target.paths.startLock} if that process is gone.`);
    }
    await sleep(POLL_MS);
  }
}

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-5).join('\n');
  } catch {
    return '';
  }
}

/** Starts the service unless one is (or comes) up; true when this call started it. */
async function startService(target: ServiceTarget): Promise<boolean> {
  // A first command on a new machine: the data home does not exist yet.
  mkdirSync(target.paths.home, { recursive: true, mode: 0o700 });
  if (!(await takeStartLock(target))) return false;
  try {
    const found = await greet(target.paths);
    if (found) {
      found.connection.close();
      return false;
    }
    const log = openSync(target.paths.log, 'a', 0o600);
    const child = spawn(process.execPath, [CLI_PATH, 'service', 'run'], {
      detached: true,
      stdio: ['ignore', log, log],
      env: target.env,
      cwd: target.paths.home,
    });
    closeSync(log);
    let exited: number | null = null;
    child.once('exit', (code) => (exited = code ?? 1));
    child.unref();
    target.logger.info(`started the codebase-mcp service (pid ${child.pid})`);
    const deadline = Date.now() + target.startTimeoutMs;
    for (;;) {
      const ready = await greet(target.paths);
      if (ready) {
        ready.connection.close();
        return true;
      }
      if (exited !== null) {
        // Another service won the home's lock meanwhile (it answers on the next round), or this one failed.
        const tail = logTail(target.paths.log);
        if (/already running/.test(tail)) return false;
        throw new UserError('SERVICE_UNAVAILABLE', `The codebase-mcp service exited at start (code ${exited}).${tail ? `\n${tail}` : ''}`, `See ${target.paths.log}, or run with --no-service.`);
      }
      if (Date.now() > deadline) {
        throw new UserError('SERVICE_UNAVAILABLE', `The codebase-mcp service did not answer within ${target.startTimeoutMs} ms of starting.`, `See ${target.paths.log}, or run with --no-service.`);
      }
      await sleep(POLL_MS);
    }
  } finally {
    removePidFile(target.paths.startLock);
  }
}
