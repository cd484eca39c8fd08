import { startModelServer, type ModelServer } from '@sidekiq/model-server';
import { configSchema as sidekiqConfig } from '../../services/sidekiq/src/config';
import { startSidekiqService } from '../../services/sidekiq/src/app';
import { configSchema as threadConfig } from '../../services/thread/src/config';
import { startThreadService } from '../../services/thread/src/app';
import { configSchema as chatConfig } from '../../services/chat/src/config';
import { startChatService, type RunningChatService } from '../../services/chat/src/app';
import { configSchema as gatewayConfig } from '../../services/gateway/src/config';
import { startGateway, type RunningGateway } from '../../services/gateway/src/app';
import { testConfig, testLogger, tokenFor, uniqueDb } from './env';

export interface Stack {
  model: ModelServer;
  gatewayUrl: string;
  gateways: RunningGateway[];
  chats: RunningChatService[];
  sidekiq: { port: number; close(): Promise<void> } | undefined;
  thread: { port: number; close(): Promise<void> } | undefined;
  token(userId: string): Promise<string>;
  /** REST through the first gateway, as `userId`. */
  api(userId: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface StackOptions {
  gateways?: number;
  chats?: number;
  withThread?: boolean;
  modelTokensPerSecond?: number;
  chatEnv?: Record<string, string | number>;
  gatewayEnv?: Record<string, string | number>;
}

/**
 * The whole system in this process, on the real broker and database: the dev model server,
 * the sidekiq, thread and chat services and the gateway(s), each service with a fresh database.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const model = await startModelServer({ tokensPerSecond: options.modelTokensPerSecond ?? 200 });
  const sidekiq = await startSidekiqService(testConfig(sidekiqConfig, { SIDEKIQ_PORT: 0, SIDEKIQ_DB: uniqueDb('sk'), OUTBOX_GRACE_MS: 500, OUTBOX_SWEEP_MS: 200 }), testLogger('sidekiq'), { retryDelaysMs: [50, 100] });
  const thread = options.withThread === false ? undefined : await startThreadService(testConfig(threadConfig, { THREAD_PORT: 0, THREAD_DB: uniqueDb('th'), OUTBOX_GRACE_MS: 500, OUTBOX_SWEEP_MS: 200 }), testLogger('thread'), { retryDelaysMs: [50, 100] });
  const chatDb = uniqueDb('chat');
  const chats: RunningChatService[] = [];
  for (let i = 0; i < (options.chats ?? 1); i++) {
    chats.push(
      await startChatService(
        testConfig(chatConfig, { CHAT_PORT: 0, CHAT_DB: chatDb, OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'test', OUTBOX_GRACE_MS: 500, OUTBOX_SWEEP_MS: 200, ...options.chatEnv }),
        testLogger('chat'),
        { retryDelaysMs: [50, 100] },
      ),
    );
  }
  const gateways: RunningGateway[] = [];
  for (let i = 0; i < (options.gateways ?? 1); i++) {
    gateways.push(
      await startGateway(
        testConfig(gatewayConfig, {
          GATEWAY_PORT: 0,
          SIDEKIQ_URL: `http://127.0.0.1:${sidekiq.port}`,
          THREAD_URL: `http://127.0.0.1:${thread?.port ?? 1}`,
          CHAT_URL: `http://127.0.0.1:${chats[0]!.port}`,
          CHAT_RATE_BURST: 1000,
          REST_RATE_BURST: 10_000,
          ...options.gatewayEnv,
        }),
        testLogger('gateway'),
      ),
    );
  }
  const gatewayUrl = `http://127.0.0.1:${gateways[0]!.port}`;
  let closed = false;
  return {
    model, gatewayUrl, gateways, chats, sidekiq, thread,
    token: tokenFor,
    async api(userId, method, path, body) {
      const res = await fetch(`${gatewayUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${await tokenFor(userId)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const g of gateways) await g.close().catch(() => undefined);
      for (const c of chats) await c.close().catch(() => undefined);
      await thread?.close().catch(() => undefined);
      await sidekiq.close().catch(() => undefined);
      await model.close();
    },
  };
}
