import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { startStack, type Stack } from '../support/stack';
import { TEST_JWT_SECRET, eventually } from '../support/env';

/** Findings of a break-it review, kept fixed: floods, malformed paths, the error envelope, tokens. */
describe('abuse and edge input', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { CONTROL_RATE_PER_MIN: 60, CONTROL_RATE_BURST: 5 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers a malformed percent-escape in a path with 400, not 500', async () => {
    const user = `u-${randomUUID()}`;
    for (const [method, path] of [['GET', '/api/sidekiqs/abc%ZZ'], ['DELETE', '/api/sidekiqs/abc%ZZ'], ['GET', '/api/threads/abc%ZZ/messages'], ['PATCH', '/api/threads/abc%ZZ']] as const) {
      const res = await stack.api(user, method, path, method === 'PATCH' ? { pinned: true } : undefined);
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({ path, status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  it('puts code, message and details in every error body', async () => {
    const user = `u-${randomUUID()}`;
    const missing = await stack.api(user, 'GET', `/api/sidekiqs/${randomUUID()}`);
    expect(missing.body).toEqual({ error: { code: 'SIDEKIQ_NOT_FOUND', message: expect.any(String), details: null } });
    const noToken = await fetch(`${stack.gatewayUrl}/api/threads`);
    expect(await noToken.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String), details: null } });
  });

  it('refuses a correctly signed token that never expires', async () => {
    const forever = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('forever').sign(new TextEncoder().encode(TEST_JWT_SECRET));
    const res = await fetch(`${stack.gatewayUrl}/api/sidekiqs`, { headers: { authorization: `Bearer ${forever}` } });
    expect(res.status).toBe(401);
  });

  it('rate-limits chat.resume per user, so a flood cannot fill the shared chat queue', async () => {
    const client = await stack.connect(`u-${randomUUID()}`);
    const ids = Array.from({ length: 20 }, () => randomUUID());
    for (const requestId of ids) client.send({ type: 'chat.resume', requestId, offset: 0 });
    // The burst (5, and perhaps one refilled token) passes; the rest is refused at the gateway.
    const limited = () => client.frames.filter((f) => f.type === 'chat.error' && f.code === 'RATE_LIMITED').length;
    await eventually(async () => limited(), (n) => n >= 20 - 5 - 1, 5000, 'RATE_LIMITED for the excess');
    await new Promise((r) => setTimeout(r, 200));
    expect(limited()).toBeLessThanOrEqual(20 - 5);
    await client.close();
  });

  it('drops cancels for requests the user does not follow, and a cancel flood leaves chat answering', async () => {
    const flooder = await stack.connect(`u-${randomUUID()}`);
    for (let i = 0; i < 20_000; i++) flooder.send({ type: 'chat.cancel', requestId: randomUUID() });
    const other = await stack.connect(`u-${randomUUID()}`);
    const requestId = randomUUID();
    const t0 = Date.now();
    other.send({ type: 'chat.send', requestId, content: 'still here? [[tokens:3]]' });
    expect(await other.end(requestId, 10_000)).toMatchObject({ type: 'chat.done', finishReason: 'stop' });
    expect(Date.now() - t0).toBeLessThan(5000);
    // Nothing was answered to the made-up cancels, and the socket is still usable.
    flooder.send({ type: 'ping' });
    await flooder.waitFor((f) => f.type === 'pong', 10_000, 'pong');
    expect(flooder.frames.filter((f) => f.type !== 'pong')).toEqual([]);
    await Promise.all([flooder.close(), other.close()]);
  });
});
