// One front end's connection to the service: requests multiplexed by id over
// the socket, progress events routed to their request, every message checked
// against the protocol schema.
import { connect, type Socket } from 'node:net';
import { isUserErrorCode, UserError } from '../errors/userError.js';
import { checkSocketOwner } from '../service/serviceFiles.js';
import { encodeMessage, MAX_MESSAGE_BYTES, PROTOCOL_VERSION, serviceMessage, type WireError } from '../service/protocol.js';

/** The service went away (killed, crashed, stopping) before it answered. */
export class ServiceGoneError extends Error {
  constructor(detail: string) {
    super(`The codebase-mcp service went away: ${detail}.`);
    this.name = 'ServiceGoneError';
  }
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onEvent?: (event: unknown) => void;
}

export interface RequestOptions {
  onEvent?: (event: unknown) => void;
  signal?: AbortSignal;
}

export class ServiceConnection {
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private closedBecause: string | null = null;
  private readonly closeListeners: (() => void)[] = [];

  private constructor(private readonly socket: Socket) {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      if (buffered.length > MAX_MESSAGE_BYTES) {
        socket.destroy(new Error('a message over the size limit'));
        return;
      }
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim()) this.receive(line);
        newline = buffered.indexOf('\n');
      }
    });
    socket.on('error', (error) => (this.closedBecause ??= error.message));
    socket.on('close', () => {
      this.closedBecause ??= 'the connection closed';
      const calls = [...this.pending.values()];
      this.pending.clear();
      for (const call of calls) call.reject(new ServiceGoneError(this.closedBecause));
      for (const listener of this.closeListeners) listener();
    });
  }

  /** Connects to the socket; null when no service listens there. Refuses a socket another user owns. */
  static open(path: string): Promise<ServiceConnection | null> {
    if (!checkSocketOwner(path)) return Promise.resolve(null);
    return new Promise((resolve) => {
      const socket = connect(path);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(new ServiceConnection(socket));
      });
      // ENOENT, ECONNREFUSED (stale socket), ENOTSOCK: nobody to talk to.
      socket.once('error', () => resolve(null));
    });
  }

  get closed(): boolean {
    return this.closedBecause !== null || this.socket.destroyed;
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  private receive(line: string): void {
    let parsed;
    try {
      parsed = serviceMessage.safeParse(JSON.parse(line));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) {
      this.socket.destroy(new Error('the service sent something that is not a protocol message'));
      return;
    }
    const message = parsed.data;
    const call = this.pending.get(message.id);
    if (!call) return;
    if (message.type === 'event') {
      call.onEvent?.(message.event);
      return;
    }
    this.pending.delete(message.id);
    if (message.type === 'error') call.reject(errorFromWire(message.error));
    else call.resolve(message.result);
  }

  request(method: string, params: unknown, options: RequestOptions = {}): Promise<unknown> {
    if (this.closed) return Promise.reject(new ServiceGoneError(this.closedBecause ?? 'the connection is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        this.socket.write(encodeMessage({ v: PROTOCOL_VERSION, cancel: id }));
        reject(Object.assign(new Error(`${method} was cancelled`), { name: 'AbortError' }));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => options.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (value) => (done(), resolve(value)),
        reject: (error) => (done(), reject(error)),
        onEvent: options.onEvent,
      });
      this.socket.write(encodeMessage({ v: PROTOCOL_VERSION, id, method, params }));
    });
  }

  close(): void {
    this.closedBecause ??= 'closed by the front end';
    this.socket.end();
    this.socket.destroy();
  }
}

function errorFromWire(error: WireError): Error {
  if (error.code === 'SERVICE_DRAINING') return new ServiceGoneError('it is stopping');
  if (isUserErrorCode(error.code)) return new UserError(error.code, error.message, error.hint);
  return Object.assign(new Error(error.message), { code: error.code });
}
