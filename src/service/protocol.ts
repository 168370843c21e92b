// The wire protocol between front ends and the service: newline-delimited
// JSON over a Unix socket. Every message carries the protocol version `v`;
// `hello` and `stop` keep their shape across versions, so a front end can
// always find out who answers and ask an old service to go.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const PROTOCOL_VERSION = 1;

/** The package version of this installation: a front end and a service of different versions replace the service. */
export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** Largest message either side accepts (a search answer with 100 long snippets fits easily). */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

export const requestMessage = z.object({
  v: z.number().int(),
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(100),
  params: z.unknown().optional(),
});
export type RequestMessage = z.infer<typeof requestMessage>;

/** Stop working on request `cancel` (the caller gave up waiting). */
export const cancelMessage = z.object({ v: z.number().int(), cancel: z.number().int().nonnegative() });

export const clientMessage = z.union([requestMessage, cancelMessage]);

export const wireError = z.object({
  /** A UserError code, or INTERNAL for anything else. */
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
});
export type WireError = z.infer<typeof wireError>;

export const serviceMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('result'), v: z.number().int(), id: z.number().int(), result: z.unknown() }),
  z.object({ type: z.literal('error'), v: z.number().int(), id: z.number().int(), error: wireError }),
  /** Progress of a request still running (index jobs). */
  z.object({ type: z.literal('event'), v: z.number().int(), id: z.number().int(), event: z.unknown() }),
]);
export type ServiceMessage = z.infer<typeof serviceMessage>;

/** What `hello` answers: enough to decide whether this service is the right one. */
export const serviceIdentity = z.object({
  protocol: z.number().int(),
  version: z.string(),
  pid: z.number().int(),
  startedAt: z.string(),
  home: z.string(),
  socket: z.string(),
  /** Hash of the settings the service runs with (store, embedder, limits). */
  configKey: z.string(),
  /** Connections other than the asking one. */
  otherClients: z.number().int(),
  runningJobs: z.number().int(),
});
export type ServiceIdentity = z.infer<typeof serviceIdentity>;

export const serviceStatus = serviceIdentity.extend({
  uptimeMs: z.number(),
  logFile: z.string(),
  backend: z.enum(['embedded', 'server']),
  projects: z.array(z.object({ name: z.string(), root: z.string(), indexing: z.boolean() }).passthrough()),
  jobs: z.array(z.object({ id: z.string(), project: z.string(), state: z.string(), phase: z.string() }).passthrough()),
});
export type ServiceStatus = z.infer<typeof serviceStatus>;

export const stopParams = z.object({ reason: z.string().max(500) });
export const stopResult = z.object({ pid: z.number().int(), resumableJobs: z.number().int() });

/** One line of JSON per message. */
export function encodeMessage(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
