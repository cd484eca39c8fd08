import { startModelServer, type ModelServer } from '@sidekiq/model-server';
import { configSchema as sidekiqConfig } from '../../services/sidekiq/src/config';
import { startSidekiqService } from '../../services/sidekiq/src/app';
import { configSchema as threadConfig } from '../../services/thread/src/config';
import { startThreadService } from '../../services/thread/src/app';
import { configSchema as chatConfig } from '../../services/chat/src/config';
import { startChatService, type ChatStartOptions, type RunningChatService } from '../../services/chat/src/app';
import { configSchema as gatewayConfig } from '../../services/gateway/src/config';
import { startGateway, type RunningGateway } from '../../services/gateway/src/app';
import { testConfig, testLogger, tokenFor, uniqueDb } from './env';
import { isolatedAmqpUrl } from './vhost';
import { TestClient } from './ws-client';

export interface Stack {
  model: ModelServer;
  gatewayUrl: string;
  gateways: RunningGateway[];
  chats: RunningChatService[];
  sidekiq: { port: number; close(): Promise<void> } | undefined;
  thread: { port: number; close(): Promise<void> } | undefined;
  /** This stack's broker URL (its own vhost where the local broker allows it). */
  amqpUrl: string;
  /** The database every chat instance of this stack shares. */
  chatDb: string;
  token(userId: string): Promise<string>;
  /** REST through the first gateway, as `userId`. */
  api(userId: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** A WebSocket of `userId` on gateway `gateway` (default the first). */
  connect(userId: string, gateway?: number): Promise<TestClient>;
  /** Starts one more chat instance on the stack's database and broker. */
  startChat(env?: Record<string, string | number>, options?: ChatStartOptions): Promise<RunningChatService>;
  close(): Promise<void>;
}

export interface StackOptions {
  gateways?: number;
  /** Chat instances started with the stack (0: none; start them later with `startChat`). */
  chats?: number;
  withThread?: boolean;
  modelTokensPerSecond?: number;
  chatEnv?: Record<string, string | number>;
  gatewayEnv?: Record<string, string | number>;
}

/**
 * The whole system in this process, on the real broker and database: the dev model server,
 * the sidekiq, thread and chat services and the gateway(s), each service with a fresh database
 * and the whole stack on a vhost of its own.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const vhost = await isolatedAmqpUrl(process.env.AMQP_URL!);
  const AMQP_URL = vhost.url;
  const model = await startModelServer({ tokensPerSecond: options.modelTokensPerSecond ?? 200 });
  const sidekiq = await startSidekiqService(testConfig(sidekiqConfig, { AMQP_URL, SIDEKIQ_PORT: 0, SIDEKIQ_DB: uniqueDb('sk'), OUTBOX_GRACE_MS: 500, OUTBOX_SWEEP_MS: 200 }), testLogger('sidekiq'), { retryDelaysMs: [50, 100] });
  const thread = options.withThread === false ? undefined : await startThreadService(testConfig(threadConfig, { AMQP_URL, THREAD_PORT: 0, THREAD_DB: uniqueDb('th'), OUTBOX_GRACE_MS: 500, OUTBOX_SWEEP_MS: 200 }), testLogger('thread'), { retryDelaysMs: [50, 100] });
  const chatDb = uniqueDb('chat');
  const chats: RunningChatService[] = [];
  const startChat = async (env: Record<string, string | number> = {}, chatOptions: ChatStartOptions = {}) => {
    const chat = await startChatService(
      testConfig(chatConfig, { AMQP_URL, CHAT_PORT: 0, CHAT_DB: chatDb, OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'test', OUTBOX_GRACE_MS: 500, OUTBOX_SWEEP_MS: 200, ...options.chatEnv, ...env }),
      testLogger('chat'),
      { retryDelaysMs: [50, 100], ...chatOptions },
    );
    chats.push(chat);
    return chat;
  };
  for (let i = 0; i < (options.chats ?? 1); i++) await startChat();
  const gateways: RunningGateway[] = [];
  for (let i = 0; i < (options.gateways ?? 1); i++) {
    gateways.push(
      await startGateway(
        testConfig(gatewayConfig, {
          AMQP_URL,
          GATEWAY_PORT: 0,
          SIDEKIQ_URL: `http://127.0.0.1:${sidekiq.port}`,
          THREAD_URL: `http://127.0.0.1:${thread?.port ?? 1}`,
          CHAT_URL: `http://127.0.0.1:${chats[0]?.port ?? 1}`,
          CHAT_RATE_BURST: 1000,
          REST_RATE_BURST: 10_000,
          ...options.gatewayEnv,
        }),
        testLogger('gateway'),
      ),
    );
  }
  const gatewayUrl = `http://127.0.0.1:${gateways[0]!.port}`;
  const sockets: TestClient[] = [];
  let closed = false;
  return {
    model, gatewayUrl, gateways, chats, sidekiq, thread, amqpUrl: AMQP_URL, chatDb, startChat,
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
    async connect(userId, gateway = 0) {
      const client = await TestClient.connect(`http://127.0.0.1:${gateways[gateway]!.port}`, await tokenFor(userId));
      sockets.push(client);
      return client;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of sockets) s.ws.terminate();
      for (const g of gateways) await g.close().catch(() => undefined);
      for (const c of chats) await c.close().catch(() => undefined);
      await thread?.close().catch(() => undefined);
      await sidekiq.close().catch(() => undefined);
      await model.close();
      await vhost.dispose();
    },
  };
}
