import WebSocket from 'ws';
import type { ServerFrame } from '@sidekiq/shared';

type AnyFrame = ServerFrame & Record<string, unknown>;

/** A test WebSocket client that records every frame and waits for the ones a test expects. */
export class TestClient {
  readonly frames: AnyFrame[] = [];
  closeCode: number | undefined;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as AnyFrame);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static async connect(baseUrl: string, token?: string, via: 'header' | 'query' = 'header'): Promise<TestClient> {
    const url = new URL('/ws', baseUrl.replace(/^http/, 'ws'));
    if (token && via === 'query') url.searchParams.set('access_token', token);
    const ws = new WebSocket(url, token && via === 'header' ? { headers: { authorization: `Bearer ${token}` } } : {});
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return client;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  of(requestId: string): AnyFrame[] {
    return this.frames.filter((f) => f.requestId === requestId);
  }

  /** The concatenated deltas of a request, checking they are contiguous. */
  textOf(requestId: string): string {
    let text = '';
    for (const f of this.of(requestId)) {
      if (f.type !== 'chat.delta') continue;
      if (f.offset !== text.length) throw new Error(`delta at offset ${f.offset} but ${text.length} characters received`);
      text += f.delta;
    }
    return text;
  }

  async waitFor(predicate: (f: AnyFrame) => boolean, timeoutMs = 10_000, what = 'frame'): Promise<AnyFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.find(predicate);
      if (hit) return hit;
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the request's chat.done or chat.error. */
  end(requestId: string, timeoutMs = 15_000): Promise<AnyFrame> {
    return this.waitFor((f) => f.requestId === requestId && (f.type === 'chat.done' || f.type === 'chat.error'), timeoutMs, `end of ${requestId}`);
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
