import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { startStack, type Stack } from '../support/stack';
import { chatTurn, createSidekiq } from '../support/chat';

/** A service behind the chat down: SERVICE_UNAVAILABLE within a bound, nothing half-created, nothing run later. */
describe('when a service is down', () => {
  describe('the sidekiq service', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ chatEnv: { SIDEKIQ_RPC_TIMEOUT_MS: 800 } });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('answers SERVICE_UNAVAILABLE within the RPC bound and creates no thread', async () => {
      const user = `u-${randomUUID()}`;
      const sidekiq = await createSidekiq(stack, user);
      const client = await stack.connect(user);
      await stack.sidekiq!.close();
      const t0 = Date.now();
      const turn = await chatTurn(client, { content: 'needs-sidekiq' , sidekiqId: sidekiq.id });
      const took = Date.now() - t0;
      expect(turn.end).toMatchObject({ type: 'chat.error', code: 'SERVICE_UNAVAILABLE', retryable: true });
      expect(took).toBeGreaterThanOrEqual(700);
      expect(took).toBeLessThan(800 + 1500);
      expect(turn.started).toBeUndefined();
      expect(stack.model.log.size).toBe(0);
      const db = await mongoose.createConnection(process.env.MONGO_URL!, { dbName: stack.chatDb }).asPromise();
      try {
        expect(await db.collection('threads').countDocuments({ userId: user })).toBe(0);
        expect(await db.collection('messages').countDocuments({ userId: user })).toBe(0);
        expect(await db.collection('requests').countDocuments({ userId: user })).toBe(0);
      } finally {
        await db.close();
      }
      // The same requestId may be retried: nothing was claimed.
      const retry = await chatTurn(await stack.connect(user), { content: 'plain now [[tokens:2]]', requestId: turn.requestId });
      expect(retry.end).toMatchObject({ type: 'chat.done' });
    });
  });

  describe('the chat service', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ chats: 0, gatewayEnv: { CHAT_START_TIMEOUT_MS: 700 } });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('the gateway answers SERVICE_UNAVAILABLE within the start bound, and the request expires instead of running later', async () => {
      const user = `u-${randomUUID()}`;
      const client = await stack.connect(user);
      const t0 = Date.now();
      const turn = await chatTurn(client, { content: 'nobody-home [[tokens:2]]' });
      const took = Date.now() - t0;
      expect(turn.end).toMatchObject({ type: 'chat.error', code: 'SERVICE_UNAVAILABLE', retryable: true });
      expect(took).toBeGreaterThanOrEqual(650);
      expect(took).toBeLessThan(700 + 1000);

      await stack.startChat();
      // A fresh request runs: the chat service is up and consuming.
      expect((await chatTurn(client, { content: 'now-home [[tokens:2]]' })).end).toMatchObject({ type: 'chat.done' });
      await new Promise((r) => setTimeout(r, 300));
      expect(stack.model.log.entries.some((e) => JSON.stringify(e.body?.messages).includes('nobody-home'))).toBe(false);
      expect(client.of(turn.requestId).filter((f) => f.type !== 'chat.error')).toEqual([]);
      const db = await mongoose.createConnection(process.env.MONGO_URL!, { dbName: stack.chatDb }).asPromise();
      try {
        expect(await db.collection('messages').countDocuments({ userId: user, content: 'nobody-home [[tokens:2]]' })).toBe(0);
      } finally {
        await db.close();
      }
    });
  });
});
