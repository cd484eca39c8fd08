import { z } from 'zod';
import { baseConfigSchema, portSchema } from '@sidekiq/shared';

export const configSchema = baseConfigSchema.extend({
  GATEWAY_PORT: portSchema.default(8080),
  JWT_SECRET: z.string().min(16, 'JWT_SECRET must be at least 16 characters'),
  SIDEKIQ_URL: z.string().url().default('http://127.0.0.1:8081'),
  THREAD_URL: z.string().url().default('http://127.0.0.1:8082'),
  CHAT_URL: z.string().url().default('http://127.0.0.1:8083'),
  /** A REST call to a service behind the gateway answers 503 after this long. */
  PROXY_TIMEOUT_MS: z.coerce.number().int().min(50).default(5000),
  /** chat.send/resume without a first frame from the chat service for this long: SERVICE_UNAVAILABLE. */
  CHAT_START_TIMEOUT_MS: z.coerce.number().int().min(50).default(10_000),
  /** Chat turns per user per minute (token bucket, per gateway instance), and the burst allowed. */
  CHAT_RATE_PER_MIN: z.coerce.number().min(1).default(30),
  CHAT_RATE_BURST: z.coerce.number().int().min(1).default(10),
  /** chat.resume and chat.cancel per user per minute, and their burst. */
  CONTROL_RATE_PER_MIN: z.coerce.number().min(1).default(120),
  CONTROL_RATE_BURST: z.coerce.number().int().min(1).default(30),
  REST_RATE_PER_MIN: z.coerce.number().min(1).default(600),
  REST_RATE_BURST: z.coerce.number().int().min(1).default(100),
  /** A socket whose unsent data passes this is closed with 4008: one slow client must not hold memory or others. */
  WS_MAX_BUFFERED_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
  /** Ping interval; a socket that did not answer the previous ping is reaped. */
  WS_PING_MS: z.coerce.number().int().min(100).default(30_000),
});
export type Config = z.infer<typeof configSchema>;
