// `bench frontends`: what a person and an assistant wait for. Times warm CLI
// searches (a whole `codebase-mcp search` process each, against a running
// service) and MCP search_code through the service, and the same two without
// the service (--no-service), as real child processes in a temporary home.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { benchmarkQueries } from './benchQueries.js';
import { latencyStats, type LatencyStats } from './latencyStats.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const PROJECT = 'bench-frontends';

export interface FrontendLatencyOptions {
  repo: string;
  /** Timed CLI searches per setting (each a new process). */
  cliQueries: number;
  /** Timed search_code calls per setting. */
  mcpQueries: number;
  onProgress?: (message: string) => void;
}

export interface FrontendLatencyResult {
  schema: 'codebase-mcp/bench-frontends@1';
  repo: string;
  measuredAt: string;
  /** An empty `node -e 0`: the floor any CLI command pays on this machine at this moment. */
  nodeStart: LatencyStats;
  /** Load average (1 min) when the timed runs began: a busy machine shows in every number. */
  loadAverage: number;
  cliSearch: { service: LatencyStats; inProcess: LatencyStats };
  mcpSearch: { service: LatencyStats; inProcess: LatencyStats };
  /**
   * The floor and the warm CLI search again without NODE_EXTRA_CA_CERTS, when it is
   * set: Node reads and parses that CA file at every start, before any of our code
   * (about 70 ms on the 2-core machine of docs/benchmarks.md, whose sandbox sets it).
   */
  withoutExtraCaCerts?: { nodeStart: LatencyStats; cliSearch: LatencyStats };
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data) => (stdout += data));
    child.stderr.on('data', (data) => (stderr += data));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function cliOk(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const result = await runCli(args, env);
  if (result.code !== 0) throw new Error(`codebase-mcp ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

async function timeCliSearches(queries: string[], env: NodeJS.ProcessEnv, extra: string[]): Promise<LatencyStats> {
  const samples: number[] = [];
  for (const query of queries) {
    const started = performance.now();
    await cliOk([...extra, 'search', query, '--project', PROJECT, '--json'], env);
    samples.push(performance.now() - started);
  }
  return latencyStats(samples);
}

async function timeNodeStart(runs: number, env: NodeJS.ProcessEnv): Promise<LatencyStats> {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    await new Promise((resolve, reject) => spawn(process.execPath, ['-e', '0'], { env }).on('error', reject).on('close', resolve));
    samples.push(performance.now() - started);
  }
  return latencyStats(samples);
}

async function timeMcpSearches(queries: string[], env: NodeJS.ProcessEnv, extra: string[]): Promise<LatencyStats> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, ...extra, 'serve'], env: env as Record<string, string>, stderr: 'ignore' });
  const client = new Client({ name: 'bench-frontends', version: '1' });
  await client.connect(transport);
  try {
    const search = async (query: string) => {
      const result = await client.callTool({ name: 'search_code', arguments: { query, project: PROJECT } });
      if (result.isError) throw new Error(`search_code failed: ${JSON.stringify(result.content)}`);
    };
    // Untimed: the first calls open the project (and, in-process, load the embedder).
    for (const query of queries.slice(0, 3)) await search(query);
    const samples: number[] = [];
    for (const query of queries) {
      const started = performance.now();
      await search(query);
      samples.push(performance.now() - started);
    }
    return latencyStats(samples);
  } finally {
    await client.close();
  }
}

export async function measureFrontendLatency(options: FrontendLatencyOptions): Promise<FrontendLatencyResult> {
  const progress = options.onProgress ?? (() => {});
  const home = await mkdtemp(join(tmpdir(), 'codebase-mcp-bench-frontends-'));
  const env: NodeJS.ProcessEnv = { ...process.env, CODEBASE_MCP_HOME: home, CODEBASE_MCP_SERVICE: '1' };
  delete env.DATABASE_URL;
  delete env.CODEBASE_MCP_DATABASE_URL;
  try {
    progress(`indexing ${options.repo} through the service`);
    await cliOk(['index', options.repo, '--project', PROJECT, '--json'], env);
    const queries = benchmarkQueries(Math.max(options.cliQueries, options.mcpQueries) + 2, 7);
    await timeCliSearches(queries.slice(0, 2), env, []);
    const loadAverage = Math.round(loadavg()[0] * 100) / 100;
    const nodeStart = await timeNodeStart(options.cliQueries, env);
    progress(`${options.cliQueries} warm CLI searches through the service`);
    const cliService = await timeCliSearches(queries.slice(2, 2 + options.cliQueries), env, []);
    let withoutExtraCaCerts: FrontendLatencyResult['withoutExtraCaCerts'];
    if (env.NODE_EXTRA_CA_CERTS) {
      progress(`the floor and ${options.cliQueries} warm CLI searches again without NODE_EXTRA_CA_CERTS`);
      const plainEnv = { ...env };
      delete plainEnv.NODE_EXTRA_CA_CERTS;
      withoutExtraCaCerts = {
        nodeStart: await timeNodeStart(options.cliQueries, plainEnv),
        cliSearch: await timeCliSearches(queries.slice(2, 2 + options.cliQueries), plainEnv, []),
      };
    }
    progress(`${options.mcpQueries} MCP search_code calls through the service`);
    const mcpService = await timeMcpSearches(queries.slice(0, options.mcpQueries), env, []);
    await cliOk(['service', 'stop'], env);
    progress(`${options.cliQueries} CLI searches in-process (--no-service)`);
    const cliInProcess = await timeCliSearches(queries.slice(2, 2 + options.cliQueries), env, ['--no-service']);
    progress(`${options.mcpQueries} MCP search_code calls in-process (--no-service)`);
    const mcpInProcess = await timeMcpSearches(queries.slice(0, options.mcpQueries), env, ['--no-service']);
    return {
      schema: 'codebase-mcp/bench-frontends@1',
      repo: options.repo,
      measuredAt: new Date().toISOString(),
      nodeStart,
      loadAverage,
      cliSearch: { service: cliService, inProcess: cliInProcess },
      mcpSearch: { service: mcpService, inProcess: mcpInProcess },
      withoutExtraCaCerts,
    };
  } finally {
    await runCli(['service', 'stop'], env).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  }
}

export function formatFrontendLatency(result: FrontendLatencyResult): string {
  const row = (label: string, stats: LatencyStats) =>
    `  ${label.padEnd(34)} ${String(stats.p50Ms).padStart(9)} ${String(stats.p95Ms).padStart(9)} ${String(stats.count).padStart(5)}`;
  const verdict = (stats: LatencyStats) => (stats.p50Ms < 150 ? 'pass' : 'miss');
  const plain = result.withoutExtraCaCerts;
  return [
    `Front-end search latency on ${result.repo} (ms; load average ${result.loadAverage} when timing began)`,
    `  ${''.padEnd(34)} ${'median'.padStart(9)} ${'p95'.padStart(9)} ${'n'.padStart(5)}`,
    row('empty node process (the floor)', result.nodeStart),
    row('CLI search, warm service', result.cliSearch.service),
    ...(plain ? [row('  floor, no extra CA certs', plain.nodeStart), row('  CLI search, no extra CA certs', plain.cliSearch)] : []),
    row('CLI search, in-process', result.cliSearch.inProcess),
    row('MCP search_code, through service', result.mcpSearch.service),
    row('MCP search_code, in-process', result.mcpSearch.inProcess),
    `  target: warm CLI search median < 150 ms (${verdict(result.cliSearch.service)}${plain ? `; without NODE_EXTRA_CA_CERTS, which Node reads at every start: ${verdict(plain.cliSearch)}` : ''}); MCP p95 through the service no worse than in-process (${result.mcpSearch.service.p95Ms <= result.mcpSearch.inProcess.p95Ms * 1.1 ? 'pass' : 'miss'})`,
  ].join('\n');
}
