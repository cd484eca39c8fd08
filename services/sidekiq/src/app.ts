import type { Server } from 'node:http';
import {
  BusConnection, closeAll, closeServer, connectMongo, createHttpApp, finishHttpApp, listen, mongoReady, type Logger,
} from '@sidekiq/shared';
import type { Config } from './config';
import { createModels } from './data-access/models';
import { sidekiqRepository } from './data-access/sidekiq-repository';
import { statsRepository } from './data-access/stats-repository';
import { sidekiqOutbox } from './data-access/outbox';
import { sidekiqUseCases, type FaultHooks } from './domain/use-cases';
import { sidekiqRoutes } from './entry-points/http/sidekiq-routes';
import { subscribe } from './entry-points/amqp/subscriptions';
import { serveSidekiqRpc } from './entry-points/rpc/sidekiq-rpc';

export interface RunningService {
  port: number;
  close(): Promise<void>;
}

/** Wires the sidekiq service: MongoDB, the bus, HTTP, the RPC, the consumers and the outbox sweep. */
export interface StartOptions {
  /** Consumer retry backoff (tests use short delays). */
  retryDelaysMs?: number[];
  /** Tests only: simulate crashes at exact points. */
  faults?: FaultHooks;
}

export async function startSidekiqService(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningService> {
  const mongo = await connectMongo(config.MONGO_URL, config.SIDEKIQ_DB, logger);
  const bus = await BusConnection.open(config.AMQP_URL, logger);
  const models = createModels(mongo);
  await Promise.all(Object.values(models).map((m) => m.init()));
  const sidekiqs = sidekiqRepository(models);
  const outbox = sidekiqOutbox(models, sidekiqs, bus, logger, config.OUTBOX_GRACE_MS);
  const useCases = sidekiqUseCases({ sidekiqs, stats: statsRepository(models), outbox, clock: () => new Date(), faults: options.faults });

  const app = createHttpApp(logger, { ready: () => mongoReady(mongo) && bus.connected });
  app.use(sidekiqRoutes(useCases, config.JWT_SECRET));
  finishHttpApp(app, logger);

  await serveSidekiqRpc(bus, useCases);
  await subscribe(bus, useCases, options.retryDelaysMs);
  const sweeper = setInterval(() => void outbox.sweep().catch((err) => logger.warn({ err: String(err) }, 'outbox sweep failed')), config.OUTBOX_SWEEP_MS);
  const server: Server = await listen(app, config.SIDEKIQ_PORT);
  const port = (server.address() as { port: number }).port;
  logger.info({ port }, 'sidekiq service ready');

  return {
    port,
    close: async () => {
      clearInterval(sweeper);
      await closeAll(logger, { close: () => mongo.close() }, { close: () => bus.close() }, { close: () => closeServer(server) });
    },
  };
}
