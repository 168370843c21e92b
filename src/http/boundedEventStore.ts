// Resumable SSE streams: the MCP transport stores every event it sends here,
// and a client that reconnects with Last-Event-ID gets what it missed. Kept
// in memory and bounded (oldest events forgotten first), per session.
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

interface StoredEvent {
  streamId: string;
  message: JSONRPCMessage;
  /** Length of its JSON: what it costs to keep. */
  bytes: number;
}

/**
 * A session's budget. Replay serves a client that reconnects after a dropped
 * stream (the progress and the result of a call still running), not a
 * history: a bound of 1,000 events let 50 sessions of back-to-back searches
 * (~20 KB a result) grow the service by ~1 GB.
 */
const MAX_EVENTS = 100;
const MAX_BYTES = 1024 * 1024;

export class BoundedEventStore implements EventStore {
  /** Insertion order is event order. */
  private readonly events = new Map<string, StoredEvent>();
  private sequence = 0;
  private bytes = 0;

  constructor(
    private readonly maxEvents = MAX_EVENTS,
    private readonly maxBytes = MAX_BYTES,
  ) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    const eventId = `${streamId}.${++this.sequence}`;
    const bytes = JSON.stringify(message).length;
    this.events.set(eventId, { streamId, message, bytes });
    this.bytes += bytes;
    // The newest event stays even when it alone is over the budget.
    while (this.events.size > 1 && (this.events.size > this.maxEvents || this.bytes > this.maxBytes)) {
      const [oldest, event] = this.events.entries().next().value as [string, StoredEvent];
      this.events.delete(oldest);
      this.bytes -= event.bytes;
    }
    return eventId;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.get(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const last = this.events.get(lastEventId);
    if (!last) return '';
    let after = false;
    for (const [eventId, event] of this.events) {
      if (eventId === lastEventId) after = true;
      else if (after && event.streamId === last.streamId && Object.keys(event.message).length > 0) await send(eventId, event.message);
    }
    return last.streamId;
  }
}
