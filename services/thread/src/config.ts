import { z } from 'zod';
import { baseConfigSchema, portSchema } from '@sidekiq/shared';

export const configSchema = baseConfigSchema.extend({
  THREAD_PORT: portSchema.default(8082),
  JWT_SECRET: z.string().min(16, 'JWT_SECRET must be at least 16 characters'),
  THREAD_DB: z.string().default('sidekiq_threads'),
  /** How old an unpublished ThreadDeleted must be before the sweep (re)publishes it. */
  OUTBOX_GRACE_MS: z.coerce.number().int().min(0).default(5000),
  OUTBOX_SWEEP_MS: z.coerce.number().int().min(50).default(2000),
});
export type Config = z.infer<typeof configSchema>;
