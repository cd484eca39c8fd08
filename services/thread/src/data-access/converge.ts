import { isDuplicateKey } from '@sidekiq/shared';
import { deriveView, sameView, type ViewRecord } from '../domain/view';
import type { FactsRepository } from './facts-repository';
import type { ViewRepository } from './view-repository';
import type { ViewPublisher } from './view-publisher';
import { keyedSerializer } from './keyed-serializer';

const MAX_ROUNDS = 20;

export interface ConvergeResult {
  view: ViewRecord | null;
  changed: boolean;
}

/**
 * Brings a thread's stored view in line with its facts: derive, compare, write the whole
 * document if different, then repeat until a round finds nothing to do. A writer that derived
 * from stale facts (another instance, or a lost update on a server whose updates are not
 * atomic) is corrected by the verifying round of whoever wrote last, because every round reads
 * the facts afresh and facts are written before converge is called. Hence: after all handlers
 * have finished, every view equals deriveView(its facts) — on MongoDB and on FerretDB.
 */
export function converger(facts: FactsRepository, views: ViewRepository, publish: ViewPublisher) {
  const serialized = keyedSerializer();

  async function once(threadId: string): Promise<ConvergeResult> {
    let changed = false;
    let before: ViewRecord | null | undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const want = deriveView(await facts.read(threadId));
      const have = await views.findById(threadId);
      if (before === undefined) before = have;
      if (sameView(want, have)) {
        if (changed && want) await publish.upserted(want);
        if (changed && !want && before) await publish.removed(before.userId, threadId);
        return { view: want, changed };
      }
      changed = true;
      if (want) await views.write(want).catch((err) => { if (!isDuplicateKey(err)) throw err; }); // two first upserts raced: next round sees the winner
      else await views.remove(threadId);
    }
    throw new Error(`view of thread ${threadId} did not converge in ${MAX_ROUNDS} rounds`);
  }

  return (threadId: string) => serialized(threadId, () => once(threadId));
}
export type Converge = ReturnType<typeof converger>;
