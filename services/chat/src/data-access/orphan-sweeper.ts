import type { Logger } from '@sidekiq/shared';
import type { InstanceRepository } from './instance-repository';
import type { RequestRepository } from './request-repository';
import type { MessageRepository } from './message-repository';

/**
 * Each chat instance beats every few seconds. A running request whose owner has stopped
 * beating was cut off by a crash: its answer is closed as partial (or error if nothing came)
 * and the request as failed, so a resend replays an honest result instead of waiting forever.
 */
export function orphanSweeper(instanceId: string, instances: InstanceRepository, requests: RequestRepository, messages: MessageRepository, logger: Logger, staleMs: number) {
  return {
    beat: () => instances.beat(instanceId),
    async sweep(): Promise<number> {
      const live = await instances.live(new Date(Date.now() - staleMs));
      const orphans = await requests.orphaned([...new Set([...live, instanceId])], 100);
      for (const r of orphans) {
        const answer = await messages.findById(r.assistantMessageId);
        if (answer) await messages.setContent(answer._id, answer.content, answer.content ? 'partial' : 'error');
        await requests.finish(r.userId, r.requestId, {
          status: 'failed',
          finishReason: null,
          usage: null,
          error: { code: 'INTERNAL', message: 'The answer was interrupted by a chat service restart', retryable: true },
        });
        logger.warn({ requestId: r.requestId, owner: r.owner }, 'closed a turn orphaned by a dead instance');
      }
      return orphans.length;
    },
  };
}
