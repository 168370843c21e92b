// End to end over HTTP: the built CLI runs `serve --http`, and the SDK's real
// Client with its Streamable HTTP transport talks to it as a team member's
// assistant would; raw requests check the gates (token, Origin, Host, size, rate).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { copyOfSampleRepo, isolatedEnv, removeTemporaryDirectories, runCli, temporaryDirectory } from '../testing/testEnvironment.js';
import { parsePrometheusText, sampleValue } from '../testing/prometheusText.js';
import { spawnHttpServer, type HttpServerProcess } from './httpServerProcess.js';

type ToolResult = { isError?: boolean; content: { type: string; text?: string }[]; structuredContent?: Record<string, any> };

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http, so Host and Origin are sent exactly as given. */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (part) => (body += part));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

async function connect(server: HttpServerProcess, token = server.token): Promise<Client> {
  const client = new Client({ name: 'codebase-mcp-http-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

async function metrics(server: HttpServerProcess) {
  const response = await raw(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } });
  assert.equal(response.status, 200, response.body);
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(response.body);
}

describe('MCP over Streamable HTTP', () => {
  let server: HttpServerProcess;
  let client: Client;
  let repo: string;
  let home: string;

  before(async () => {
    home = await temporaryDirectory('http-home');
    repo = await copyOfSampleRepo();
    server = await spawnHttpServer({
      home,
      env: isolatedEnv(home, {
        CODEBASE_MCP_ALLOWED_ROOTS: dirname(repo),
        CODEBASE_MCP_HTTP_MAX_BODY_BYTES: '65536',
        CODEBASE_MCP_IDLE_TIMEOUT_MS: '600000',
      }),
    });
    client = await connect(server);
  });

  after(async () => {
    await client?.close();
    await server?.stop();
    await removeTemporaryDirectories();
  });

  test('serve --http says where the token is, and wrote it with mode 0600', async () => {
    const tokenFile = join(home, 'http-token');
    assert.match(server.stderr(), new RegExp(`token: generated into ${tokenFile.replace(/[./]/g, '\\$&')}`));
    assert.equal((await stat(tokenFile)).mode & 0o777, 0o600);
    assert.ok(server.token.length >= 32);
  });

  test('the same six tools as stdio', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['cancel_indexing', 'get_indexing_status', 'index_repository', 'list_projects', 'search_code', 'sync_index']);
  });

  test('indexes in the background with progress notifications over SSE, then searches', async () => {
    const before = await metrics(server);
    const started = (await client.callTool({ name: 'index_repository', arguments: { path: repo, project: 'shop' } })) as ToolResult;
    assert.equal(started.isError, undefined, JSON.stringify(started));
    assert.equal(started.structuredContent!.state, 'running');

    // A second call on the running job waits with progress notifications until it is done.
    const progress: Progress[] = [];
    const waited = (await client.callTool(
      { name: 'index_repository', arguments: { path: repo, project: 'shop', wait_seconds: 120 } },
      CallToolResultSchema,
      { onprogress: (update) => progress.push(update), timeout: 130_000 },
    )) as ToolResult;
    assert.equal(waited.structuredContent!.state, 'succeeded', JSON.stringify(waited));
    assert.ok(progress.length >= 1, 'at least one progress notification');
    const last = progress.at(-1)!;
    assert.ok(last.total && last.total >= 20 && last.progress === last.total, JSON.stringify(last));
    assert.match(last.message ?? '', /Indexed 'shop'/);

    const found = (await client.callTool({ name: 'search_code', arguments: { query: 'ring buffer push and pop', project: 'shop', limit: 3 } })) as ToolResult;
    assert.equal(found.structuredContent!.results[0].path, 'firmware/ring_buffer.c');
    const lexical = (await client.callTool({ name: 'search_code', arguments: { query: 'ring_buffer_push', project: 'shop', mode: 'lexical' } })) as ToolResult;
    assert.equal(lexical.structuredContent!.results[0].path, 'firmware/ring_buffer.c');

    const { samples, types } = await metrics(server);
    const calls = { tool: 'search_code', transport: 'http' };
    assert.equal(sampleValue(samples, 'codebase_mcp_tool_calls_total', calls) - sampleValue(before.samples, 'codebase_mcp_tool_calls_total', calls), 2);
    assert.equal(types.get('codebase_mcp_search_duration_seconds'), 'histogram');
    assert.equal(sampleValue(samples, 'codebase_mcp_search_duration_seconds_count', { mode: 'hybrid', transport: 'http' }), 1);
    assert.equal(sampleValue(samples, 'codebase_mcp_search_duration_seconds_count', { mode: 'lexical', transport: 'http' }), 1);
    assert.equal(sampleValue(samples, 'codebase_mcp_tool_calls_total', { tool: 'index_repository', transport: 'http' }), 2);
    assert.equal(sampleValue(samples, 'codebase_mcp_index_jobs_finished_total', { state: 'succeeded' }), 1);
    assert.equal(sampleValue(samples, 'codebase_mcp_index_job_duration_seconds_count', { state: 'succeeded' }), 1);
    assert.ok(sampleValue(samples, 'codebase_mcp_index_files_processed_total') >= 20);
    assert.ok(sampleValue(samples, 'codebase_mcp_index_chunks_written_total') >= 20);
    assert.equal(sampleValue(samples, 'codebase_mcp_index_jobs_running'), 0);
    assert.ok(sampleValue(samples, 'codebase_mcp_process_resident_memory_bytes') > 0);
    assert.ok(sampleValue(samples, 'codebase_mcp_store_open_projects') >= 1);
  });

  test('an error result counts as an error of its tool', async () => {
    const before = sampleValue((await metrics(server)).samples, 'codebase_mcp_tool_errors_total', { tool: 'search_code', transport: 'http' });
    const missing = (await client.callTool({ name: 'search_code', arguments: { query: 'x', project: 'nope' } })) as ToolResult;
    assert.equal(missing.isError, true);
    const afterValue = sampleValue((await metrics(server)).samples, 'codebase_mcp_tool_errors_total', { tool: 'search_code', transport: 'http' });
    assert.equal(afterValue - before, 1);
  });

  test('index_repository outside the allowed roots is refused, saying why and what to do', async () => {
    const outside = await temporaryDirectory('outside');
    const refused = (await client.callTool({ name: 'index_repository', arguments: { path: outside } })) as ToolResult;
    assert.equal(refused.isError, true);
    const text = refused.content.map((part) => part.text).join('\n');
    assert.match(text, /Refused: over HTTP, index_repository may only index below CODEBASE_MCP_ALLOWED_ROOTS/);
    assert.ok(text.includes(outside), text);
    assert.match(text, /CODEBASE_MCP_ALLOWED_ROOTS \(absolute paths separated by ':'\)/);
    const { structuredContent } = (await client.callTool({ name: 'list_projects', arguments: {} })) as ToolResult;
    assert.deepEqual(structuredContent!.projects.map((project: { name: string }) => project.name), ['shop']);
  });

  test('without a token, or with a wrong one: 401 with WWW-Authenticate; /healthz needs none', async () => {
    const none = await raw(`${server.url}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE });
    assert.equal(none.status, 401);
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="codebase-mcp"');
    const wrong = await raw(`${server.url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, authorization: `Bearer ${server.token}x` }, body: INITIALIZE });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['www-authenticate'], 'Bearer realm="codebase-mcp", error="invalid_token"');
    for (const path of ['/metrics', '/readyz', '/api/projects', '/api/search?q=x']) {
      assert.equal((await raw(`${server.url}${path}`)).status, 401, path);
    }
    await assert.rejects(connect(server, 'not-the-token-at-all'), /Wrong bearer token/);
    const health = await raw(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { status: 'ok' });
  });

  test('a foreign Origin gets 403, the server own origin passes; a foreign Host (DNS rebinding) gets 403', async () => {
    const auth = { ...MCP_HEADERS, authorization: `Bearer ${server.token}` };
    const foreign = await raw(`${server.url}/mcp`, { method: 'POST', headers: { ...auth, origin: 'http://evil.example' }, body: INITIALIZE });
    assert.equal(foreign.status, 403);
    assert.match(foreign.body, /Origin http:\/\/evil\.example may not use this server/);
    const own = await raw(`${server.url}/mcp`, { method: 'POST', headers: { ...auth, origin: server.url }, body: INITIALIZE });
    assert.equal(own.status, 200, own.body);
    const port = new URL(server.url).port;
    const rebound = await raw(`${server.url}/readyz`, { headers: { authorization: `Bearer ${server.token}`, host: `evil.example:${port}` } });
    assert.equal(rebound.status, 403);
    const ready = await raw(`${server.url}/readyz`, { headers: { authorization: `Bearer ${server.token}`, host: `localhost:${port}` } });
    assert.equal(ready.status, 200);
    assert.equal(JSON.parse(ready.body).status, 'ready');
  });

  test('a body over the limit gets 413 and the server keeps serving', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'search_code', arguments: { query: 'x'.repeat(100_000) } } });
    const response = await raw(`${server.url}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, authorization: `Bearer ${server.token}` }, body: big });
    assert.equal(response.status, 413);
    assert.match(response.body, /over 65536 bytes/);
    const { tools } = await client.listTools();
    assert.equal(tools.length, 6);
  });

  test('search --remote prints what the tool answers, as JSON and for people', async () => {
    const query = 'HTTP client retry policy with exponential backoff';
    const tool = (await client.callTool({ name: 'search_code', arguments: { query, project: 'shop', limit: 4 } })) as ToolResult;
    const env = isolatedEnv(await temporaryDirectory('remote-cli'), { CODEBASE_MCP_HTTP_TOKEN: server.token });
    const json = await runCli(['search', query, '--project', 'shop', '--limit', '4', '--json', '--remote', server.url], { env });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), tool.structuredContent);
    const human = await runCli(['search', query, '--project', 'shop', '--limit', '4', '--remote', `${server.url}/mcp`], { env });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^1\. services\/common\/http_client\.py:\d+-\d+/);
    const noToken = await runCli(['search', query, '--remote', server.url], { env: { ...env, CODEBASE_MCP_HTTP_TOKEN: '' } });
    assert.equal(noToken.code, 2); // a missing token is configuration: bad input
    assert.match(noToken.stderr, /needs the server token[\s\S]*Set CODEBASE_MCP_HTTP_TOKEN/);
    const wrong = await runCli(['search', query, '--remote', server.url], { env: { ...env, CODEBASE_MCP_HTTP_TOKEN: 'wrong-token-wrong-token' } });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /Wrong bearer token[\s\S]*Check CODEBASE_MCP_HTTP_TOKEN/);
  });

  test('the JSON API searches with the same results as the tool', async () => {
    const response = await raw(`${server.url}/api/search?q=${encodeURIComponent('ring buffer push and pop')}&project=shop&limit=3`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    assert.equal(response.status, 200, response.body);
    assert.equal(JSON.parse(response.body).results[0].path, 'firmware/ring_buffer.c');
    const bad = await raw(`${server.url}/api/search?q=x&limit=1000&project=shop`, { headers: { authorization: `Bearer ${server.token}` } });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error.message, /Invalid limit/);
  });
});

describe('a flooding client', () => {
  let server: HttpServerProcess;

  before(async () => {
    const home = await temporaryDirectory('http-flood');
    server = await spawnHttpServer({ home, env: isolatedEnv(home, { CODEBASE_MCP_HTTP_RATE: '2', CODEBASE_MCP_HTTP_BURST: '5' }) });
  });

  after(async () => {
    await server?.stop();
    await removeTemporaryDirectories();
  });

  test('gets 429 with Retry-After once its burst is spent; /healthz still answers', async () => {
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 20; i++) {
      const response = await raw(`${server.url}/readyz`, { headers: { authorization: `Bearer ${server.token}` } });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = String(response.headers['retry-after']);
    }
    assert.ok(statuses.slice(0, 5).every((status) => status === 200), statuses.join(','));
    assert.ok(statuses.filter((status) => status === 429).length >= 12, statuses.join(','));
    assert.match(retryAfter ?? '', /^\d+$/);
    assert.equal((await raw(`${server.url}/healthz`)).status, 200);
    const { samples } = parsePrometheusText(
      (await new Promise<RawResponse>((resolve) => setTimeout(() => resolve(raw(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })), 1100))).body,
    );
    assert.ok(sampleValue(samples, 'codebase_mcp_http_rejected_total', { reason: 'rate_limited' }) >= 12);
  });
});
