import { z } from 'zod';
import { idSchema, sidekiqSummarySchema } from './common';
import { threadListItemSchema } from './views';

export const MAX_FRAME_BYTES = 64 * 1024;

// ---- WebSocket: client → server ----------------------------------------------------------

export const chatSendFrame = z.object({
  type: z.literal('chat.send'),
  requestId: z.uuid(),
  content: z.string().min(1).max(32_000),
  threadId: idSchema.optional(),
  sidekiqId: idSchema.optional(),
});
export const chatCancelFrame = z.object({ type: z.literal('chat.cancel'), requestId: z.uuid() });
export const chatResumeFrame = z.object({
  type: z.literal('chat.resume'),
  requestId: z.uuid(),
  offset: z.number().int().min(0),
});
export const pingFrame = z.object({ type: z.literal('ping') });

export const clientFrameSchemas = {
  'chat.send': chatSendFrame,
  'chat.cancel': chatCancelFrame,
  'chat.resume': chatResumeFrame,
  ping: pingFrame,
} as const;
export type ClientFrameType = keyof typeof clientFrameSchemas;
export type ChatSendFrame = z.infer<typeof chatSendFrame>;
export type ChatCancelFrame = z.infer<typeof chatCancelFrame>;
export type ChatResumeFrame = z.infer<typeof chatResumeFrame>;

// ---- WebSocket: server → client ----------------------------------------------------------

export const chatErrorCodes = [
  'VALIDATION_FAILED',
  'SIDEKIQ_NOT_FOUND',
  'THREAD_NOT_FOUND',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'LLM_ERROR',
  'INTERNAL',
] as const;

export const chatStartedFrame = z.object({
  type: z.literal('chat.started'),
  requestId: z.string(),
  threadId: idSchema,
  messageId: idSchema,
  userMessageId: idSchema,
  isNewThread: z.boolean(),
  sidekiq: sidekiqSummarySchema.nullable(),
});
export const chatDeltaFrame = z.object({
  type: z.literal('chat.delta'),
  requestId: z.string(),
  threadId: idSchema,
  messageId: idSchema,
  offset: z.number().int().min(0),
  delta: z.string(),
});
export const chatDoneFrame = z.object({
  type: z.literal('chat.done'),
  requestId: z.string(),
  threadId: idSchema,
  messageId: idSchema,
  finishReason: z.enum(['stop', 'length', 'cancelled']),
  usage: z.object({ promptTokens: z.number().int(), completionTokens: z.number().int() }).nullable(),
});
export const chatErrorFrame = z.object({
  type: z.literal('chat.error'),
  requestId: z.string(),
  code: z.enum(chatErrorCodes),
  message: z.string(),
  retryable: z.boolean(),
  details: z.unknown().optional(),
});
export const threadUpsertedFrame = z.object({ type: z.literal('thread.upserted'), thread: threadListItemSchema });
export const threadRemovedFrame = z.object({ type: z.literal('thread.removed'), threadId: idSchema });

/** Frames the chat service produces for one request, in stream order. */
export const streamFrameSchema = z.discriminatedUnion('type', [chatStartedFrame, chatDeltaFrame, chatDoneFrame, chatErrorFrame]);
export type StreamFrame = z.infer<typeof streamFrameSchema>;
export type ChatStartedFrame = z.infer<typeof chatStartedFrame>;
export type ChatDeltaFrame = z.infer<typeof chatDeltaFrame>;
export type ChatDoneFrame = z.infer<typeof chatDoneFrame>;
export type ChatErrorFrame = z.infer<typeof chatErrorFrame>;
export type ServerFrame =
  | StreamFrame
  | z.infer<typeof threadUpsertedFrame>
  | z.infer<typeof threadRemovedFrame>
  | { type: 'pong' }
  | { type: 'error'; code: 'BAD_FRAME'; message: string };

// ---- Bus: gateway → chat ------------------------------------------------------------------

/** A chat turn asked of the chat service; `userId` comes from the verified token, never a frame. */
export const chatSendRequestSchema = z.object({
  kind: z.literal('send'),
  requestId: z.uuid(),
  userId: idSchema,
  content: z.string().min(1).max(32_000),
  threadId: idSchema.optional(),
  sidekiqId: idSchema.optional(),
  /** The gateway instance's queue that receives this request's stream frames. */
  replyTo: z.string().min(1),
  /** Epoch ms after which the gateway has given up: the chat service drops the request. */
  deadline: z.number().int(),
});
/** Replay a request's answer from `offset`, then continue live if it is still running. */
export const chatResumeRequestSchema = z.object({
  kind: z.literal('resume'),
  requestId: z.uuid(),
  userId: idSchema,
  offset: z.number().int().min(0),
  replyTo: z.string().min(1),
  deadline: z.number().int(),
});
export const chatRequestSchema = z.discriminatedUnion('kind', [chatSendRequestSchema, chatResumeRequestSchema]);
export type ChatSendRequest = z.infer<typeof chatSendRequestSchema>;
export type ChatResumeRequest = z.infer<typeof chatResumeRequestSchema>;
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** Cancel/resume broadcast to every chat instance; the one running the request acts. */
export const chatControlSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cancel'), requestId: z.uuid(), userId: idSchema }),
  z.object({ kind: z.literal('resume'), requestId: z.uuid(), userId: idSchema, offset: z.number().int().min(0), replyTo: z.string().min(1) }),
  z.object({ kind: z.literal('detach'), requestId: z.uuid(), userId: idSchema, replyTo: z.string().min(1) }),
]);
export type ChatControl = z.infer<typeof chatControlSchema>;

// ---- Bus: chat → gateway ------------------------------------------------------------------

/** A batch of frames for one user; the gateway fans them out to that user's sockets. */
export const streamEnvelopeSchema = z.object({
  userId: idSchema,
  frames: z.array(streamFrameSchema).min(1),
});
export type StreamEnvelope = z.infer<typeof streamEnvelopeSchema>;

/** Pushed by the thread service when a user's list view changes. */
export const viewChangeSchema = z.object({
  userId: idSchema,
  frame: z.discriminatedUnion('type', [threadUpsertedFrame, threadRemovedFrame]),
});
export type ViewChange = z.infer<typeof viewChangeSchema>;
