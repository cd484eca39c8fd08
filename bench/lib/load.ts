/**
 * The load generator's clients: a WebSocket chat client (system or baseline, same contract) and a
 * direct openai-SDK client of the model server (the model's own TTFT and pacing, as the floor).
 *
 * Per token we keep its arrival time (performance.now(), ms). The dev model answers in tokens
 * that each end with exactly one space and contain none otherwise, so a delta of k spaces
 * carries k tokens.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import OpenAI from 'openai';
import WebSocket from 'ws';

export interface TurnRecord {
  sentAt: number;
  startedAt?: number;
  firstAt?: number;
  /** Arrival time of every token, in order. */
  arrivals: number[];
  ok: boolean;
  error?: string;
  /** Deltas whose offset was not where the previous one ended (must stay 0). */
  contiguityErrors: number;
  threadId?: string;
}

const countSpaces = (s: string) => {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 32) n++;
  return n;
};

interface Pending {
  rec: TurnRecord;
  received: number;
  resolve: (r: TurnRecord) => void;
  timer: NodeJS.Timeout;
}

export class WsChatClient {
  private ws: WebSocket | undefined;
  private pending = new Map<string, Pending>();
  threadId: string | undefined;
  closed = false;

  constructor(
    private readonly url: string,
    private readonly token: string,
    readonly sidekiqId: string | undefined,
    /** Continue the thread of the previous turn (true for the system: a conversation). */
    private readonly continueThread: boolean,
  ) {}

  connect(timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`${this.url}?access_token=${encodeURIComponent(this.token)}`, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
      this.ws = ws;
      ws.once('open', () => resolve());
      ws.once('error', (err) => reject(err));
      ws.on('message', (data) => this.onMessage(data as Buffer));
      ws.on('close', () => {
        this.closed = true;
        for (const [id, p] of this.pending) this.finish(id, p, false, 'socket closed');
      });
    });
  }

  private onMessage(data: Buffer): void {
    const now = performance.now();
    let f: any;
    try {
      f = JSON.parse(data.toString());
    } catch {
      return;
    }
    const p = f.requestId ? this.pending.get(f.requestId) : undefined;
    if (!p) return;
    switch (f.type) {
      case 'chat.started':
        p.rec.startedAt ??= now;
        p.rec.threadId = f.threadId;
        return;
      case 'chat.delta': {
        if (f.offset !== p.received) p.rec.contiguityErrors++;
        p.received = f.offset + f.delta.length;
        const k = countSpaces(f.delta);
        if (k > 0 && p.rec.firstAt === undefined) p.rec.firstAt = now;
        for (let i = 0; i < k; i++) p.rec.arrivals.push(now);
        return;
      }
      case 'chat.done':
        return this.finish(f.requestId, p, f.finishReason === 'stop' || f.finishReason === 'length', f.finishReason);
      case 'chat.error':
        return this.finish(f.requestId, p, false, f.code);
    }
  }

  private finish(requestId: string, p: Pending, ok: boolean, why?: string): void {
    clearTimeout(p.timer);
    this.pending.delete(requestId);
    p.rec.ok = ok;
    if (!ok) p.rec.error = why;
    if (ok && p.rec.threadId && this.continueThread) this.threadId = p.rec.threadId;
    p.resolve(p.rec);
  }

  turn(content: string, timeoutMs: number): Promise<TurnRecord> {
    const requestId = randomUUID();
    const rec: TurnRecord = { sentAt: performance.now(), arrivals: [], ok: false, contiguityErrors: 0 };
    if (!this.ws || this.closed) return Promise.resolve({ ...rec, error: 'not connected' });
    return new Promise((resolve) => {
      const p: Pending = { rec, received: 0, resolve, timer: setTimeout(() => this.finish(requestId, p, false, 'timeout'), timeoutMs) };
      this.pending.set(requestId, p);
      const frame = this.threadId
        ? { type: 'chat.send', requestId, content, threadId: this.threadId }
        : { type: 'chat.send', requestId, content, ...(this.sidekiqId ? { sidekiqId: this.sidekiqId } : {}) };
      rec.sentAt = performance.now();
      this.ws!.send(JSON.stringify(frame));
    });
  }

  close(): void {
    this.ws?.terminate();
  }
}

/** The model server straight through the SDK: what any client of it sees with nothing in between. */
export class DirectModelClient {
  private readonly client: OpenAI;
  constructor(baseURL: string) {
    this.client = new OpenAI({ baseURL, apiKey: 'bench', maxRetries: 0, timeout: 60_000 });
  }

  async turn(content: string, timeoutMs: number): Promise<TurnRecord> {
    const rec: TurnRecord = { sentAt: performance.now(), arrivals: [], ok: false, contiguityErrors: 0 };
    try {
      const stream = await this.client.chat.completions.create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content }], stream: true, stream_options: { include_usage: true } },
        { signal: AbortSignal.timeout(timeoutMs) },
      );
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (!text) continue;
        const now = performance.now();
        const k = countSpaces(text);
        if (k > 0 && rec.firstAt === undefined) rec.firstAt = now;
        for (let i = 0; i < k; i++) rec.arrivals.push(now);
      }
      rec.ok = true;
    } catch (err) {
      rec.error = String((err as Error).message);
    }
    return rec;
  }
}

/**
 * Lateness of each token against the model's pacing: the model emits token i at t0 + i·P, so
 * a_i − i·P should be constant; the earliest value of it in the turn is the anchor, and each
 * token's lateness is how far behind that schedule it arrived (≥ 0).
 */
export function tokenLateness(arrivals: number[], periodMs: number): number[] {
  let anchor = Infinity;
  for (let i = 0; i < arrivals.length; i++) anchor = Math.min(anchor, arrivals[i]! - i * periodMs);
  return arrivals.map((a, i) => a - i * periodMs - anchor);
}
