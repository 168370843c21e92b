// The HTTP front end: MCP over Streamable HTTP at /mcp, the web page at /,
// its JSON API at /api, /healthz, /readyz and /metrics. Every request passes
// the same gates in the same order: Host and Origin, rate, token, body size.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError, UserError } from '../errors/userError.js';
import type { Logger } from '../logging/logger.js';
import { withAllowedRoots } from './allowedRoots.js';
import type { HttpApi, ToolApi } from './httpApi.js';
import { DEFAULT_HTTP_LIMITS, isLoopbackHost, type HttpLimits } from './httpSettings.js';
import { bearerToken, tokenMatcher } from './httpToken.js';
import { JsonApi, sendError, sendJson } from './jsonApi.js';
import { McpSessions } from './mcpSessions.js';
import { RateLimiter } from './rateLimiter.js';
import { ServiceMetrics } from './serviceMetrics.js';
import { DEFAULT_WEB_ROOT, loadStaticAssets, PAGE_SECURITY_HEADERS } from './staticAssets.js';

export interface HttpServerOptions {
  host: string;
  port: number;
  token: string;
  /** The token was set on purpose (environment), not generated: required for a non-loopback bind. */
  tokenExplicit: boolean;
  /** The single tool registry, the same one stdio serves. */
  createMcpServer: (api: ToolApi, logger: Logger) => McpServer;
  logger: Logger;
  /** Where index_repository may index; undefined: below the roots of the indexed projects. */
  allowedRoots?: string[];
  /** Origins accepted besides the server's own. */
  allowedOrigins?: string[];
  limits?: Partial<HttpLimits>;
  /** Shared with other front ends of the process (e.g. stdio), so /metrics shows them all. */
  metrics?: ServiceMetrics;
  webRoot?: string;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  metrics: ServiceMetrics;
  close(): Promise<void>;
}

class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function refuse(res: ServerResponse, refusal: HttpRefusal): void {
  sendJson(res, refusal.status, { error: { code: refusal.reason.toUpperCase(), message: refusal.message } }, refusal.headers);
}

/** Reads a body of at most `limit` bytes; larger ones are refused with 413 before they are buffered. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (part: Buffer) => {
      size += part.length;
      if (size > limit) {
        reject(tooLarge(limit));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      parts.push(part);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

const tooLarge = (limit: number) =>
  new HttpRefusal(413, 'too_large', `Request body over ${limit} bytes. Send less (CODEBASE_MCP_HTTP_MAX_BODY_BYTES sets the limit).`, {
    connection: 'close',
  });

function routeOf(path: string): string {
  if (path === '/mcp' || path === '/healthz' || path === '/readyz' || path === '/metrics') return path;
  if (path.startsWith('/api/jobs/') && path.endsWith('/cancel')) return '/api/jobs/:id/cancel';
  if (path.startsWith('/api/')) return path;
  return 'static';
}

export async function startHttpServer(api: HttpApi, options: HttpServerOptions): Promise<RunningHttpServer> {
  if (!isLoopbackHost(options.host) && !options.tokenExplicit) {
    throw new UserError(
      'CONFIG_INVALID',
      `Refusing to listen on ${options.host}, which is not a loopback address, with a generated token.`,
      'Set CODEBASE_MCP_HTTP_TOKEN to a long random secret you share with the team (e.g. openssl rand -base64 32), or listen on 127.0.0.1.',
    );
  }
  const limits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  const logger = options.logger;
  const guardedApi = withAllowedRoots(api, options.allowedRoots);
  const tokenMatches = tokenMatcher(options.token);
  const limiter = new RateLimiter(limits.ratePerSecond, limits.burst);
  const assets = loadStaticAssets(options.webRoot ?? DEFAULT_WEB_ROOT);
  let sessions: McpSessions | null = null;
  const metrics = options.metrics ?? new ServiceMetrics({ jobs: () => api.jobs.list(), storeUsage: api.storeUsage?.bind(api) });
  const uncountSessions = metrics.countSessions(() => sessions?.size ?? 0);
  sessions = new McpSessions({
    createServer: () => options.createMcpServer(guardedApi, logger),
    metrics,
    logger,
    maxSessions: limits.maxSessions,
    idleMs: limits.sessionIdleMs,
    maxBodyBytes: limits.maxBodyBytes,
  });
  const jsonApi = new JsonApi(guardedApi, metrics, logger);
  // Filled in once the port is known (it may be 0 = any free one).
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  function checkHostAndOrigin(req: IncomingMessage): void {
    // A page on another site must not reach a loopback server through DNS rebinding.
    if (isLoopbackHost(options.host) && !allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      throw new HttpRefusal(403, 'forbidden_host', `Host ${JSON.stringify(req.headers.host ?? '')} is not this server; use ${[...allowedHosts][0]}.`);
    }
    const origin = req.headers.origin?.toLowerCase();
    // Bound to a network address, the page is reached by whatever name the machine has: its own origin is fine.
    const sameOrigin = !isLoopbackHost(options.host) && origin === `http://${(req.headers.host ?? '').toLowerCase()}`;
    if (origin !== undefined && !allowedOrigins.has(origin) && !sameOrigin) {
      throw new HttpRefusal(
        403,
        'forbidden_origin',
        `Origin ${origin} may not use this server. Add it to CODEBASE_MCP_HTTP_ALLOWED_ORIGINS if it is a page you trust.`,
      );
    }
  }

  function checkRate(req: IncomingMessage): void {
    const session = req.headers['mcp-session-id'];
    const client = `${req.socket.remoteAddress ?? '?'}|${typeof session === 'string' ? session : ''}`;
    const decision = limiter.take(client);
    if (!decision.allowed) {
      throw new HttpRefusal(429, 'rate_limited', `Too many requests; wait ${decision.retryAfterSeconds} s.`, {
        'retry-after': String(decision.retryAfterSeconds),
      });
    }
  }

  function checkToken(req: IncomingMessage): void {
    const given = bearerToken(req.headers.authorization);
    if (tokenMatches(given)) return;
    const realm = 'Bearer realm="codebase-mcp"';
    throw new HttpRefusal(
      401,
      'unauthorized',
      given === undefined
        ? 'Missing bearer token: send Authorization: Bearer <token> (CODEBASE_MCP_HTTP_TOKEN, or the http-token file in the server home).'
        : 'Wrong bearer token.',
      { 'www-authenticate': given === undefined ? realm : `${realm}, error="invalid_token"` },
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
    checkHostAndOrigin(req);
    checkRate(req);
    const asset = method === 'GET' || method === 'HEAD' ? assets.get(url.pathname) : undefined;
    if (asset) {
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', ...PAGE_SECURITY_HEADERS });
      res.end(method === 'HEAD' ? undefined : asset.body);
      return;
    }
    checkToken(req);
    let body: unknown;
    if (method === 'POST') {
      const raw = await readBody(req, limits.maxBodyBytes);
      try {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        throw new HttpRefusal(400, 'invalid_json', 'The request body is not valid JSON.');
      }
    }
    if (url.pathname === '/mcp') return sessions!.handle(req, res, body);
    if (url.pathname === '/metrics' && method === 'GET') {
      res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
      res.end(await metrics.text());
      return;
    }
    if (url.pathname === '/readyz' && method === 'GET') {
      try {
        const detail = api.checkReady ? await api.checkReady() : {};
        return sendJson(res, 200, { status: 'ready', ...(detail as object) });
      } catch (error) {
        return sendJson(res, 503, { status: 'not ready', error: describeError(error) });
      }
    }
    if (url.pathname.startsWith('/api/') && (await jsonApi.handle(req, res, url, body))) return;
    sendJson(res, 404, { error: { code: 'NOT_FOUND', message: `No ${method} ${url.pathname} here. Try /, /mcp, /healthz, /readyz or /metrics.` } });
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://server.invalid');
    res.on('finish', () => metrics.httpRequests.inc({ route: routeOf(url.pathname), status: String(res.statusCode) }));
    handle(req, res, url).catch((error: unknown) => {
      if (error instanceof HttpRefusal) {
        metrics.rejected.inc({ reason: error.reason });
        if (!res.headersSent) refuse(res, error);
        return;
      }
      if (!res.headersSent) sendError(res, error, logger);
      else res.destroy();
    });
  });
  // Slow or stuck clients must not hold sockets for ever; SSE streams send keep-alives.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const names = new Set([hostInUrl, ...(isLoopbackHost(options.host) ? ['127.0.0.1', 'localhost', '[::1]'] : [])]);
  allowedHosts = new Set([...names].map((name) => `${name}:${port}`.toLowerCase()));
  allowedOrigins = new Set([...[...allowedHosts].map((host) => `http://${host}`), ...(options.allowedOrigins ?? []).map((origin) => origin.toLowerCase())]);
  const url = `http://${hostInUrl}:${port}`;
  logger.info(`codebase-mcp HTTP server listening on ${url} (MCP at ${url}/mcp, web page at ${url}/)`);
  return {
    url,
    port,
    metrics,
    async close() {
      jsonApi.closeStreams();
      await sessions!.closeAll();
      uncountSessions();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
