import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { startStack, type Stack } from '../support/stack';
import { chatTurn, createSidekiq } from '../support/chat';
import { eventually } from '../support/env';

const root = path.resolve(__dirname, '../..');

/** SPEC's REST contract as clients see it: through the gateway, with real query strings. */
describe('the REST façade', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { REST_RATE_BURST: 30, REST_RATE_PER_MIN: 1, PROXY_TIMEOUT_MS: 1000 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers /healthz and /readyz on the gateway and on every service', async () => {
    const ports = { gateway: stack.gateways[0]!.port, chat: stack.chats[0]!.port, sidekiq: stack.sidekiq!.port, thread: stack.thread!.port };
    for (const [name, port] of Object.entries(ports)) {
      for (const route of ['healthz', 'readyz']) {
        const res = await fetch(`http://127.0.0.1:${port}/${route}`);
        expect({ name, route, status: res.status }).toEqual({ name, route, status: 200 });
      }
    }
  });

  it('filters the thread list by sidekiqId and archived, and PATCH answers the updated item', async () => {
    const user = `u-${randomUUID()}`;
    const a = await createSidekiq(stack, user, { name: 'Alpha' });
    const b = await createSidekiq(stack, user, { name: 'Beta' });
    const client = await stack.connect(user);
    const ta = (await chatTurn(client, { content: 'to alpha [[tokens:2]]', sidekiqId: a.id })).started.threadId;
    const tb = (await chatTurn(client, { content: 'to beta [[tokens:2]]', sidekiqId: b.id })).started.threadId;
    await client.close();
    await eventually(() => stack.api(user, 'GET', '/api/threads'), (r) => r.body.items?.length === 2, 10_000, 'both threads listed');

    const ofA = await stack.api(user, 'GET', `/api/threads?sidekiqId=${a.id}`);
    expect(ofA.body.items.map((t: { id: string }) => t.id)).toEqual([ta]);

    const patched = await stack.api(user, 'PATCH', `/api/threads/${ta}`, { archived: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: ta, archived: true, sidekiq: { id: a.id, name: 'Alpha' } });
    expect((await stack.api(user, 'GET', '/api/threads?archived=true')).body.items.map((t: { id: string }) => t.id)).toEqual([ta]);
    expect((await stack.api(user, 'GET', '/api/threads?archived=false')).body.items.map((t: { id: string }) => t.id)).toEqual([tb]);
  });

  it('names the body as the offending field of malformed JSON', async () => {
    const res = await fetch(`${stack.gatewayUrl}/api/sidekiqs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await stack.token(`u-${randomUUID()}`)}`, 'content-type': 'application/json' },
      body: '{"name": "half',
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; details: Array<{ field: string }> } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details[0]?.field).toBe('(body)');
  });

  it('answers 429 RATE_LIMITED past a user’s REST burst, and other users are unaffected', async () => {
    const user = `busy-${randomUUID()}`;
    const statuses: number[] = [];
    for (let i = 0; i < 33; i++) statuses.push((await stack.api(user, 'GET', '/api/sidekiqs')).status);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(200));
    expect(statuses.slice(30)).toEqual([429, 429, 429]);
    const limited = await stack.api(user, 'GET', '/api/sidekiqs');
    expect(limited.body.error.code).toBe('RATE_LIMITED');
    expect((await stack.api(`calm-${randomUUID()}`, 'GET', '/api/sidekiqs')).status).toBe(200);
  });

  it('answers 503 SERVICE_UNAVAILABLE within the bound when a service behind it is down', async () => {
    await stack.thread!.close();
    const t0 = Date.now();
    const res = await stack.api(`u-${randomUUID()}`, 'GET', '/api/threads');
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('configuration', () => {
  it.each(['gateway', 'chat', 'sidekiq', 'thread'])('%s exits at start with a message naming the bad variable', async (service) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'services', service, 'src', 'main.ts')], {
      cwd: root,
      env: { ...process.env, JWT_SECRET: 'short', LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toContain('JWT_SECRET');
  });
});
