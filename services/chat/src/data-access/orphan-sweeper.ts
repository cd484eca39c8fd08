import type { Logger } from '@sidekiq/shared';
import type { InstanceRepository } from './instance-repository';
import type { RequestRepository } from './request-repository';
import type { MessageRepository } from './message-repository';
import type { MessageDoc, RequestDoc } from './models';

/** Told of every orphan closed: the stored outcome, to be sent to the gateways that listened. */
export type OrphanClosed = (closed: RequestDoc, answer: MessageDoc | null, replyTo: string[]) => void;

/**
 * Each chat instance beats every few seconds. A running request whose owner has stopped
 * beating was cut off by a crash: its answer is closed as partial (the last checkpoint, or error
 * if none) and the request as failed INTERNAL, so a resend replays an honest result instead of
 * waiting forever, and the gateways that were listening get that same result as the turn's end.
 * Closing is idempotent: any live instance may do it, twice does no harm.
 */
export function orphanSweeper(
  instanceId: string,
  instances: InstanceRepository,
  requests: RequestRepository,
  messages: MessageRepository,
  logger: Logger,
  staleMs: number,
  onClosed: OrphanClosed,
) {
  /** Closes one orphaned request; `replyTo` adds listeners to the ones stored with the turn. */
  async function close(r: RequestDoc, replyTo: string[] = [], stored?: string[]): Promise<void> {
    const [answer, listeners] = await Promise.all([messages.findById(r.assistantMessageId), stored ?? requests.replyQueues(r._id)]);
    let final = answer;
    if (answer && answer.status === 'streaming') {
      final = { ...answer, status: answer.content ? 'partial' : 'error' };
      await messages.setContent(answer._id, answer.content, final.status);
    }
    const outcome = {
      status: 'failed' as const,
      finishReason: null,
      usage: null,
      error: { code: 'INTERNAL', message: 'The answer was interrupted by a chat service restart', retryable: true },
    };
    await requests.finish(r.userId, r.requestId, outcome);
    logger.warn({ requestId: r.requestId, owner: r.owner }, 'closed a turn orphaned by a dead instance');
    onClosed({ ...r, ...outcome }, final, [...new Set([...listeners, ...replyTo])]);
  }

  return {
    beat: () => instances.beat(instanceId),
    /** Whether `owner` still beats (this instance always does). */
    async ownerAlive(owner: string): Promise<boolean> {
      return owner === instanceId || instances.isLive(owner, new Date(Date.now() - staleMs));
    },
    close: (r: RequestDoc, replyTo: string[] = []) => close(r, replyTo),
    async sweep(): Promise<number> {
      const live = await instances.live(new Date(Date.now() - staleMs));
      const orphans = await requests.orphaned([...new Set([...live, instanceId])], 100);
      for (const { request, replyTo } of orphans) await close(request, [], replyTo);
      return orphans.length;
    },
    staleMs,
  };
}
export type OrphanSweeper = ReturnType<typeof orphanSweeper>;
