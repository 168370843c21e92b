import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { UserError } from '../errors/userError.js';
import { removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';
import { loadConfig } from './config.js';

after(removeTemporaryDirectories);

test('defaults follow XDG directories', () => {
  const config = loadConfig({}, { XDG_DATA_HOME: '/data', XDG_CACHE_HOME: '/cache' });
  assert.equal(config.home, '/data/codebase-mcp');
  assert.equal(config.cacheDir, '/cache/codebase-mcp');
  assert.equal(config.maxFileBytes, 1024 * 1024);
  assert.equal(config.databaseUrl, undefined);
});

test('environment overrides the config file, and flags override both', async () => {
  const home = await temporaryDirectory('config');
  writeFileSync(join(home, 'config.json'), JSON.stringify({ maxFileBytes: 4096, logLevel: 'debug' }));
  const env = { CODEBASE_MCP_HOME: home, CODEBASE_MCP_MAX_FILE_BYTES: '8192' };
  const config = loadConfig({}, env);
  assert.equal(config.maxFileBytes, 8192);
  assert.equal(config.logLevel, 'debug');
  assert.equal(loadConfig({ logLevel: 'error' }, env).logLevel, 'error');
});

test('a bad value names the variable and the value', () => {
  assert.throws(
    () => loadConfig({}, { CODEBASE_MCP_MAX_FILE_BYTES: 'lots' }),
    (error: unknown) =>
      error instanceof UserError &&
      error.code === 'CONFIG_INVALID' &&
      error.message.startsWith('Invalid configuration: environment variable CODEBASE_MCP_MAX_FILE_BYTES = "lots"'),
  );
  assert.throws(() => loadConfig({}, { DATABASE_URL: 'not a url' }), /environment variable DATABASE_URL = "not a url"/);
});

test('a config file that is not JSON is reported with its path', async () => {
  const home = await temporaryDirectory('config');
  writeFileSync(join(home, 'config.json'), '{ nope');
  assert.throws(() => loadConfig({}, { CODEBASE_MCP_HOME: home }), new RegExp(`Config file ${home}/config.json is not valid`));
});

test('watching: on by default, CODEBASE_MCP_WATCH=0 turns it off, a project can be turned off in the file, bad values are named', async () => {
  assert.equal(loadConfig({}, {}).watch, true);
  assert.equal(loadConfig({}, { CODEBASE_MCP_WATCH: '0' }).watch, false);
  assert.equal(loadConfig({}, { CODEBASE_MCP_WATCH: 'off' }).watch, false);
  assert.equal(loadConfig({}, { CODEBASE_MCP_WATCH: '1' }).watch, true);
  assert.throws(() => loadConfig({}, { CODEBASE_MCP_WATCH: 'sometimes' }), /environment variable CODEBASE_MCP_WATCH = "sometimes": must be 1 or 0/);
  const home = await temporaryDirectory('config');
  writeFileSync(join(home, 'config.json'), JSON.stringify({ projects: { monorepo: { watch: false } }, pollIntervalMs: 30000 }));
  const config = loadConfig({}, { CODEBASE_MCP_HOME: home });
  assert.deepEqual(config.projects, { monorepo: { watch: false } });
  assert.equal(config.pollIntervalMs, 30000);
  writeFileSync(join(home, 'config.json'), JSON.stringify({ projects: { monorepo: { wach: false } } }));
  assert.throws(() => loadConfig({}, { CODEBASE_MCP_HOME: home }), /"projects" in .*config\.json/);
});
