/**
 * `npm run chat -- [options] "message"`: a small WebSocket client that sends one message and
 * prints the answer as it streams.
 *
 *   npm run chat -- "hello"                              a new plain thread
 *   npm run chat -- --sidekiq <id> "plan my trip"        a new thread with a Sidekiq
 *   npm run chat -- --thread <id> "and on Sunday?"       continue a thread
 *   npm run chat -- --create-sidekiq "Pirate" --instructions "Talk like a pirate" "hi"
 *
 * Options: --url (default http://127.0.0.1:$GATEWAY_PORT or 8080), --user (default dev-user),
 * --token (default: signed with JWT_SECRET or npm start's default).
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { signToken } from '@sidekiq/shared';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string', default: `http://127.0.0.1:${process.env.GATEWAY_PORT ?? 8080}` },
    user: { type: 'string', default: 'dev-user' },
    token: { type: 'string' },
    sidekiq: { type: 'string' },
    thread: { type: 'string' },
    'create-sidekiq': { type: 'string' },
    instructions: { type: 'string', default: '' },
  },
});

async function main(): Promise<void> {
  const content = positionals.join(' ').trim();
  if (!content) throw new Error('usage: npm run chat -- [--sidekiq ID | --thread ID | --create-sidekiq NAME --instructions TEXT] "message"');
  const token = values.token ?? (await signToken(values.user!, process.env.JWT_SECRET || 'dev-secret-change-me-please', '1h'));
  let sidekiqId = values.sidekiq;
  if (values['create-sidekiq']) {
    const res = await fetch(new URL('/api/sidekiqs', values.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: values['create-sidekiq'], instructions: values.instructions }),
    });
    const body = (await res.json()) as { id?: string };
    if (res.status !== 201 || !body.id) throw new Error(`could not create the Sidekiq: ${res.status} ${JSON.stringify(body)}`);
    sidekiqId = body.id;
    process.stderr.write(`[created Sidekiq ${sidekiqId}]\n`);
  }

  const ws = new WebSocket(new URL('/ws', values.url.replace(/^http/, 'ws')), { headers: { authorization: `Bearer ${token}` } });
  const requestId = randomUUID();
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'chat.send', requestId, content, ...(values.thread ? { threadId: values.thread } : {}), ...(sidekiqId ? { sidekiqId } : {}) }));
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`connection refused: HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.requestId && frame.requestId !== requestId) return;
      switch (frame.type) {
        case 'chat.started':
          process.stderr.write(`[thread ${frame.threadId}${frame.sidekiq ? ` with ${frame.sidekiq.name}` : ''}]\n`);
          break;
        case 'chat.delta':
          process.stdout.write(frame.delta);
          break;
        case 'chat.done':
          process.stdout.write('\n');
          process.stderr.write(`[done: ${frame.finishReason}${frame.usage ? `, ${frame.usage.promptTokens} prompt + ${frame.usage.completionTokens} completion tokens` : ''}]\n`);
          ws.close();
          resolve();
          break;
        case 'chat.error':
        case 'error':
          ws.close();
          reject(new Error(`${frame.code}: ${frame.message}`));
          break;
      }
    });
  });
}

main().catch((err: Error) => {
  process.stderr.write(`chat: ${err.message}\n`);
  process.exit(1);
});
