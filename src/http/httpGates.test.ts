// The HTTP front end's gates, one by one: listen addresses, settings, the
// token, the rate limiter, allowed roots, and the resumable event store.
import assert from 'node:assert/strict';
import { mkdir, stat, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { UserError } from '../errors/userError.js';
import { removeTemporaryDirectories, temporaryDirectory } from '../testing/testEnvironment.js';
import { checkAllowedRoot } from './allowedRoots.js';
import { BoundedEventStore } from './boundedEventStore.js';
import { httpSettingsFromEnv, isLoopbackHost, parseListenAddress } from './httpSettings.js';
import { bearerToken, resolveHttpToken, tokenMatcher } from './httpToken.js';
import { RateLimiter } from './rateLimiter.js';

after(removeTemporaryDirectories);

test('listen addresses: a port alone is loopback; a named host, IPv6 in brackets; nonsense is refused with examples', () => {
  assert.deepEqual(parseListenAddress('8765'), { host: '127.0.0.1', port: 8765, hostGiven: false });
  assert.deepEqual(parseListenAddress('0.0.0.0:9000'), { host: '0.0.0.0', port: 9000, hostGiven: true });
  assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0, hostGiven: true });
  assert.throws(() => parseListenAddress('70000'), (error: UserError) => /Invalid --http address "70000"/.test(error.message) && /127\.0\.0\.1:8765/.test(error.hint ?? ''));
  assert.throws(() => parseListenAddress('host:'), /Invalid --http address/);
  assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('localhost') && isLoopbackHost('::1'));
  assert.ok(!isLoopbackHost('0.0.0.0') && !isLoopbackHost('10.0.0.5'));
});

test('HTTP settings come from the environment, and a bad one names its variable (never the token value)', () => {
  const settings = httpSettingsFromEnv({ CODEBASE_MCP_ALLOWED_ROOTS: '/src/a:/src/b', CODEBASE_MCP_HTTP_RATE: '5', CODEBASE_MCP_HTTP_ALLOWED_ORIGINS: 'https://code.example.com' });
  assert.deepEqual(settings.allowedRoots, ['/src/a', '/src/b']);
  assert.equal(settings.ratePerSecond, 5);
  assert.equal(settings.burst, 100);
  assert.deepEqual(settings.allowedOrigins, ['https://code.example.com']);
  assert.equal(httpSettingsFromEnv({}).allowedRoots, undefined);
  assert.throws(() => httpSettingsFromEnv({ CODEBASE_MCP_ALLOWED_ROOTS: 'relative/dir' }), /CODEBASE_MCP_ALLOWED_ROOTS = "relative\/dir": every root must be an absolute path/);
  assert.throws(() => httpSettingsFromEnv({ CODEBASE_MCP_HTTP_MAX_BODY_BYTES: 'lots' }), /CODEBASE_MCP_HTTP_MAX_BODY_BYTES = "lots"/);
  assert.throws(() => httpSettingsFromEnv({ CODEBASE_MCP_HTTP_TOKEN: 'short' }), (error: Error) => {
    assert.match(error.message, /CODEBASE_MCP_HTTP_TOKEN = \(hidden\): use at least 16 characters/);
    assert.doesNotMatch(error.message, /short/);
    return true;
  });
});

test('the token: generated once with mode 0600 and reused; a file others can read is refused; the environment wins', async () => {
  const home = join(await temporaryDirectory('token'), 'home');
  const first = await resolveHttpToken(home, undefined);
  assert.equal(first.created, true);
  assert.equal((await stat(first.path!)).mode & 0o777, 0o600);
  const again = await resolveHttpToken(home, undefined);
  assert.deepEqual({ ...again, created: true }, first);
  assert.equal(again.created, false);
  await chmod(first.path!, 0o644);
  await assert.rejects(resolveHttpToken(home, undefined), (error: UserError) => /readable by other users/.test(error.message) && /chmod 600/.test(error.hint ?? ''));
  const fromEnv = await resolveHttpToken(home, 'an-explicit-token-1234');
  assert.deepEqual(fromEnv, { value: 'an-explicit-token-1234', source: 'environment', path: null, created: false });
});

test('bearer tokens are read from the header and compared whole', () => {
  const matches = tokenMatcher('s3cret-token-value');
  assert.equal(matches(bearerToken('Bearer s3cret-token-value')), true);
  assert.equal(matches(bearerToken('bearer   s3cret-token-value')), true);
  assert.equal(matches(bearerToken('Bearer s3cret-token-valu')), false);
  assert.equal(matches(bearerToken('Bearer s3cret-token-value-and-more')), false);
  assert.equal(matches(bearerToken('Basic czNjcmV0')), false);
  assert.equal(matches(undefined), false);
});

test('the rate limiter allows a burst, then refills at its rate, per client', () => {
  let now = 0;
  const limiter = new RateLimiter(2, 3, 10, () => now);
  assert.deepEqual([1, 2, 3, 4].map(() => limiter.take('a').allowed), [true, true, true, false]);
  assert.equal(limiter.take('a').retryAfterSeconds, 1);
  assert.equal(limiter.take('b').allowed, true, 'another client has its own bucket');
  now = 500;
  assert.equal(limiter.take('a').allowed, true, 'half a second refills one token at 2/s');
  assert.equal(limiter.take('a').allowed, false);
});

test('allowed roots: by default only below the roots of indexed projects; the refusal names the path and the fix', async () => {
  const base = await temporaryDirectory('roots');
  const indexed = join(base, 'indexed');
  const other = join(base, 'other');
  await mkdir(join(indexed, 'sub'), { recursive: true });
  await mkdir(other);
  await writeFile(join(indexed, 'sub', 'a.py'), 'x = 1\n');
  const api = { repositoryRoot: async (path: string) => path, listProjects: async () => [{ root: indexed }] };
  assert.deepEqual(await checkAllowedRoot(api, { path: join(indexed, 'sub') }, undefined), { path: join(indexed, 'sub') });
  await assert.rejects(checkAllowedRoot(api, { path: other }, undefined), (error: Error) => {
    assert.match(error.message, /below the roots of the already indexed projects \(CODEBASE_MCP_ALLOWED_ROOTS is not set\)/);
    assert.ok(error.message.includes(other) && error.message.includes(indexed));
    return true;
  });
  await assert.rejects(checkAllowedRoot(api, { path: `${indexed}-sibling` }, undefined), /Refused/);
  assert.deepEqual(await checkAllowedRoot(api, { path: other }, [base]), { path: other });
  const none = { ...api, listProjects: async () => [] };
  await assert.rejects(checkAllowedRoot(none, { path: other }, undefined), /there are none/);
});

test('the event store replays what a stream missed after the last event id, and forgets the oldest beyond its bound', async () => {
  const store = new BoundedEventStore(4);
  const message = (id: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/progress', params: { progress: id } });
  const first = await store.storeEvent('s1', message(1));
  await store.storeEvent('s2', message(99));
  await store.storeEvent('s1', message(2));
  await store.storeEvent('s1', message(3));
  const replayed: unknown[] = [];
  assert.equal(await store.replayEventsAfter(first, { send: async (_id, event) => void replayed.push(event) }), 's1');
  assert.deepEqual(replayed, [message(2), message(3)]);
  assert.equal(await store.getStreamIdForEventId(first), 's1');
  await store.storeEvent('s1', message(4));
  assert.equal(await store.getStreamIdForEventId(first), undefined, 'the oldest event was forgotten');
  assert.equal(await store.replayEventsAfter(first, { send: async () => {} }), '');

  // Bounded by size too: large results push out the oldest events, the newest stays.
  const small = new BoundedEventStore(100, 10_000);
  const result = (id: number) => ({ jsonrpc: '2.0' as const, id, result: { content: [{ type: 'text', text: 'x'.repeat(4_000) }] } });
  const ids = [];
  for (let id = 1; id <= 4; id++) ids.push(await small.storeEvent('s1', result(id)));
  assert.equal(await small.getStreamIdForEventId(ids[0]), undefined, 'over 10,000 bytes: the oldest went');
  assert.equal(await small.getStreamIdForEventId(ids[1]), undefined);
  assert.equal(await small.getStreamIdForEventId(ids[2]), 's1');
  const huge = await small.storeEvent('s1', { jsonrpc: '2.0' as const, id: 5, result: { content: [{ type: 'text', text: 'y'.repeat(20_000) }] } });
  assert.equal(await small.getStreamIdForEventId(huge), 's1', 'an event over the whole budget is still kept until the next');
  assert.equal(await small.getStreamIdForEventId(ids[3]), undefined);
});
