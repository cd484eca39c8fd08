import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { startStack, type Stack } from '../support/stack';
import { modelRequest } from '../support/chat';
import type { TestClient } from '../support/ws-client';

/** Two gateways, two chat instances, users interleaved: each socket gets exactly its own stream. */
describe('streaming with several gateway and chat instances', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gateways: 2, chats: 2 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('each user receives exactly their own contiguous deltas, equal to what the model sent', async () => {
    const users = Array.from({ length: 6 }, (_, i) => ({ id: `u${i}-${randomUUID()}`, gateway: i % 2 }));
    const clients: Array<{ user: string; client: TestClient; requestIds: string[]; markers: string[] }> = [];
    for (const u of users) clients.push({ user: u.id, client: await stack.connect(u.id, u.gateway), requestIds: [], markers: [] });
    // Two turns per user, all at once, at different paces so the streams interleave.
    for (const [i, c] of clients.entries()) {
      for (let k = 0; k < 2; k++) {
        const requestId = randomUUID();
        const marker = `mark-${i}-${k}-${randomUUID().slice(0, 6)}`;
        c.requestIds.push(requestId);
        c.markers.push(marker);
        c.client.send({ type: 'chat.send', requestId, content: `${marker} [[tokens:${60 + i * 7}]] [[rate:${100 + i * 40}]]` });
      }
    }
    await Promise.all(clients.flatMap((c) => c.requestIds.map((r) => c.client.end(r, 30_000))));

    for (const c of clients) {
      const own = new Set(c.requestIds);
      // Nothing of anyone else's requests reached this socket.
      expect(c.client.frames.filter((f) => f.requestId !== undefined && !own.has(f.requestId as string))).toEqual([]);
      for (const [k, requestId] of c.requestIds.entries()) {
        const frames = c.client.of(requestId);
        expect(frames[0]!.type).toBe('chat.started');
        expect(frames.at(-1)).toMatchObject({ type: 'chat.done', finishReason: 'stop' });
        expect(frames.filter((f) => f.type === 'chat.started' || f.type === 'chat.done')).toHaveLength(2);
        const entry = modelRequest(stack, c.markers[k]!);
        expect(c.client.textOf(requestId)).toBe(entry.sentText); // contiguous (textOf checks) and complete
        expect(entry.sentText).toContain(c.markers[k]!);
      }
    }
    // Both chat instances ran turns, and both gateways carried streams.
    const db = await mongoose.createConnection(process.env.MONGO_URL!, { dbName: stack.chatDb }).asPromise();
    try {
      const owners = await db.collection('requests').distinct('owner');
      expect(owners.sort()).toEqual(stack.chats.map((c) => c.instanceId).sort());
    } finally {
      await db.close();
    }
  });
});
