import type { ServerFrame, StreamFrame } from '@sidekiq/shared';

/** What the session table needs of a socket; the ws adapter implements it. */
export interface ClientSocket {
  readonly userId: string;
  send(frame: ServerFrame): void;
}

interface RequestRoute {
  userId: string;
  sockets: Set<ClientSocket>;
  /** Fires SERVICE_UNAVAILABLE if the chat service never answers. */
  startTimer: NodeJS.Timeout | undefined;
}

/**
 * Who listens to what on this gateway instance: each user's open sockets (for the live
 * sidebar) and, per chat request, the sockets that sent or resumed it (for its stream).
 * A frame only ever reaches sockets of the user it belongs to.
 */
export class Sessions {
  private readonly byUser = new Map<string, Set<ClientSocket>>();
  private readonly byRequest = new Map<string, RequestRoute>();
  private readonly requestsOf = new Map<ClientSocket, Set<string>>();

  open(socket: ClientSocket): void {
    let set = this.byUser.get(socket.userId);
    if (!set) this.byUser.set(socket.userId, (set = new Set()));
    set.add(socket);
    this.requestsOf.set(socket, new Set());
  }

  /** Forgets a socket; returns the requests that no socket on this gateway listens to any more. */
  close(socket: ClientSocket): Array<{ userId: string; requestId: string }> {
    const set = this.byUser.get(socket.userId);
    set?.delete(socket);
    if (set?.size === 0) this.byUser.delete(socket.userId);
    const orphaned: Array<{ userId: string; requestId: string }> = [];
    for (const requestId of this.requestsOf.get(socket) ?? []) {
      const route = this.byRequest.get(routeKey(socket.userId, requestId));
      route?.sockets.delete(socket);
      if (route && route.sockets.size === 0) {
        clearTimeout(route.startTimer);
        this.byRequest.delete(routeKey(socket.userId, requestId));
        orphaned.push({ userId: socket.userId, requestId });
      }
    }
    this.requestsOf.delete(socket);
    return orphaned;
  }

  /** The socket listens to `requestId`; `onTimeout` runs if no frame of it arrives in `timeoutMs`. */
  listen(socket: ClientSocket, requestId: string, timeoutMs: number, onTimeout: () => void): void {
    const key = routeKey(socket.userId, requestId);
    let route = this.byRequest.get(key);
    if (!route) this.byRequest.set(key, (route = { userId: socket.userId, sockets: new Set(), startTimer: undefined }));
    route.sockets.add(socket);
    this.requestsOf.get(socket)?.add(requestId);
    clearTimeout(route.startTimer);
    route.startTimer = setTimeout(() => {
      const r = this.byRequest.get(key);
      if (r?.startTimer) {
        r.startTimer = undefined;
        onTimeout();
      }
    }, timeoutMs);
  }

  /** Delivers stream frames of one user; a request's last frame ends its route. */
  deliver(userId: string, frames: StreamFrame[]): void {
    for (const frame of frames) {
      const key = routeKey(userId, frame.requestId);
      const route = this.byRequest.get(key);
      if (!route) continue;
      clearTimeout(route.startTimer);
      route.startTimer = undefined;
      for (const socket of route.sockets) socket.send(frame);
      if (frame.type === 'chat.done' || frame.type === 'chat.error') this.end(key, route, frame.requestId);
    }
  }

  /** Sends a frame to one request's sockets and ends its route (gateway-side errors). */
  fail(userId: string, requestId: string, frame: ServerFrame): void {
    const key = routeKey(userId, requestId);
    const route = this.byRequest.get(key);
    if (!route) return;
    for (const socket of route.sockets) socket.send(frame);
    this.end(key, route, requestId);
  }

  toUser(userId: string, frame: ServerFrame): void {
    for (const socket of this.byUser.get(userId) ?? []) socket.send(frame);
  }

  isListening(userId: string, requestId: string): boolean {
    return this.byRequest.has(routeKey(userId, requestId));
  }

  get socketCount(): number {
    return this.requestsOf.size;
  }

  private end(key: string, route: RequestRoute, requestId: string): void {
    clearTimeout(route.startTimer);
    this.byRequest.delete(key);
    for (const socket of route.sockets) this.requestsOf.get(socket)?.delete(requestId);
  }
}

const routeKey = (userId: string, requestId: string) => `${userId}:${requestId}`;
