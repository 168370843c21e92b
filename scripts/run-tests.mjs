#!/usr/bin/env node
// Runs every compiled test file (dist/**/*.test.js) with Node's own test runner.
// Node 20's `--test` takes no globs, so the files are listed here.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';

// A test that hangs fails after this long instead of holding the whole run (CI's budget) hostage.
const TEST_TIMEOUT_MS = 10 * 60_000;
const CLI = resolve('dist', 'cli', 'main.js');

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

/** Pids of `codebase-mcp service run` processes started from this checkout's build. */
function servicesOfThisBuild() {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).filter((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv.includes(CLI) && argv.includes('service') && argv.includes('run');
    } catch {
      return false;
    }
  });
}

const filter = process.argv.slice(2);
const files = findTests('dist')
  .filter((file) => filter.length === 0 || filter.some((word) => file.includes(word)))
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/ (did the build run?)');
  process.exit(1);
}
const before = new Set(servicesOfThisBuild());
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', `--test-timeout=${TEST_TIMEOUT_MS}`, '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
// Every test stops the services it started; one left behind is a bug to report, and must not outlive the run.
const leaked = servicesOfThisBuild().filter((pid) => !before.has(pid));
if (leaked.length > 0) {
  console.error(`run-tests: ${leaked.length} service process(es) left running by the tests (pids ${leaked.join(', ')}); killing them`);
  for (const pid of leaked) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {}
  }
}
process.exit(result.status ?? 1);
