/** What the dev model server remembers of each chat completion request (newest last). */
export interface RequestLogEntry {
  /** The completion id (`chatcmpl-…`), also sent as the `id` of every chunk. */
  id: string;
  /** ISO timestamp of arrival. */
  receivedAt: string;
  /** The request as the server understood it; null when the body was not a JSON object. */
  body: {
    model?: unknown;
    messages?: unknown;
    temperature?: unknown;
    max_tokens?: unknown;
    stream?: unknown;
  } | null;
  headers: { traceparent?: string; tracestate?: string };
  /** Exactly the answer content sent to the client so far. */
  sentText: string;
  /** The response was completed (last chunk and `[DONE]`, or the whole JSON body). */
  finished: boolean;
  /** The client went away before the end. */
  aborted: boolean;
  /** The server destroyed the socket on purpose (`[[cut:K]]`). */
  cut: boolean;
  /** HTTP status sent, or null while none was sent yet. */
  status: number | null;
  finishReason: 'stop' | 'length' | null;
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

/** In-memory log of the last `limit` requests; entries are live objects updated while streaming. */
export class RequestLog {
  private items: RequestLogEntry[] = [];

  constructor(private readonly limit = 1000) {}

  add(entry: RequestLogEntry): RequestLogEntry {
    this.items.push(entry);
    if (this.items.length > this.limit) this.items.splice(0, this.items.length - this.limit);
    return entry;
  }

  /** A copy of the list, oldest first. */
  get entries(): RequestLogEntry[] {
    return [...this.items];
  }

  get size(): number {
    return this.items.length;
  }

  last(): RequestLogEntry | undefined {
    return this.items[this.items.length - 1];
  }

  find(predicate: (e: RequestLogEntry) => boolean): RequestLogEntry | undefined {
    return this.items.find(predicate);
  }

  clear(): void {
    this.items = [];
  }

  /** Resolves with the first entry matching `predicate`, polling until `timeoutMs`. */
  async waitFor(predicate: (e: RequestLogEntry) => boolean, timeoutMs = 5000): Promise<RequestLogEntry> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.items.find(predicate);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`RequestLog.waitFor: no matching entry within ${timeoutMs}ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  toJSON(): RequestLogEntry[] {
    return this.items;
  }
}
