// What the HTTP front end needs of the core API, typed by shape: the tools'
// needs (whatever createMcpServer takes) plus a few read-outs that are
// optional, so any object with the core's methods (CodebaseService today,
// the shared service later) can be served.
import type { CodebaseApi } from '../core/codebaseApi.js';
import type { IndexJobs } from '../core/indexJobs.js';
import type { RootsApi } from './allowedRoots.js';

/** The tools' API (whatever createMcpServer takes) plus the job list the page and /metrics show. */
export type ToolApi = CodebaseApi & { jobs: Pick<IndexJobs, 'list'> };

export type HttpApi = ToolApi &
  RootsApi & {
    /** Files and chunks per language, for the projects view. */
    languageCounts?(project: string): Promise<{ language: string; files: number; chunks: number }[]>;
    /** For /readyz: resolves when the stores answer and the embedder is loaded, throws what is not ready. */
    checkReady?(): Promise<unknown>;
    /** For /metrics: project stores open and the most kept open. */
    storeUsage?(): { open: number; limit: number | null };
  };
