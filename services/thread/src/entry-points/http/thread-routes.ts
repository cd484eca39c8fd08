import { Router } from 'express';
import { parseOrThrow, requireUser, route, userIdOf } from '@sidekiq/shared';
import { listQuerySchema, patchThreadSchema } from '../../domain/requests';
import type { ThreadUseCases } from '../../domain/use-cases';

/** The caller's list view. The user id comes only from the verified token the gateway forwards. */
export function threadRoutes(useCases: ThreadUseCases, jwtSecret: string): Router {
  const r = Router();
  r.use('/api/threads', requireUser(jwtSecret));

  r.get('/api/threads', route(async (req, res) => {
    const query = parseOrThrow(listQuerySchema, req.query, 'query');
    res.json(await useCases.list(userIdOf(res), query));
  }));

  r.get('/api/threads/:id', route(async (req, res) => {
    res.json(await useCases.get(userIdOf(res), String(req.params.id)));
  }));

  r.patch('/api/threads/:id', route(async (req, res) => {
    const input = parseOrThrow(patchThreadSchema, req.body, 'thread update');
    res.json(await useCases.patch(userIdOf(res), String(req.params.id), input));
  }));

  r.delete('/api/threads/:id', route(async (req, res) => {
    await useCases.delete(userIdOf(res), String(req.params.id));
    res.status(204).end();
  }));

  return r;
}
