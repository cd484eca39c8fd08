/** Names of everything declared on RabbitMQ, in one place. */
export const topology = {
  /** Domain events (topic): routing key = `<type>.v<version>`, e.g. `thread.created.v1`. */
  eventsExchange: 'sidekiq.events',
  /** Dead letters (direct): routing key = the queue the message died in. */
  deadLetterExchange: 'sidekiq.dlx',
  /** Work queue of chat turns, consumed by every chat instance. */
  chatRequestsQueue: 'chat.requests.v2',
  /** Cancel/resume broadcast to every chat instance (fanout). */
  chatControlExchange: 'chat.control.v1',
  /** Live list-view changes broadcast to every gateway instance (fanout). */
  viewChangesExchange: 'thread.view-changes.v1',
  /** Each gateway instance's own queue of stream frames. */
  gatewayFramesQueue: (instanceId: string) => `gateway.${instanceId}.frames`,
  deadLetterQueue: (queue: string) => `${queue}.dlq`,
  retryQueue: (queue: string, delayMs: number) => `${queue}.retry.${delayMs}ms`,
} as const;

/** Headers our consumers read and write. */
export const headers = {
  attempt: 'x-attempt',
  deathReason: 'x-death-reason',
  deathError: 'x-death-error',
  originalRoutingKey: 'x-original-routing-key',
} as const;
