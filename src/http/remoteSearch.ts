// `codebase-mcp search … --remote URL`: the same search, asked of a team
// server through the MCP Streamable HTTP client, answered in the same JSON
// shape (search_code's structuredContent is searchContent's output).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { SearchInput } from '../core/requests.js';
import type { searchContent } from '../core/responses.js';
import { describeError, UserError } from '../errors/userError.js';

export type SearchContent = ReturnType<typeof searchContent>;

/** http://host:port, http://host:port/ or http://host:port/mcp → the MCP endpoint. */
export function mcpEndpoint(remote: string): URL {
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    throw new UserError('INVALID_INPUT', `--remote ${JSON.stringify(remote)} is not a URL.`, 'Give the server address, e.g. --remote http://codesearch.internal:8765');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError('INVALID_INPUT', `--remote must be an http:// or https:// URL, not ${url.protocol}//.`, 'Give the server address, e.g. --remote http://codesearch.internal:8765');
  }
  if (!url.pathname.endsWith('/mcp')) url.pathname = `${url.pathname.replace(/\/$/, '')}/mcp`;
  return url;
}

export async function searchRemote(remote: string, input: SearchInput, token: string | undefined): Promise<SearchContent> {
  if (!token) {
    throw new UserError('CONFIG_INVALID', 'search --remote needs the server token.', 'Set CODEBASE_MCP_HTTP_TOKEN to the token of the server (its http-token file, or what its operator gave you).');
  }
  const endpoint = mcpEndpoint(remote);
  const client = new Client({ name: 'codebase-mcp-cli', version: '0.1.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  } catch (error) {
    const message = describeError(error);
    const hint = /Wrong bearer token|Missing bearer token|401/.test(message)
      ? 'Check CODEBASE_MCP_HTTP_TOKEN: the server refused it.'
      : `Check that the server runs (codebase-mcp serve --http) and answers at ${endpoint.origin}/healthz.`;
    throw new UserError('REMOTE_FAILED', `Cannot reach the codebase-mcp server at ${endpoint.href}: ${message}`, hint);
  }
  try {
    const args = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
    const result = await client.callTool({ name: 'search_code', arguments: args });
    if (result.isError) {
      const text = (result.content as { type: string; text?: string }[]).map((part) => part.text ?? '').join('\n');
      throw new UserError('REMOTE_FAILED', `The server at ${endpoint.origin} answered: ${text}`);
    }
    return result.structuredContent as SearchContent;
  } finally {
    await client.close();
  }
}
