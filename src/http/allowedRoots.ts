// Over HTTP, index_repository may only index below the allowed roots
// (CODEBASE_MCP_ALLOWED_ROOTS, else the roots of the projects already
// indexed): a token holder must not be able to read the whole disk into an index.
import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import type { IndexRequest } from '../core/codebaseService.js';
import { UserError } from '../errors/userError.js';

export interface RootsApi {
  repositoryRoot(path: string): Promise<string>;
  listProjects(): Promise<{ root: string }[]>;
}

const within = (path: string, root: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/** Resolves the request's path and throws ROOT_NOT_ALLOWED unless it lies below an allowed root. */
export async function checkAllowedRoot(api: RootsApi, request: IndexRequest, configured: string[] | undefined): Promise<IndexRequest> {
  const root = await api.repositoryRoot(request.path);
  const allowed = configured
    ? await Promise.all(configured.map((dir) => realpath(dir).catch(() => dir)))
    : (await api.listProjects()).map((project) => project.root);
  if (allowed.some((dir) => within(root, dir))) return { ...request, path: root };
  const where = configured ? 'CODEBASE_MCP_ALLOWED_ROOTS' : 'the roots of the already indexed projects (CODEBASE_MCP_ALLOWED_ROOTS is not set)';
  throw new UserError(
    'ROOT_NOT_ALLOWED',
    `Refused: over HTTP, index_repository may only index below ${where}; ${root} is not below ${allowed.length ? allowed.join(', ') : 'any of them (there are none)'}.`,
    "Ask the server's operator to add it to CODEBASE_MCP_ALLOWED_ROOTS (absolute paths separated by ':'), or index it on that machine with codebase-mcp index.",
  );
}

/** The same API, with startIndexJob refusing paths outside the allowed roots. */
export function withAllowedRoots<A extends RootsApi & { startIndexJob(request: IndexRequest): Promise<unknown> }>(
  api: A,
  configured: string[] | undefined,
): A {
  return new Proxy(api, {
    get(target, property) {
      if (property === 'startIndexJob') {
        return async (request: IndexRequest) => target.startIndexJob(await checkAllowedRoot(target, request, configured));
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
