// Shared by the test files: temporary homes and repositories, and running the
// built CLI as a user would.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_PATH = join(REPO_ROOT, 'dist', 'cli', 'main.js');
export const SAMPLE_REPO = join(REPO_ROOT, 'test', 'fixtures', 'sample-repo');
export const SAMPLE_QUERIES = join(REPO_ROOT, 'test', 'fixtures', 'sample-queries.json');

const created: string[] = [];

export async function temporaryDirectory(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `codebase-mcp-${prefix}-`));
  created.push(dir);
  return dir;
}

/**
 * A writable copy of the sample repository, so tests can edit files. It is
 * made a git repository (nothing committed), as users' repositories are:
 * git's view then leaves out what its .gitignore files exclude.
 */
export async function copyOfSampleRepo(): Promise<string> {
  const dir = join(await temporaryDirectory('repo'), 'sample-repo');
  await cp(SAMPLE_REPO, dir, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, stdio: 'pipe' });
  return dir;
}

/** Homes at or one level below `dir` where a service socket is. */
function serviceHomesIn(dir: string): string[] {
  const candidates = [dir, ...(existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => join(dir, entry.name)) : [])];
  return candidates.filter((home) => existsSync(join(home, 'service.sock')));
}

/** Stops the service of every home below `dirs` and waits until each has exited, so no test leaves one running. */
export async function stopServicesIn(dirs: string[]): Promise<void> {
  const { greet, stopService } = await import('../client/ensureService.js');
  const { servicePaths } = await import('../service/serviceFiles.js');
  await Promise.all(
    dirs.flatMap(serviceHomesIn).map(async (home) => {
      const found = await greet(servicePaths(home)).catch(() => null);
      if (found) await stopService(found.connection, found.identity, 'test clean-up', 60_000);
    }),
  );
}

export async function removeTemporaryDirectories(): Promise<void> {
  const dirs = created.splice(0);
  await stopServicesIn(dirs);
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Environment for a child process with its own data home and no inherited project settings. */
export function isolatedEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CODEBASE_MCP_HOME: home };
  delete env.DATABASE_URL;
  delete env.CODEBASE_MCP_DATABASE_URL;
  delete env.CODEBASE_MCP_REGISTRY_DATABASE;
  delete env.CODEBASE_MCP_CONFIG;
  // Applied last, so a test can choose server mode (CODEBASE_MCP_DATABASE_URL) on purpose.
  return { ...env, ...extra };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `uid`/`gid`: run as another user (a root test checking what an unprivileged user sees). */
export function runCli(args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string; uid?: number; gid?: number }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { env: options.env, cwd: options.cwd ?? REPO_ROOT, uid: options.uid, gid: options.gid });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
