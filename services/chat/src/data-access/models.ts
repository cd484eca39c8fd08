import { Schema, type Connection, type Model } from 'mongoose';
import type { SidekiqSnapshot } from '@sidekiq/shared';

/**
 * A thread as the chat service owns it: immutable after creation, so no two writers ever update
 * it (FerretDB's updates are not atomic). History is read from the insert-only messages.
 */
export interface ThreadDoc {
  _id: string;
  userId: string;
  sidekiqId: string | null;
  /** The Sidekiq as it was at creation, for ThreadCreated. */
  sidekiqSnapshot: SidekiqSnapshot | null;
  createdAt: Date;
}

export type StoredStatus = 'streaming' | 'complete' | 'partial' | 'error';

export interface MessageDoc {
  _id: string;
  threadId: string;
  userId: string;
  requestId: string;
  role: 'user' | 'assistant';
  content: string;
  status: StoredStatus;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The idempotency anchor of `chat.send`: one per (user, requestId), claimed by a unique insert
 * before anything else is written, holding the ids every retry reuses.
 */
export interface RequestDoc {
  _id: string; // `${userId}:${requestId}`
  userId: string;
  requestId: string;
  threadId: string;
  userMessageId: string;
  assistantMessageId: string;
  isNewThread: boolean;
  sidekiq: { id: string; name: string; avatar: { type: 'initials' | 'emoji'; value: string; color: string } } | null;
  status: 'running' | 'done' | 'failed';
  finishReason: 'stop' | 'length' | 'cancelled' | null;
  usage: { promptTokens: number; completionTokens: number } | null;
  error: { code: string; message: string; retryable: boolean } | null;
  /** The instance running it; if that instance stops beating, the request is orphaned. */
  owner: string;
  createdAt: Date;
}

/**
 * One per running chat instance, beating every few seconds. Beating per instance rather than
 * per request keeps writers of a request document to one (its owner), which matters where
 * updates are not atomic (FerretDB), and costs one write per instance instead of per turn.
 */
export interface InstanceDoc {
  _id: string;
  heartbeatAt: Date;
}

/**
 * An event that may not have reached the broker yet (transactional outbox without
 * transactions): written before the document it announces, removed once published. The
 * collection only ever holds in-flight entries, so the sweep reads a handful of documents.
 */
export interface OutboxDoc {
  _id: string; // the event id
  kind: 'thread.created' | 'thread.activity';
  /** The thread (thread.created) or the user message (thread.activity) the event announces. */
  ref: string;
  traceparent?: string;
  createdAt: Date;
}

/** A running turn and its owner: what the orphan sweep reads (small, unlike all requests). */
export interface ActiveDoc {
  _id: string; // `${userId}:${requestId}`
  owner: string;
  /** The gateway frame queues listening to the turn: told of its end if the owner dies. */
  replyTo?: string[];
  createdAt: Date;
}

export interface Models {
  Thread: Model<ThreadDoc>;
  Message: Model<MessageDoc>;
  Request: Model<RequestDoc>;
  Instance: Model<InstanceDoc>;
  Outbox: Model<OutboxDoc>;
  Active: Model<ActiveDoc>;
}

export function createModels(conn: Connection): Models {
  const thread = new Schema<ThreadDoc>(
    {
      _id: String,
      userId: { type: String, required: true },
      sidekiqId: { type: String, default: null },
      sidekiqSnapshot: { type: Schema.Types.Mixed, default: null },
      createdAt: { type: Date, required: true },
    },
    { versionKey: false, collection: 'threads' },
  );
  thread.index({ userId: 1, _id: 1 });

  const message = new Schema<MessageDoc>(
    {
      _id: String,
      threadId: { type: String, required: true },
      userId: { type: String, required: true },
      requestId: { type: String, required: true },
      role: { type: String, required: true },
      content: { type: String, default: '' },
      status: { type: String, required: true },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
    },
    { versionKey: false, collection: 'messages' },
  );
  message.index({ threadId: 1, createdAt: -1, _id: -1 });

  const request = new Schema<RequestDoc>(
    {
      _id: String,
      userId: String,
      requestId: String,
      threadId: String,
      userMessageId: String,
      assistantMessageId: String,
      isNewThread: Boolean,
      sidekiq: { type: Schema.Types.Mixed, default: null },
      status: String,
      finishReason: { type: String, default: null },
      usage: { type: Schema.Types.Mixed, default: null },
      error: { type: Schema.Types.Mixed, default: null },
      owner: String,
      createdAt: Date,
    },
    { versionKey: false, collection: 'requests' },
  );

  const instance = new Schema<InstanceDoc>({ _id: String, heartbeatAt: Date }, { versionKey: false, collection: 'instances' });

  return {
    Thread: conn.model<ThreadDoc>('Thread', thread),
    Message: conn.model<MessageDoc>('Message', message),
    Request: conn.model<RequestDoc>('ChatRequest', request),
    Instance: conn.model<InstanceDoc>('ChatInstance', instance),
    Outbox: conn.model<OutboxDoc>('ChatOutbox', new Schema<OutboxDoc>({ _id: String, kind: String, ref: String, traceparent: String, createdAt: Date }, { versionKey: false, collection: 'outbox' })),
    Active: conn.model<ActiveDoc>('ChatActive', new Schema<ActiveDoc>({ _id: String, owner: String, replyTo: { type: [String], default: undefined }, createdAt: Date }, { versionKey: false, collection: 'active_turns' })),
  };
}
