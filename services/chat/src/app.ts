import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import {
  BusConnection, RpcClient, closeAll, closeServer, connectMongo, createHttpApp, finishHttpApp, listen, mongoReady, topology, type ChatControl, type Logger,
} from '@sidekiq/shared';
import type { Config } from './config';
import { createModels } from './data-access/models';
import { threadRepository } from './data-access/thread-repository';
import { messageRepository } from './data-access/message-repository';
import { requestRepository } from './data-access/request-repository';
import { instanceRepository } from './data-access/instance-repository';
import { sidekiqClient } from './data-access/sidekiq-client';
import { outboxRelay, type OutboxFaults } from './data-access/outbox-relay';
import { orphanSweeper } from './data-access/orphan-sweeper';
import { createModelClient } from './llm/model-stream';
import { chatTurns } from './domain/chat-turns';
import { TurnRegistry } from './domain/turn-registry';
import type { FrameSink } from './domain/active-turn';
import { batchingFrameSink } from './domain/frame-batcher';
import { replayFrames } from './domain/replay';
import { consumeChatRequests } from './entry-points/amqp/chat-requests';
import { consumeChatControl } from './entry-points/amqp/chat-control';
import { subscribe } from './entry-points/amqp/subscriptions';
import { messageRoutes } from './entry-points/http/message-routes';
import { serveChatRpc } from './entry-points/rpc/chat-rpc';

export interface RunningChatService {
  port: number;
  instanceId: string;
  close(): Promise<void>;
  /**
   * Tests only: stops the instance as `kill -9` would. No heartbeat, no more frames, nothing
   * stored (running turns are left `running`, their answers `streaming`), connections dropped.
   */
  kill(): Promise<void>;
}

const HEARTBEAT_MS = 2000;

export interface ChatStartOptions {
  /** Consumer retry backoff (tests use short delays). */
  retryDelaysMs?: number[];
  /** Tests only: simulate crashes at exact points. */
  faults?: OutboxFaults;
}

/** Wires the chat service: MongoDB, the bus, the model client, consumers, HTTP and the sweeps. */
export async function startChatService(config: Config, logger: Logger, options: ChatStartOptions = {}): Promise<RunningChatService> {
  const instanceId = config.INSTANCE_ID ?? `chat-${randomUUID().slice(0, 8)}`;
  const mongo = await connectMongo(config.MONGO_URL, config.CHAT_DB, logger);
  const bus = await BusConnection.open(config.AMQP_URL, logger);
  const models = createModels(mongo);
  await Promise.all(Object.values(models).map((m) => m.init()));
  const threads = threadRepository(models);
  const messages = messageRepository(models);
  const requests = requestRepository(models);
  const rpc = await RpcClient.create(bus);
  const outbox = outboxRelay(models, threads, messages, bus, logger, config.OUTBOX_GRACE_MS, options.faults);

  // Deltas for one gateway queue within one loop iteration share a broker message (frame-batcher.ts).
  const sink: FrameSink = batchingFrameSink((replyTo, content) => {
    if (!bus.publishFast('', replyTo, content)) logger.warn({ replyTo }, 'frames dropped: broker unavailable');
  });
  // A turn whose instance died ends, for the gateways that listened, with what a resend replays.
  const orphans = orphanSweeper(instanceId, instanceRepository(models), requests, messages, logger, HEARTBEAT_MS * 3, (closed, answer, replyTo) => {
    for (const queue of replyTo) sink.send(queue, closed.userId, replayFrames(closed, answer, 0));
  });
  await orphans.beat();
  const registry = new TurnRegistry();
  const turns = chatTurns({
    threads, messages, requests, registry, sink, outbox, instanceId, logger,
    sidekiqs: sidekiqClient(rpc, config.SIDEKIQ_RPC_TIMEOUT_MS),
    model: createModelClient(config.OPENAI_BASE_URL, config.OPENAI_API_KEY),
    broadcast: (control: ChatControl) => bus.publishConfirmed(topology.chatControlExchange, '', control),
    orphans,
    settings: {
      defaultModel: config.OPENAI_MODEL,
      historyBudgetChars: config.HISTORY_BUDGET_CHARS,
      idleTimeoutMs: config.LLM_IDLE_TIMEOUT_MS,
      checkpointMs: 2000,
      flushMs: config.DELTA_FLUSH_MS,
      detachGraceMs: config.DETACH_GRACE_MS,
    },
  });

  const app = createHttpApp(logger, { ready: () => mongoReady(mongo) && bus.connected });
  app.use(messageRoutes(threads, messages, config.JWT_SECRET));
  finishHttpApp(app, logger);

  await consumeChatControl(bus, turns, instanceId);
  await subscribe(bus, threads, options.retryDelaysMs);
  await serveChatRpc(bus, threads, messages);
  const chatRequests = await consumeChatRequests(bus, turns, registry, config.CHAT_MAX_CONCURRENT_TURNS);

  const warn = (what: string) => (err: unknown) => logger.warn({ err: String(err) }, `${what} failed`);
  const timers = [
    setInterval(() => void outbox.sweep().catch(warn('outbox sweep')), config.OUTBOX_SWEEP_MS),
    setInterval(() => void orphans.beat().then(() => orphans.sweep()).catch(warn('heartbeat')), HEARTBEAT_MS),
  ];
  const server: Server = await listen(app, config.CHAT_PORT);
  const port = (server.address() as { port: number }).port;
  logger.info({ port, instanceId }, 'chat service ready');

  let killed = false;
  return {
    port,
    instanceId,
    kill: async () => {
      killed = true;
      timers.forEach(clearInterval);
      turns.kill();
      server.closeAllConnections();
      server.close();
      await Promise.allSettled([bus.close(), mongo.close(true)]);
    },
    close: async () => {
      if (killed) return;
      await chatRequests.stop();
      await closeServer(server);
      // Running answers finish (or are cancelled and kept as partial) before the bus goes away.
      await turns.drain(config.SHUTDOWN_GRACE_MS);
      timers.forEach(clearInterval);
      await closeAll(logger, { close: () => mongo.close() }, { close: () => bus.close() });
    },
  };
}
