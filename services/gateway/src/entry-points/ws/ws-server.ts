import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { MAX_FRAME_BYTES, bearerToken, meter, verifyToken, type Logger, type ServerFrame } from '@sidekiq/shared';
import type { ClientSocket, Sessions } from '../../domain/sessions';
import type { FrameHandlers } from './frame-handlers';

export interface WsOptions {
  jwtSecret: string;
  maxBufferedBytes: number;
  pingMs: number;
}

const openSockets = meter.createUpDownCounter('sidekiq.ws.connections', { description: 'Open WebSocket connections' });

/** Close codes this gateway uses besides the standard ones (1009: frame too large). */
export const CLOSE_SLOW_CONSUMER = 4008;
const SLOW_CONSUMER_TERMINATE_MS = 10_000;

/**
 * `/ws`: the token is verified on the upgrade (header, or `access_token` for browsers) and a
 * bad one is refused with HTTP 401 before any frame. Frames over 64 KiB close with 1009 (ws
 * enforces maxPayload). Sockets that miss a ping are reaped; a socket that cannot keep up
 * (unsent data over the bound) is closed with 4008 rather than buffering without end.
 */
export function attachWebSocketServer(server: Server, sessions: Sessions, handlers: FrameHandlers, logger: Logger, options: WsOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (url.pathname !== '/ws') return refuse(socket, 404, 'Not Found');
    const token = bearerToken(req.headers.authorization) ?? url.searchParams.get('access_token') ?? undefined;
    verifyToken(token, options.jwtSecret).then(
      ({ userId }) => wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, userId)),
      () => refuse(socket, 401, 'Unauthorized'),
    );
  });

  function onConnection(ws: WebSocket, userId: string): void {
    let alive = true;
    let forgotten = false;
    const forget = () => {
      if (forgotten) return;
      forgotten = true;
      handlers.onClose(client);
    };
    const client: ClientSocket = {
      userId,
      send(frame: ServerFrame) {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > options.maxBufferedBytes) {
          logger.warn({ userId, buffered: ws.bufferedAmount }, 'closing a socket that cannot keep up');
          ws.close(CLOSE_SLOW_CONSUMER, 'client too slow: send buffer full');
          // Forget it now, not when the close handshake ends: its turns are detached (and
          // cancelled after the grace) instead of streaming into a buffer nobody drains.
          forget();
          // Nothing more is queued for it; a client that reads slowly still gets the close frame
          // after what was buffered. One that does not read at all is cut off after a grace.
          setTimeout(() => ws.terminate(), SLOW_CONSUMER_TERMINATE_MS).unref();
          return;
        }
        ws.send(JSON.stringify(frame));
      },
    };
    sessions.open(client);
    openSockets.add(1);
    ws.on('pong', () => (alive = true));
    const pinger = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, options.pingMs);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return client.send({ type: 'error', code: 'BAD_FRAME', message: 'Frames must be text' });
      void handlers.onText(client, data.toString()).catch((err) => logger.error({ err }, 'frame handler failed'));
    });
    ws.on('close', () => {
      clearInterval(pinger);
      forget();
      openSockets.add(-1);
    });
    ws.on('error', (err) => logger.debug({ err: err.message }, 'socket error'));
  }

  return {
    wss,
    close: async () => {
      for (const ws of wss.clients) ws.close(1001, 'gateway shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function refuse(socket: Duplex, status: number, text: string): void {
  const body = JSON.stringify({ error: { code: status === 401 ? 'UNAUTHORIZED' : 'NOT_FOUND', message: text, details: null } });
  socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
