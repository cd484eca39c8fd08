import { z } from 'zod';

/** Variables every service reads; each service extends this with its own. */
export const baseConfigSchema = z.object({
  AMQP_URL: z.string().url().default('amqp://guest:guest@127.0.0.1:5672'),
  MONGO_URL: z.string().startsWith('mongodb').default('mongodb://127.0.0.1:27017'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Empty means: no OTLP export at all. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  /** A short name distinguishing instances of one service (reply queues, logs). */
  INSTANCE_ID: z.string().min(1).optional(),
});

export const portSchema = z.coerce.number().int().min(0).max(65535);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment with `schema`; a bad variable throws a ConfigError that names it. */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  // Treat empty strings as unset so `FOO= npm start` falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
}

/** Like parseConfig, but prints the bad variables and exits: used by every `main`. */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, serviceName: string): z.output<S> {
  try {
    return parseConfig(schema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${serviceName}: ${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
