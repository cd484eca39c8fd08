import { randomUUID } from 'node:crypto';
import { createLogger, parseConfig, signToken, type Logger } from '@sidekiq/shared';
import type { z } from 'zod';

export const TEST_JWT_SECRET = 'test-secret-0123456789abcdef';

/** A database name no other test file uses, so files never see each other's data. */
export const uniqueDb = (prefix: string) => `t_${prefix}_${randomUUID().slice(0, 8)}`;

/** A service config from the test environment plus overrides; port 0 picks a free port. */
export function testConfig<S extends z.ZodType>(schema: S, overrides: Record<string, string | number | undefined>): z.output<S> {
  const env: Record<string, string | undefined> = { ...process.env, JWT_SECRET: TEST_JWT_SECRET };
  for (const [k, v] of Object.entries(overrides)) env[k] = v === undefined ? undefined : String(v);
  return parseConfig(schema, env as NodeJS.ProcessEnv);
}

export const testLogger = (name: string): Logger => createLogger(name, process.env.TEST_LOG_LEVEL ?? 'silent');

export const tokenFor = (userId: string) => signToken(userId, TEST_JWT_SECRET, '1h');

/** Polls `probe` until it returns a value that passes `done`, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
