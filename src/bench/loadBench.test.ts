// bench load end to end, small: real server child, real MCP clients over
// HTTP, an index job alongside; and its bounds.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { copyOfSampleRepo, removeTemporaryDirectories } from '../testing/testEnvironment.js';
import { formatLoadResult, runLoadBenchmark } from './loadBench.js';

after(removeTemporaryDirectories);

test('bench load refuses more than its bounds before starting anything', async () => {
  const base = { repo: '/nonexistent', queries: ['x'], intervalMs: 0 };
  await assert.rejects(runLoadBenchmark({ ...base, clients: 201, seconds: 1 }), /1-200 clients for 1-600 s/);
  await assert.rejects(runLoadBenchmark({ ...base, clients: 1, seconds: 601 }), /1-200 clients for 1-600 s/);
});

test('bench load: clients search over HTTP while an index job runs, with no errors, and the report says so', async () => {
  const repo = await copyOfSampleRepo();
  const result = await runLoadBenchmark({ repo, clients: 3, seconds: 3, intervalMs: 200, queries: ['ring buffer push and pop', 'authenticate'] });
  assert.equal(result.errors, 0, result.errorSamples.join('\n'));
  assert.ok(result.requests >= 3, `requests: ${result.requests}`);
  assert.equal(result.latency.count, result.requests);
  assert.ok(result.latency.p50Ms > 0 && result.latency.p95Ms >= result.latency.p50Ms);
  assert.ok(result.files >= 20 && result.chunks >= result.files);
  assert.ok(result.backgroundJobs.started >= 1);
  assert.ok(result.serverRssMb.before > 50 && result.serverRssMb.peak >= result.serverRssMb.before);
  assert.ok(result.serverRssMb.samples.length >= 2 && result.serverRssMb.samples.every((mb) => mb > 50 && mb <= result.serverRssMb.peak));
  // Every search is in one second of the timeline, and the slowest of them is the run's max.
  assert.equal(result.timeline.reduce((sum, entry) => sum + entry.requests, 0), result.requests);
  assert.ok(result.timeline.every((entry) => entry.second >= 0 && entry.second < 4));
  assert.equal(Math.max(...result.timeline.map((entry) => entry.maxMs)), result.latency.maxMs);
  assert.match(formatLoadResult(result), /3 clients × 3 s over MCP Streamable HTTP[\s\S]*errors: 0[\s\S]*p95[\s\S]*slowest seconds: \d/);
});
