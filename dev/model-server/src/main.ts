/**
 * Runs the dev model server: `npx tsx dev/model-server/src/main.ts`.
 * Env: MODEL_SERVER_PORT (8090), MODEL_SERVER_HOST (127.0.0.1), MODEL_TOKENS_PER_SECOND (50; 0 = as
 * fast as possible), MODEL_FIRST_TOKEN_MS (0), MODEL_DEFAULT_TOKENS (20).
 */
import { z } from 'zod';
import { startModelServer } from './server';

const envSchema = z.object({
  MODEL_SERVER_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  MODEL_SERVER_HOST: z.string().min(1).default('127.0.0.1'),
  MODEL_TOKENS_PER_SECOND: z.coerce.number().min(0).max(1_000_000).default(50),
  MODEL_FIRST_TOKEN_MS: z.coerce.number().int().min(0).max(600_000).default(0),
  MODEL_DEFAULT_TOKENS: z.coerce.number().int().min(0).max(1_000_000).default(20),
});

function loadConfig(): z.output<typeof envSchema> {
  // Empty strings count as unset, so `MODEL_SERVER_PORT= npm start` falls back to the default.
  const env = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message} (got ${JSON.stringify(process.env[String(i.path[0])])})`);
  process.stderr.write(`model-server: invalid configuration:\n  ${problems.join('\n  ')}\n`);
  process.exit(78); // EX_CONFIG
}

async function main(): Promise<void> {
  const config = loadConfig();
  const server = await startModelServer({
    port: config.MODEL_SERVER_PORT,
    host: config.MODEL_SERVER_HOST,
    tokensPerSecond: config.MODEL_TOKENS_PER_SECOND,
    firstTokenMs: config.MODEL_FIRST_TOKEN_MS,
    defaultTokens: config.MODEL_DEFAULT_TOKENS,
  });
  process.stdout.write(
    `model-server: listening on ${server.url} (${config.MODEL_TOKENS_PER_SECOND || 'unlimited'} tokens/s, first token after ${config.MODEL_FIRST_TOKEN_MS}ms)\n`,
  );
  const stop = (signal: string) => {
    process.stdout.write(`model-server: ${signal}, closing\n`);
    server.close().then(() => process.exit(0), () => process.exit(1));
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`model-server: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
