import type { Server } from 'node:http';
import {
  BusConnection, closeAll, closeServer, connectMongo, createHttpApp, finishHttpApp, listen, mongoReady, type Logger,
} from '@sidekiq/shared';
import type { Config } from './config';
import { createModels } from './data-access/models';
import { factsRepository } from './data-access/facts-repository';
import { viewRepository } from './data-access/view-repository';
import { viewPublisher } from './data-access/view-publisher';
import { converger } from './data-access/converge';
import { threadOutbox } from './data-access/outbox';
import { threadUseCases } from './domain/use-cases';
import { threadProjections } from './domain/projections';
import { threadRoutes } from './entry-points/http/thread-routes';
import { subscribe } from './entry-points/amqp/subscriptions';

export interface RunningService {
  port: number;
  close(): Promise<void>;
}

/** Wires the thread service: MongoDB, the bus, HTTP, the event consumers and the outbox sweep. */
export async function startThreadService(config: Config, logger: Logger, options: { retryDelaysMs?: number[]; eventsQueue?: string } = {}): Promise<RunningService> {
  const mongo = await connectMongo(config.MONGO_URL, config.THREAD_DB, logger);
  const bus = await BusConnection.open(config.AMQP_URL, logger);
  const models = createModels(mongo);
  await Promise.all(Object.values(models).map((m) => m.init()));
  const facts = factsRepository(models);
  const views = viewRepository(models);
  const converge = converger(facts, views, viewPublisher(bus, logger));
  const outbox = threadOutbox(models, bus, logger, config.OUTBOX_GRACE_MS);
  const useCases = threadUseCases({ facts, views, converge, outbox, clock: () => new Date() });

  const app = createHttpApp(logger, { ready: () => mongoReady(mongo) && bus.connected });
  app.use(threadRoutes(useCases, config.JWT_SECRET));
  finishHttpApp(app, logger);

  // Tests give each service instance its own queue so parallel test runs do not steal each other's events.
  await subscribe(bus, threadProjections(facts, converge), { retryDelaysMs: options.retryDelaysMs, queue: options.eventsQueue });
  const sweeper = setInterval(() => void outbox.sweep().catch((err) => logger.warn({ err: String(err) }, 'outbox sweep failed')), config.OUTBOX_SWEEP_MS);
  const server: Server = await listen(app, config.THREAD_PORT);
  const port = (server.address() as { port: number }).port;
  logger.info({ port }, 'thread service ready');

  return {
    port,
    close: async () => {
      clearInterval(sweeper);
      await closeAll(logger, { close: () => mongo.close() }, { close: () => bus.close() }, { close: () => closeServer(server) });
    },
  };
}
