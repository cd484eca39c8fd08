import { z } from 'zod';
import { baseConfigSchema, portSchema } from '@sidekiq/shared';

export const configSchema = baseConfigSchema.extend({
  CHAT_PORT: portSchema.default(8083),
  CHAT_DB: z.string().default('sidekiq_chat'),
  JWT_SECRET: z.string().min(16, 'JWT_SECRET must be at least 16 characters'),
  OPENAI_BASE_URL: z.string().url().default('http://127.0.0.1:8090/v1'),
  OPENAI_API_KEY: z.string().min(1).default('dev'),
  OPENAI_MODEL: z.string().min(1).default('gpt-4o-mini'),
  /** No token from the model for this long: the turn fails with UPSTREAM_TIMEOUT. */
  LLM_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** History sent to the model, newest kept, in characters (a cheap, model-agnostic proxy for tokens). */
  HISTORY_BUDGET_CHARS: z.coerce.number().int().min(0).default(24_000),
  /** Bound on the sidekiq RPC: past it the turn answers SERVICE_UNAVAILABLE. */
  SIDEKIQ_RPC_TIMEOUT_MS: z.coerce.number().int().min(50).default(3000),
  /** Turns one instance runs at once; more wait in the queue. */
  CHAT_MAX_CONCURRENT_TURNS: z.coerce.number().int().min(1).default(2000),
  /** Deltas of one turn are coalesced into at most one frame per this many ms. */
  DELTA_FLUSH_MS: z.coerce.number().int().min(0).default(15),
  /** With no socket attached for this long, a running turn is cancelled (the user left). */
  DETACH_GRACE_MS: z.coerce.number().int().min(0).default(500),
  /** On shutdown, running turns get this long to finish before they are cancelled (stored as partial). */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(8000),
  OUTBOX_GRACE_MS: z.coerce.number().int().min(0).default(5000),
  OUTBOX_SWEEP_MS: z.coerce.number().int().min(50).default(2000),
});
export type Config = z.infer<typeof configSchema>;
