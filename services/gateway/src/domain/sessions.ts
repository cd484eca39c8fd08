import type { ServerFrame, StreamFrame } from '@sidekiq/shared';

/** What the session table needs of a socket; the ws adapter implements it. */
export interface ClientSocket {
  readonly userId: string;
  send(frame: ServerFrame): void;
}

/** What one socket has received of a request, so it never sees a frame twice or out of order. */
interface Received {
  /** Some frame of the request reached this socket. */
  heard: boolean;
  started: boolean;
  /** Characters of the answer this socket has; the next delta it gets starts here. */
  offset: number;
  /**
   * Joined a stream already flowing here (a resend or resume on a second socket): it waits for
   * its own replay, which begins with chat.started, and ignores the live frames before it.
   */
  awaitingReplay: boolean;
}

interface RequestRoute {
  sockets: Map<ClientSocket, Received>;
  /** A chat.started went through this route. */
  started: boolean;
  /** Fires SERVICE_UNAVAILABLE to the sockets still waiting if the chat service never answers. */
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

  /**
   * The socket listens to `requestId` from character `offset` (a resume's offset; 0 for a send);
   * `onTimeout` runs if no frame reaches it in `timeoutMs`. A socket already listening keeps
   * what it has received.
   */
  listen(socket: ClientSocket, requestId: string, timeoutMs: number, onTimeout: () => void, offset = 0): void {
    const key = routeKey(socket.userId, requestId);
    let route = this.byRequest.get(key);
    if (!route) this.byRequest.set(key, (route = { sockets: new Map(), started: false, startTimer: undefined }));
    if (!route.sockets.has(socket)) route.sockets.set(socket, { heard: false, started: false, offset, awaitingReplay: route.started });
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

  /**
   * Delivers stream frames of one user. The chat service replays from the attach offset to a
   * gateway whenever a resend or resume attaches there, so each socket gets only what is new to
   * it: one chat.started, contiguous deltas, one last frame. A socket's last frame ends its
   * listening; the route ends with its last socket.
   */
  deliver(userId: string, frames: StreamFrame[]): void {
    for (const frame of frames) {
      const key = routeKey(userId, frame.requestId);
      const route = this.byRequest.get(key);
      if (!route) continue;
      if (frame.type === 'chat.started') route.started = true;
      for (const [socket, received] of route.sockets) {
        const out = newTo(received, frame);
        if (!out) continue;
        received.heard = true;
        socket.send(out);
        if (out.type === 'chat.done' || out.type === 'chat.error') this.stopListening(route, socket, frame.requestId);
      }
      this.settle(key, route);
    }
  }

  /** Sends a gateway-side error to the sockets of a request that got nothing yet; they stop listening. */
  fail(userId: string, requestId: string, frame: ServerFrame): void {
    const key = routeKey(userId, requestId);
    const route = this.byRequest.get(key);
    if (!route) return;
    for (const [socket, received] of route.sockets) {
      if (received.heard) continue;
      socket.send(frame);
      this.stopListening(route, socket, requestId);
    }
    this.settle(key, route);
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

  private stopListening(route: RequestRoute, socket: ClientSocket, requestId: string): void {
    route.sockets.delete(socket);
    this.requestsOf.get(socket)?.delete(requestId);
  }

  /** The start timer runs while some socket has received nothing; the route ends with its last socket. */
  private settle(key: string, route: RequestRoute): void {
    // Per frame: only while the timer runs, and without building an array.
    if (route.startTimer !== undefined) {
      let allHeard = true;
      for (const r of route.sockets.values()) if (!r.heard) { allHeard = false; break; }
      if (allHeard) {
        clearTimeout(route.startTimer);
        route.startTimer = undefined;
      }
    }
    if (route.sockets.size === 0) this.byRequest.delete(key);
  }
}

const routeKey = (userId: string, requestId: string) => `${userId}:${requestId}`;

/** The part of `frame` a socket has not received yet (null: nothing), updating what it has. */
function newTo(received: Received, frame: StreamFrame): StreamFrame | null {
  if (received.awaitingReplay) {
    if (frame.type !== 'chat.started') return null;
    received.awaitingReplay = false;
  }
  switch (frame.type) {
    case 'chat.started':
      if (received.started) return null;
      received.started = true;
      return frame;
    case 'chat.delta': {
      const end = frame.offset + frame.delta.length;
      if (end <= received.offset) return null;
      const skip = Math.max(0, received.offset - frame.offset);
      received.offset = end;
      return skip === 0 ? frame : { ...frame, offset: frame.offset + skip, delta: frame.delta.slice(skip) };
    }
    case 'chat.done':
    case 'chat.error':
      return frame;
    default: {
      const never: never = frame;
      return never;
    }
  }
}
