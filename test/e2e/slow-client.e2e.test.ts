import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { startStack, type Stack } from '../support/stack';
import { modelRequest } from '../support/chat';
import { eventually } from '../support/env';

const STALLED_CLIENT = path.resolve(__dirname, '../support/stalled-ws-client.py');

/** A client that stops reading gets a bounded buffer, then close 4008, and nobody else slows down. */
describe('a slow client', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ gatewayEnv: { WS_MAX_BUFFERED_BYTES: 64 * 1024 }, chatEnv: { DETACH_GRACE_MS: 300 } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('gets a bounded buffer, then close 4008, while another user’s stream on the same gateway is unaffected', async () => {
    const gateway = stack.gateways[0]!;
    const slowId = randomUUID();
    const frame = JSON.stringify({ type: 'chat.send', requestId: slowId, content: 'flood [[tokens:1000000]] [[rate:0]]' });
    // Stops reading until told, then reads what it can and reports the close code.
    const child = spawn('python3', [STALLED_CLIENT, String(gateway.port), await stack.token(`slow-${randomUUID()}`), frame], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

    const other = await stack.connect(`fast-${randomUUID()}`);
    const flooding = () => stack.model.log.entries.some((e) => JSON.stringify(e.body?.messages ?? '').includes('flood'));
    await eventually(async () => flooding(), Boolean, 10_000, 'the flood to start');
    const otherId = randomUUID();
    other.send({ type: 'chat.send', requestId: otherId, content: 'steady [[tokens:40]] [[rate:200]]' });
    expect(await other.end(otherId, 10_000)).toMatchObject({ type: 'chat.done', finishReason: 'stop' });
    expect(other.textOf(otherId)).toBe(modelRequest(stack, 'steady').sentText);

    // The gateway gives up on the slow socket once its own buffer passes the bound (after the
    // kernel's few megabytes) and stops routing frames to it: the turn is detached.
    // How soon depends on how fast this machine pushes the flood through; the bound is generous.
    await eventually(async () => gateway.sessions.socketCount, (n) => n === 1, 180_000, 'the gateway to give up on the slow socket');

    // When the client reads again it finds what was buffered, then the close frame: 4008.
    child.stdin.end('read\n');
    await exited;
    expect(out).toContain('close 4008');
    // What reached the client is bounded: far less than the flood the model produced.
    const read = Number(/read (\d+)/.exec(out)?.[1]);
    const flood = modelRequest(stack, 'flood').sentText.length;
    expect(read).toBeLessThan(flood);
    expect(other.closeCode).toBeUndefined();
    await other.close();
  }, 240_000);
});
