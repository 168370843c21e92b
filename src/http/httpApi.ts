// What the HTTP front end needs of the core API, typed by shape: the tools'
// needs (whatever createMcpServer takes) plus a few read-outs that are
// optional, so any object with the core's methods (CodebaseService today,
// the shared service later) can be served.
import type { createMcpServer } from '../mcp/mcpServer.js';
import type { RootsApi } from './allowedRoots.js';

export type ToolApi = Parameters<typeof createMcpServer>[0];

export type HttpApi = ToolApi &
  RootsApi & {
    /** Files and chunks per language, for the projects view. */
    languageCounts?(project: string): Promise<{ language: string; files: number; chunks: number }[]>;
    /** For /readyz: resolves when the stores answer and the embedder is loaded, throws what is not ready. */
    checkReady?(): Promise<unknown>;
    /** For /metrics: project stores open and the most kept open. */
    storeUsage?(): { open: number; limit: number | null };
  };
