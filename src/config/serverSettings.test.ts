// The settings of server mode: defaults, environment variables, validation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../errors/userError.js';
import { loadConfig } from './config.js';

const HOME = { CODEBASE_MCP_HOME: '/nonexistent/codebase-mcp-home' };

test('server mode has a registry database, an LRU bound and a pool size by default', () => {
  const config = loadConfig({}, HOME);
  assert.equal(config.registryDatabase, 'codebase_mcp_registry');
  assert.equal(config.maxOpenProjects, 8);
  assert.equal(config.projectPoolSize, 4);
});

test('each server setting has its environment variable', () => {
  const config = loadConfig({}, {
    ...HOME,
    DATABASE_URL: 'postgres://app@db.internal:5432/postgres',
    CODEBASE_MCP_REGISTRY_DATABASE: 'team_registry',
    CODEBASE_MCP_MAX_OPEN_PROJECTS: '3',
    CODEBASE_MCP_PROJECT_POOL_SIZE: '6',
  });
  assert.equal(config.databaseUrl, 'postgres://app@db.internal:5432/postgres');
  assert.deepEqual([config.registryDatabase, config.maxOpenProjects, config.projectPoolSize], ['team_registry', 3, 6]);
  assert.equal(loadConfig({}, { ...HOME, DATABASE_URL: 'postgres://a@b/c', CODEBASE_MCP_DATABASE_URL: 'postgresql://x@y/z' }).databaseUrl, 'postgresql://x@y/z');
});

test('bad server settings are refused with the variable, the value and the rule', () => {
  const refuses = (env: Record<string, string>, message: RegExp) =>
    assert.throws(() => loadConfig({}, { ...HOME, ...env }), (error: unknown) => error instanceof UserError && error.code === 'CONFIG_INVALID' && message.test(error.message));
  refuses({ DATABASE_URL: 'mysql://root@localhost/db' }, /DATABASE_URL = "mysql:\/\/root@localhost\/db": must be a postgres:\/\/ or postgresql:\/\/ URL/);
  refuses({ CODEBASE_MCP_REGISTRY_DATABASE: 'Registry-DB' }, /CODEBASE_MCP_REGISTRY_DATABASE = "Registry-DB": must be a lower-case PostgreSQL identifier/);
  refuses({ CODEBASE_MCP_MAX_OPEN_PROJECTS: '0' }, /CODEBASE_MCP_MAX_OPEN_PROJECTS = "0"/);
  // One connection would be held by the indexing lock, leaving none for the writes.
  refuses({ CODEBASE_MCP_PROJECT_POOL_SIZE: '1' }, /CODEBASE_MCP_PROJECT_POOL_SIZE = "1"/);
});
