import mongoose, { type Connection } from 'mongoose';
import type { Logger } from './logging';

/**
 * One connection per service and database: services never share a database, and tests can run
 * several services in one process. `autoIndex` builds the indexes each model declares.
 */
export async function connectMongo(url: string, dbName: string, logger: Logger): Promise<Connection> {
  const conn = mongoose.createConnection(url, {
    dbName,
    serverSelectionTimeoutMS: 10_000,
    maxPoolSize: 20,
    autoIndex: true,
  });
  conn.on('disconnected', () => logger.warn({ dbName }, 'mongo: disconnected'));
  conn.on('reconnected', () => logger.info({ dbName }, 'mongo: reconnected'));
  await conn.asPromise();
  logger.info({ dbName }, 'mongo: connected');
  return conn;
}

export function mongoReady(conn: Connection): boolean {
  return conn.readyState === 1;
}

/** Mongo duplicate-key error: the write lost a race to an identical one, which is what we want. */
export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: number }).code === 11000;
}
