// `codebase-mcp serve --http [HOST:]PORT`: settings, token and start-up
// banner around startHttpServer. The shared service listens (the front end
// that asked prints the banner and keeps the listener alive while it runs);
// with --no-service the front end's own process does.
import type { CallContext } from '../service/methods.js';
import type { Logger } from '../logging/logger.js';
import { createMcpServer } from '../mcp/mcpServer.js';
import type { HttpApi } from './httpApi.js';
import { startHttpServer, type RunningHttpServer } from './httpServer.js';
import { httpSettingsFromEnv, parseListenAddress } from './httpSettings.js';
import type { ServiceMetrics } from './serviceMetrics.js';
import { resolveHttpToken } from './httpToken.js';

export async function serveHttp(
  api: HttpApi,
  options: { address: string; home: string; logger: Logger; env?: NodeJS.ProcessEnv; metrics?: ServiceMetrics },
): Promise<{ running: RunningHttpServer; banner: string }> {
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
    metrics: options.metrics,
  });
  const tokenLine =
    token.source === 'environment'
      ? 'token: from CODEBASE_MCP_HTTP_TOKEN'
      : `token: ${token.created ? 'generated into' : 'read from'} ${token.path} (mode 0600; cat it to use it)`;
  const banner = [
    `codebase-mcp HTTP server on ${running.url}`,
    `  MCP (Streamable HTTP): ${running.url}/mcp`,
    `  web page:              ${running.url}/`,
    `  health, metrics:       ${running.url}/healthz, ${running.url}/readyz, ${running.url}/metrics`,
    `  ${tokenLine}`,
    `  index_repository over HTTP: ${settings.allowedRoots ? `below ${settings.allowedRoots.join(', ')}` : 'below the roots of already indexed projects (set CODEBASE_MCP_ALLOWED_ROOTS to change)'}`,
    '',
  ].join('\n');
  return { running, banner };
}

/**
 * The service's side of the `serveHttp` method: listen with the caller's HTTP
 * settings, send the banner, and keep listening until the caller goes away.
 */
export async function serveHttpForCaller(
  api: HttpApi,
  params: { address: string; env: Record<string, string> },
  context: CallContext,
): Promise<{ url: string }> {
  const { running, banner } = await serveHttp(api, { address: params.address, home: context.home, logger: context.logger, env: params.env, metrics: context.metrics });
  context.logger.info(`HTTP: listening on ${running.url} for a front end`);
  context.emit({ url: running.url, banner });
  await new Promise<void>((resolve) => {
    if (context.signal.aborted) resolve();
    else context.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await running.close();
  context.logger.info(`HTTP: stopped listening on ${running.url} (its front end went away)`);
  return { url: running.url };
}
