// Times the tool calls passing through an MCP server transport, for metrics.
// Apart from the metrics themselves (prom-client) so a stdio front end can
// measure its calls and hand the numbers to the service, which exports them.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export interface ToolCallRecord {
  tool: string;
  /** search_code's mode, when given. */
  mode?: string;
  seconds: number;
  /** An error result (isError) or a JSON-RPC error. */
  failed: boolean;
}

/** A call a stdio front end or the CLI measured, as it tells the service. */
export type FrontEndToolCall = ToolCallRecord & { transport: 'stdio' | 'cli' };

interface PendingCall {
  tool: string;
  mode: string | undefined;
  started: number;
}

/** Call after `server.connect(transport)`, which installs the handler wrapped here. */
export function observeToolCalls(transport: Transport, observe: (call: ToolCallRecord) => void): void {
  const pending = new Map<string | number, PendingCall>();
  const receive = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if ('method' in message && message.method === 'tools/call' && 'id' in message) {
      const params = message.params as { name?: unknown; arguments?: { mode?: unknown } } | undefined;
      pending.set(message.id, {
        tool: typeof params?.name === 'string' ? params.name : 'unknown',
        mode: typeof params?.arguments?.mode === 'string' ? params.arguments.mode : undefined,
        started: performance.now(),
      });
    }
    receive?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message: JSONRPCMessage, options) => {
    if ('id' in message && !('method' in message)) {
      const call = pending.get(message.id as string | number);
      if (call) {
        pending.delete(message.id as string | number);
        const failed = 'error' in message || (message as { result?: { isError?: boolean } }).result?.isError === true;
        observe({ tool: call.tool, mode: call.mode, seconds: (performance.now() - call.started) / 1000, failed });
      }
    }
    return send(message, options);
  };
}
