import { Router } from 'express';
import { z } from 'zod';
import { AppError, notFound, parseOrThrow, requireUser, route, userIdOf, type Message } from '@sidekiq/shared';
import type { ThreadRepository } from '../../data-access/thread-repository';
import type { MessageRepository } from '../../data-access/message-repository';
import type { MessageDoc } from '../../data-access/models';

const query = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** A message id: return the messages before it. */
  before: z.string().min(1).max(128).optional(),
});

/** An answer still streaming reads as `partial` until it ends. */
const toMessage = (m: MessageDoc): Message => ({
  id: m._id,
  role: m.role,
  content: m.content,
  status: m.status === 'streaming' ? 'partial' : m.status,
  createdAt: m.createdAt.toISOString(),
});

/** `GET /api/threads/:id/messages`: history oldest first; the instructions are never in it. */
export function messageRoutes(threads: ThreadRepository, messages: MessageRepository, jwtSecret: string): Router {
  const r = Router();
  r.get('/api/threads/:id/messages', requireUser(jwtSecret), route(async (req, res) => {
    const userId = userIdOf(res);
    const { limit, before } = parseOrThrow(query, req.query, 'query');
    const thread = await threads.findOwned(userId, String(req.params.id));
    if (!thread) throw notFound.thread();
    let anchor: MessageDoc | null = null;
    if (before) {
      anchor = await messages.findById(before);
      if (!anchor || anchor.threadId !== thread._id) throw new AppError('VALIDATION_FAILED', 'Unknown cursor', { details: [{ field: 'before', message: 'no such message in this thread' }] });
    }
    const page = await messages.newest(thread._id, userId, limit + 1, anchor?.createdAt, anchor?._id);
    const more = page.length > limit;
    const items = page.slice(0, limit).reverse();
    res.json({ items: items.map(toMessage), nextCursor: more && items[0] ? items[0]._id : null });
  }));
  return r;
}
