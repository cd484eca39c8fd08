import { Router, type Request, type Response } from 'express';
import { AppError, requireUser, route, userIdOf } from '@sidekiq/shared';
import type { RateLimiter } from '../../domain/rate-limiter';

export interface Upstreams {
  sidekiq: string;
  thread: string;
  chat: string;
}

/** Which service owns a path: messages are the chat service's, the rest of threads the thread service's. */
export function upstreamFor(path: string, upstreams: Upstreams): string | undefined {
  if (/^\/api\/sidekiqs(\/|$)/.test(path)) return upstreams.sidekiq;
  if (/^\/api\/threads\/[^/]+\/messages\/?$/.test(path)) return upstreams.chat;
  if (/^\/api\/threads(\/|$)/.test(path)) return upstreams.thread;
  return undefined;
}

/**
 * The REST façade. The gateway verifies the token (401 before any service is bothered), rate
 * limits per user, and forwards the request with the same token: each service verifies it
 * again and scopes everything to that user. A service that is down or slower than the bound
 * answers 503 SERVICE_UNAVAILABLE.
 */
export function proxyRoutes(upstreams: Upstreams, jwtSecret: string, limiter: RateLimiter, timeoutMs: number): Router {
  const r = Router();
  r.use('/api', requireUser(jwtSecret), route(async (req: Request, res: Response) => {
    const target = upstreamFor(req.path === '/' ? '/api' : `/api${req.path}`, upstreams);
    if (!target) throw new AppError('NOT_FOUND', 'No such route');
    if (!limiter.take(userIdOf(res))) throw new AppError('RATE_LIMITED', 'Too many requests; slow down');
    const hasBody = !['GET', 'HEAD', 'DELETE'].includes(req.method) && req.body !== undefined;
    let upstream: globalThis.Response;
    try {
      upstream = await fetch(new URL(req.originalUrl, target), {
        method: req.method,
        headers: {
          authorization: req.headers.authorization ?? '',
          ...(hasBody ? { 'content-type': 'application/json' } : {}),
          ...(req.headers.traceparent ? { traceparent: String(req.headers.traceparent) } : {}),
        },
        body: hasBody ? JSON.stringify(req.body) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new AppError('SERVICE_UNAVAILABLE', 'A service behind the gateway is unavailable', { cause: err });
    }
    const body = Buffer.from(await upstream.arrayBuffer());
    res.status(upstream.status);
    const type = upstream.headers.get('content-type');
    if (type) res.setHeader('content-type', type);
    res.end(body);
  }));
  return r;
}
