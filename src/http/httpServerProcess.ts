// Runs `codebase-mcp serve --http` as a child process and waits until it
// listens: for `bench load` and the end-to-end tests, which talk to it as a
// team member's client would.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { greet, stopService } from '../client/ensureService.js';
import { processIsAlive, readPidFile, servicePaths } from '../service/serviceFiles.js';
import { TOKEN_FILE } from './httpToken.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

export interface HttpServerProcess {
  url: string;
  token: string;
  child: ChildProcess;
  /** The process that listens: the home's service, or the child itself with --no-service. */
  servingPid: number;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Stops the front end, then the home's service (this home is the caller's own). */
  stop(): Promise<void>;
}

export async function spawnHttpServer(options: {
  home: string;
  env: NodeJS.ProcessEnv;
  address?: string;
  cwd?: string;
  timeoutMs?: number;
}): Promise<HttpServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--http', options.address ?? '127.0.0.1:0'], {
    env: { ...options.env, CODEBASE_MCP_HOME: options.home },
    cwd: options.cwd ?? options.home,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (data) => (stderr += data));
  child.stdout!.on('data', (data) => (stderr += `[stdout] ${data}`));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve --http did not start within ${options.timeoutMs ?? 20_000} ms:\n${stderr}`)), options.timeoutMs ?? 20_000);
    const look = () => {
      const match = /HTTP server on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        child.stderr!.off('data', look);
        resolve(match[1]);
      }
    };
    child.stderr!.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve --http exited with ${code}:\n${stderr}`));
    });
  });
  const token = options.env.CODEBASE_MCP_HTTP_TOKEN || (await readFile(join(options.home, TOKEN_FILE), 'utf8')).trim();
  const paths = servicePaths(options.home);
  const servicePid = readPidFile(paths.lock);
  return {
    url,
    token,
    child,
    servingPid: servicePid !== null && processIsAlive(servicePid) ? servicePid : child.pid!,
    stderr: () => stderr,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
      const found = await greet(paths).catch(() => null);
      if (found) await stopService(found.connection, found.identity, 'its HTTP front end stopped', 60_000);
    },
  };
}
