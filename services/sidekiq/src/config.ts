import { z } from 'zod';
import { baseConfigSchema, portSchema } from '@sidekiq/shared';

export const configSchema = baseConfigSchema.extend({
  SIDEKIQ_PORT: portSchema.default(8081),
  JWT_SECRET: z.string().min(16, 'JWT_SECRET must be at least 16 characters'),
  SIDEKIQ_DB: z.string().default('sidekiq_sidekiqs'),
  /** How old an unpublished change must be before the relay (re)publishes it. */
  OUTBOX_GRACE_MS: z.coerce.number().int().min(0).default(5000),
  OUTBOX_SWEEP_MS: z.coerce.number().int().min(50).default(2000),
});
export type Config = z.infer<typeof configSchema>;
