import { Router } from 'express';
import { z } from 'zod';
import { parseOrThrow, requireUser, route, userIdOf, AppError } from '@sidekiq/shared';
import { createSidekiqSchema, updateSidekiqSchema, compareForList } from '../../domain/sidekiq';
import type { SidekiqUseCases } from '../../domain/use-cases';

const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(500).optional(),
});

/** The cursor is the sort key of the last item seen, so pages stay stable while stats change. */
const encodeCursor = (k: { lastUsedAt: string | null; createdAt: string; id: string }) => Buffer.from(JSON.stringify([k.lastUsedAt, k.createdAt, k.id])).toString('base64url');
function decodeCursor(cursor: string) {
  try {
    const [lastUsedAt, createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string | null, string, string];
    return { lastUsedAt: lastUsedAt ? new Date(lastUsedAt) : null, createdAt: new Date(createdAt), id: String(id) };
  } catch {
    throw new AppError('VALIDATION_FAILED', 'Invalid cursor', { details: [{ field: 'cursor', message: 'malformed' }] });
  }
}

export function sidekiqRoutes(useCases: SidekiqUseCases, jwtSecret: string): Router {
  const r = Router();
  r.use('/api/sidekiqs', requireUser(jwtSecret));

  r.post('/api/sidekiqs', route(async (req, res) => {
    const input = parseOrThrow(createSidekiqSchema, req.body, 'Sidekiq');
    res.status(201).json(await useCases.create(userIdOf(res), input));
  }));

  r.get('/api/sidekiqs', route(async (req, res) => {
    const { limit, cursor } = parseOrThrow(listQuery, req.query, 'query');
    let items = await useCases.list(userIdOf(res));
    if (cursor) {
      const after = decodeCursor(cursor);
      items = items.filter((s) => compareForList(after, { lastUsedAt: s.lastUsedAt ? new Date(s.lastUsedAt) : null, createdAt: new Date(s.createdAt), id: s.id }) < 0);
    }
    const page = items.slice(0, limit);
    const last = page[page.length - 1];
    res.json({ items: page, nextCursor: items.length > limit && last ? encodeCursor(last) : null });
  }));

  r.get('/api/sidekiqs/:id', route(async (req, res) => {
    res.json(await useCases.get(userIdOf(res), String(req.params.id)));
  }));

  r.patch('/api/sidekiqs/:id', route(async (req, res) => {
    const input = parseOrThrow(updateSidekiqSchema, req.body, 'Sidekiq update');
    res.json(await useCases.update(userIdOf(res), String(req.params.id), input));
  }));

  r.delete('/api/sidekiqs/:id', route(async (req, res) => {
    await useCases.delete(userIdOf(res), String(req.params.id));
    res.status(204).end();
  }));

  return r;
}
