import express, { type Express, type Request, type Response, type NextFunction, type RequestHandler } from 'express';
import type { Server } from 'node:http';
import { AppError, toAppError } from '../errors';
import type { Logger } from '../logging';

export interface HealthCheck {
  /** Readiness: every dependency this process needs is reachable. */
  ready(): boolean | Promise<boolean>;
}

/** An express app with JSON parsing, health endpoints and our error contract wired in. */
export function createHttpApp(logger: Logger, health: HealthCheck): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const ok = await Promise.resolve(health.ready()).catch(() => false);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not-ready' });
  });
  app.use(express.json({ limit: '256kb' }));
  app.locals.logger = logger;
  return app;
}

/** Wraps an async route so its rejection reaches the error handler (express 5 does this too; explicit is clearer). */
export const route =
  (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
  (req, res, next) => {
    fn(req, res).catch(next);
  };

/** Last middleware: 404 for unknown routes, then every error as `{"error":{code,message,details}}`. */
export function finishHttpApp(app: Express, logger: Logger): void {
  app.use((_req, _res, next) => next(new AppError('NOT_FOUND', 'No such route')));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const appError = bodyParserError(err) ?? toAppError(err);
    if (appError.code === 'INTERNAL') logger.error({ err, path: req.path }, 'unhandled error');
    res.status(appError.status).json(appError.toBody());
  });
}

function bodyParserError(err: unknown): AppError | undefined {
  const e = err as { type?: string; status?: number; message?: string };
  // A path parameter that is not valid percent-encoding (e.g. `/api/sidekiqs/abc%ZZ`).
  if (err instanceof URIError) return new AppError('VALIDATION_FAILED', 'Malformed URL', { details: [{ field: '(path)', message: 'invalid percent-encoding' }] });
  if (e?.type === 'entity.parse.failed') {
    return new AppError('VALIDATION_FAILED', 'Malformed JSON body', { details: [{ field: '(body)', message: e.message ?? 'invalid JSON' }] });
  }
  if (e?.type === 'entity.too.large') {
    return new AppError('VALIDATION_FAILED', 'Request body too large', { details: [{ field: '(body)', message: 'too large' }] });
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && e.type) {
    return new AppError('VALIDATION_FAILED', e.message ?? 'Bad request', { details: [{ field: '(body)', message: e.type }] });
  }
  return undefined;
}

export async function listen(app: Express, port: number, host = '0.0.0.0'): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(server)));
  });
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
