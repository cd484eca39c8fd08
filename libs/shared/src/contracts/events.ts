import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import { idSchema, isoDate, sidekiqSnapshotSchema } from './common';

/** Every event on the bus: a fact in the past tense, versioned, with its own id for idempotency. */
export const envelopeSchema = z.object({
  id: z.uuid(),
  type: z.string().min(1),
  version: z.number().int().min(1),
  occurredAt: isoDate,
  data: z.unknown(),
});
export type Envelope<T = unknown> = Omit<z.infer<typeof envelopeSchema>, 'data'> & { data: T };

export interface EventDefinition<T extends z.ZodType> {
  type: string;
  version: number;
  /** The topic routing key, e.g. `thread.created.v1`. */
  routingKey: string;
  schema: T;
  create(data: z.input<T>, options?: { id?: string; occurredAt?: Date }): Envelope<z.output<T>>;
}

export function defineEvent<T extends z.ZodType>(type: string, version: number, schema: T): EventDefinition<T> {
  return {
    type,
    version,
    routingKey: `${type}.v${version}`,
    schema,
    create(data, options = {}) {
      return {
        id: options.id ?? randomUUID(),
        type,
        version,
        occurredAt: (options.occurredAt ?? new Date()).toISOString(),
        data: schema.parse(data),
      };
    },
  };
}

export const ThreadCreated = defineEvent(
  'thread.created',
  1,
  z.object({
    threadId: idSchema,
    userId: idSchema,
    /** The Sidekiq as it was when the thread was created; null for a plain thread. */
    sidekiq: sidekiqSnapshotSchema.nullable(),
    title: z.string().nullable(),
    createdAt: isoDate,
  }),
);

/** One per chat turn, so list views can sort by activity and take a title from the first message. */
export const ThreadActivity = defineEvent(
  'thread.activity',
  1,
  z.object({
    threadId: idSchema,
    userId: idSchema,
    at: isoDate,
    /** The user's message of that turn, cut short: the default title of a thread. */
    userMessagePreview: z.string().max(200),
  }),
);

export const ThreadDeleted = defineEvent(
  'thread.deleted',
  1,
  z.object({ threadId: idSchema, userId: idSchema, deletedAt: isoDate }),
);

export const SidekiqUpdated = defineEvent(
  'sidekiq.updated',
  1,
  sidekiqSnapshotSchema.extend({ userId: idSchema, updatedAt: isoDate }),
);

export const SidekiqDeleted = defineEvent(
  'sidekiq.deleted',
  1,
  z.object({ id: idSchema, userId: idSchema, version: z.number().int().min(1), deletedAt: isoDate }),
);
