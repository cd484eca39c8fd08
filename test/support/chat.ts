import { randomUUID } from 'node:crypto';
import type { Stack } from './stack';
import type { TestClient } from './ws-client';

/** Creates a Sidekiq for `userId` through the gateway; fails the test if that does not work. */
export async function createSidekiq(stack: Stack, userId: string, body: Record<string, unknown> = {}): Promise<any> {
  const res = await stack.api(userId, 'POST', '/api/sidekiqs', { name: 'Helper', instructions: `You are helper ${randomUUID()}.`, ...body });
  if (res.status !== 201) throw new Error(`creating a Sidekiq answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

export interface Turn {
  requestId: string;
  end: any;
  started: any;
  text: string;
}

/** Sends one chat.send and waits for its end; returns the started frame, the end frame and the streamed text. */
export async function chatTurn(client: TestClient, fields: { content: string; threadId?: string; sidekiqId?: string; requestId?: string }, timeoutMs = 15_000): Promise<Turn> {
  const requestId = fields.requestId ?? randomUUID();
  client.send({ type: 'chat.send', ...fields, requestId });
  const end = await client.end(requestId, timeoutMs);
  return { requestId, end, started: client.of(requestId).find((f) => f.type === 'chat.started'), text: client.textOf(requestId) };
}

/** The model server's log entry for the request whose last message contains `marker`. */
export function modelRequest(stack: Stack, marker: string) {
  const entry = stack.model.log.entries.find((e) => {
    const messages = (e.body?.messages ?? []) as Array<{ content?: unknown }>;
    return String(messages.at(-1)?.content ?? '').includes(marker);
  });
  if (!entry) throw new Error(`no model request with ${marker}`);
  return { ...entry, messages: (entry.body?.messages ?? []) as Array<{ role: string; content: string }> };
}
