import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A private RabbitMQ vhost for one test stack. Other engineers' tests share the local broker and
 * its well-known queue names (`chat.requests.v2`, `sidekiq.rpc.v1`, the event queues); without
 * isolation their services would consume our messages. Created with `rabbitmqctl` on the local
 * broker; where that is not possible (containers, no rabbitmqctl, STACK_VHOST=off) the stack
 * falls back to the URL's own vhost.
 */
export async function isolatedAmqpUrl(baseUrl: string): Promise<{ url: string; dispose(): Promise<void> }> {
  const shared = { url: baseUrl, dispose: async () => undefined };
  const parsed = new URL(baseUrl);
  if (process.env.STACK_VHOST === 'off' || !['127.0.0.1', 'localhost'].includes(parsed.hostname)) return shared;
  const vhost = `t_stack_${randomUUID().slice(0, 8)}`;
  try {
    await run('rabbitmqctl', ['add_vhost', vhost], { timeout: 15_000 });
    await run('rabbitmqctl', ['set_permissions', '-p', vhost, decodeURIComponent(parsed.username || 'guest'), '.*', '.*', '.*'], { timeout: 15_000 });
  } catch {
    return shared;
  }
  parsed.pathname = `/${encodeURIComponent(vhost)}`;
  return {
    url: parsed.toString(),
    dispose: async () => {
      await run('rabbitmqctl', ['delete_vhost', vhost], { timeout: 15_000 }).catch(() => undefined);
    },
  };
}
