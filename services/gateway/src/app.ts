import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { BusConnection, closeAll, closeServer, createHttpApp, declareChatRequestsQueue, finishHttpApp, listen, type Logger } from '@sidekiq/shared';
import type { Config } from './config';
import { Sessions } from './domain/sessions';
import { RateLimiter } from './domain/rate-limiter';
import { proxyRoutes } from './entry-points/http/proxy-routes';
import { attachWebSocketServer } from './entry-points/ws/ws-server';
import { frameHandlers } from './entry-points/ws/frame-handlers';
import { consumeGatewayQueues } from './entry-points/amqp/stream-frames';

export interface RunningGateway {
  port: number;
  instanceId: string;
  sessions: Sessions;
  close(): Promise<void>;
}

/** Wires the gateway: REST façade, WebSocket sessions, and its queues on the bus. */
export async function startGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  const instanceId = config.INSTANCE_ID ?? `gw-${randomUUID().slice(0, 8)}`;
  const bus = await BusConnection.open(config.AMQP_URL, logger);
  await bus.onConnect(async (model) => {
    const ch = await model.createChannel();
    await declareChatRequestsQueue(ch);
    await ch.close();
  });
  const sessions = new Sessions();
  const replyTo = await consumeGatewayQueues(bus, sessions, instanceId);

  const app = createHttpApp(logger, { ready: () => bus.connected });
  app.use(
    proxyRoutes(
      { sidekiq: config.SIDEKIQ_URL, thread: config.THREAD_URL, chat: config.CHAT_URL },
      config.JWT_SECRET,
      new RateLimiter(config.REST_RATE_PER_MIN, config.REST_RATE_BURST),
      config.PROXY_TIMEOUT_MS,
    ),
  );
  finishHttpApp(app, logger);
  const server: Server = await listen(app, config.GATEWAY_PORT);
  const handlers = frameHandlers({
    bus, sessions, replyTo, logger,
    limiter: new RateLimiter(config.CHAT_RATE_PER_MIN, config.CHAT_RATE_BURST),
    controlLimiter: new RateLimiter(config.CONTROL_RATE_PER_MIN, config.CONTROL_RATE_BURST),
    startTimeoutMs: config.CHAT_START_TIMEOUT_MS,
  });
  const ws = attachWebSocketServer(server, sessions, handlers, logger, {
    jwtSecret: config.JWT_SECRET,
    maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
    pingMs: config.WS_PING_MS,
  });
  const port = (server.address() as { port: number }).port;
  logger.info({ port, instanceId }, 'gateway ready');

  return {
    port,
    instanceId,
    sessions,
    close: async () => {
      await ws.close();
      await closeAll(logger, { close: () => bus.close() }, { close: () => closeServer(server) });
    },
  };
}
