// MCP over Streamable HTTP: one SDK transport and one McpServer (built by the
// single tool registry, createMcpServer) per session, with resumable SSE
// streams, a bound on open sessions and an idle timeout.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeError } from '../errors/userError.js';
import type { Logger } from '../logging/logger.js';
import { BoundedEventStore } from './boundedEventStore.js';
import { observeToolCalls } from '../mcp/observeToolCalls.js';
import type { ServiceMetrics } from './serviceMetrics.js';

interface Session {
  transport: StreamableHTTPServerTransport;
  server: McpServer;
  lastUsed: number;
}

export interface McpSessionOptions {
  createServer: () => McpServer;
  metrics: ServiceMetrics;
  logger: Logger;
  maxSessions: number;
  idleMs: number;
  maxBodyBytes: number;
}

function jsonRpcError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: status === 404 ? -32001 : -32000, message }, id: null }));
}

export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: McpSessionOptions) {
    this.sweeper = setInterval(() => this.closeIdle(), Math.min(60_000, options.idleMs));
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  async handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    if (sessionId) {
      const session = this.sessions.get(sessionId);
      if (!session) return jsonRpcError(res, 404, 'Session not found: it expired or the server restarted. Initialize a new session.');
      // Map order is recency, for evicting the least recently used session.
      this.sessions.delete(sessionId);
      this.sessions.set(sessionId, session);
      session.lastUsed = Date.now();
      return session.transport.handleRequest(req, res, body);
    }
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      return jsonRpcError(res, 400, 'Bad Request: send an initialize request first, then the Mcp-Session-Id header it returns.');
    }
    const session = await this.open();
    await session.transport.handleRequest(req, res, body);
  }

  private async open(): Promise<Session> {
    while (this.sessions.size >= this.options.maxSessions) {
      const [oldest] = this.sessions.keys();
      await this.close(oldest);
    }
    const server = this.options.createServer();
    const session: Session = {
      server,
      lastUsed: Date.now(),
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: new BoundedEventStore(),
        maxRequestBodySize: this.options.maxBodyBytes,
        onsessioninitialized: (id) => {
          this.sessions.set(id, session);
        },
      }),
    };
    session.transport.onclose = () => {
      if (session.transport.sessionId) this.sessions.delete(session.transport.sessionId);
    };
    session.transport.onerror = (error) => this.options.logger.debug(`mcp http: ${describeError(error)}`);
    await server.connect(session.transport);
    observeToolCalls(session.transport, (call) => this.options.metrics.observeTool(call.tool, 'http', call.seconds, call.failed, call.mode));
    return session;
  }

  private async close(id: string): Promise<void> {
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    await session?.server.close().catch((error) => this.options.logger.debug(`closing session: ${describeError(error)}`));
  }

  private closeIdle(): void {
    const before = Date.now() - this.options.idleMs;
    for (const [id, session] of this.sessions) {
      if (session.lastUsed < before) void this.close(id);
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await Promise.all([...this.sessions.keys()].map((id) => this.close(id)));
  }
}
