/**
 * Recomputes thread list views from the owning services and reports differences:
 *   npx tsx services/thread/src/entry-points/cli/rebuild.ts [--user ID] [--apply]
 * Without --apply nothing is written. Exit code: 0 when the views agree (or were fixed), 1 when
 * differences remain, 2 on a usage or connection error.
 */
import { z } from 'zod';
import { BusConnection, RpcClient, baseConfigSchema, connectMongo, createLogger, loadConfigOrExit } from '@sidekiq/shared';
import { createModels } from '../../data-access/models';
import { factsRepository } from '../../data-access/facts-repository';
import { viewRepository } from '../../data-access/view-repository';
import { viewPublisher } from '../../data-access/view-publisher';
import { converger } from '../../data-access/converge';
import { ownerSources } from '../../data-access/owner-sources';
import { rebuild } from '../../domain/rebuild';

const configSchema = baseConfigSchema.extend({ THREAD_DB: z.string().default('sidekiq_threads') });

export function parseArgs(argv: string[]): { userId?: string; apply: boolean } {
  const out: { userId?: string; apply: boolean } = { apply: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--apply') out.apply = true;
    else if (arg === '--user' && argv[i + 1]) out.userId = argv[++i];
    else throw new Error(`unknown argument ${arg}; usage: rebuild [--user ID] [--apply]`);
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfigOrExit(configSchema, 'thread-rebuild');
  const logger = createLogger('thread-rebuild', config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const mongo = await connectMongo(config.MONGO_URL, config.THREAD_DB, logger);
  const bus = await BusConnection.open(config.AMQP_URL, logger);
  try {
    const models = createModels(mongo);
    const facts = factsRepository(models);
    const views = viewRepository(models);
    const converge = converger(facts, views, viewPublisher(bus, logger));
    const owners = ownerSources(await RpcClient.create(bus));
    const report = await rebuild({ facts, views, converge, owners, clock: () => new Date() }, args);
    for (const d of report.differences) process.stdout.write(`${JSON.stringify(d.kind === 'extra' ? d : { ...d, expected: undefined })}\n`);
    const summary = { checked: report.checked, pendingDeletion: report.pendingDeletion, differences: report.differences.length, applied: args.apply, remaining: report.remaining?.length ?? null };
    process.stdout.write(`${JSON.stringify({ summary })}\n`);
    const left = args.apply ? report.remaining!.length : report.differences.length;
    return left === 0 ? 0 : 1;
  } finally {
    await bus.close();
    await mongo.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`thread-rebuild: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
