// `codebase-mcp serve --http [HOST:]PORT`: settings, token and start-up
// messages around startHttpServer. Messages go to stderr, like all logs.
import type { Logger } from '../logging/logger.js';
import { createMcpServer } from '../mcp/mcpServer.js';
import type { HttpApi } from './httpApi.js';
import { startHttpServer, type RunningHttpServer } from './httpServer.js';
import { httpSettingsFromEnv, parseListenAddress } from './httpSettings.js';
import { resolveHttpToken } from './httpToken.js';

export async function serveHttp(api: HttpApi, options: { address: string; home: string; logger: Logger; env?: NodeJS.ProcessEnv }): Promise<RunningHttpServer> {
  const address = parseListenAddress(options.address);
  const settings = httpSettingsFromEnv(options.env);
  const token = await resolveHttpToken(options.home, settings.token);
  const running = await startHttpServer(api, {
    host: address.host,
    port: address.port,
    token: token.value,
    tokenExplicit: token.source === 'environment',
    createMcpServer: (api, logger) => createMcpServer(api, logger, options.home),
    logger: options.logger,
    allowedRoots: settings.allowedRoots,
    allowedOrigins: settings.allowedOrigins,
    limits: settings,
  });
  const tokenLine =
    token.source === 'environment'
      ? 'token: from CODEBASE_MCP_HTTP_TOKEN'
      : `token: ${token.created ? 'generated into' : 'read from'} ${token.path} (mode 0600; cat it to use it)`;
  process.stderr.write(
    [
      `codebase-mcp HTTP server on ${running.url}`,
      `  MCP (Streamable HTTP): ${running.url}/mcp`,
      `  web page:              ${running.url}/`,
      `  health, metrics:       ${running.url}/healthz, ${running.url}/readyz, ${running.url}/metrics`,
      `  ${tokenLine}`,
      `  index_repository over HTTP: ${settings.allowedRoots ? `below ${settings.allowedRoots.join(', ')}` : 'below the roots of already indexed projects (set CODEBASE_MCP_ALLOWED_ROOTS to change)'}`,
      '',
    ].join('\n'),
  );
  return running;
}
