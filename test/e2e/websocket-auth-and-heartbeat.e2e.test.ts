import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { startStack, type Stack } from '../support/stack';
import { TestClient } from '../support/ws-client';
import { TEST_JWT_SECRET, eventually } from '../support/env';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const hs256 = (secret: string, exp: number) =>
  new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));

/** The upgrade is refused with 401 before any frame; a socket that stops answering pings is reaped. */
describe('WebSocket authentication and heartbeat', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { WS_PING_MS: 150 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const now = () => Math.floor(Date.now() / 1000);
  const badTokens: Array<[string, () => Promise<string | undefined>]> = [
    ['a missing token', async () => undefined],
    ['an expired token', () => hs256(TEST_JWT_SECRET, now() - 60)],
    ['a token signed with another secret', () => hs256('another-secret-0123456789abcdef', now() + 600)],
    ['an alg:none token', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', exp: now() + 600 })}.`],
    ['a garbage token', async () => 'not.a.jwt'],
  ];

  describe.each(['header', 'query'] as const)('with the token in the %s', (via) => {
    it.each(badTokens)('%s is refused with 401 on the upgrade', async (_what, make) => {
      await expect(TestClient.connect(stack.gatewayUrl, await make(), via)).rejects.toThrow('upgrade refused: 401');
    });

    it('a valid token opens the socket as its subject', async () => {
      const client = await TestClient.connect(stack.gatewayUrl, await stack.token(`u-${randomUUID()}`), via);
      client.send({ type: 'ping' });
      await client.waitFor((f) => f.type === 'pong', 5000, 'pong');
      await client.close();
    });
  });

  it('a socket that answers pings stays open over many ping intervals', async () => {
    const client = await stack.connect(`u-${randomUUID()}`);
    await new Promise((r) => setTimeout(r, 1000));
    expect(client.closeCode).toBeUndefined();
    client.send({ type: 'ping' });
    await client.waitFor((f) => f.type === 'pong', 5000, 'pong');
    await client.close();
  });

  it('a dead socket (no pongs) is reaped by the gateway', async () => {
    const gateway = stack.gateways[0]!;
    await eventually(async () => gateway.sessions.socketCount, (n) => n === 0, 5000, 'no sockets left from earlier tests');
    const client = await stack.connect(`u-${randomUUID()}`);
    expect(gateway.sessions.socketCount).toBe(1);
    // The peer stops reading: pings go unanswered, as with a vanished laptop.
    (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await eventually(async () => gateway.sessions.socketCount, (n) => n === 0, 3000, 'the dead socket reaped');
  });
});
