import { Socket } from 'node:net';

/**
 * Tests run against real servers. Where a container runtime answers (and no AMQP_URL/MONGO_URL
 * are given), testcontainers starts RabbitMQ and MongoDB (as a replica set). Otherwise the
 * servers named by AMQP_URL/MONGO_URL are used: `scripts/test.sh` starts Debian's RabbitMQ and
 * FerretDB for that.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.AMQP_URL && !process.env.MONGO_URL && (await containerRuntimeAnswers())) {
    const { RabbitMQContainer } = await import('@testcontainers/rabbitmq');
    const { MongoDBContainer } = await import('@testcontainers/mongodb');
    const [rabbit, mongo] = await Promise.all([new RabbitMQContainer('rabbitmq:3.13-management').start(), new MongoDBContainer('mongo:7').start()]);
    process.env.AMQP_URL = rabbit.getAmqpUrl();
    process.env.MONGO_URL = `${mongo.getConnectionString()}?directConnection=true`;
    (globalThis as Record<string, unknown>).__containers = [rabbit, mongo];
  }
  process.env.AMQP_URL ??= 'amqp://guest:guest@127.0.0.1:5672';
  process.env.MONGO_URL ??= 'mongodb://127.0.0.1:27017';
  await Promise.all([reachable(process.env.AMQP_URL, 5672), reachable(process.env.MONGO_URL, 27017)]);
}

async function containerRuntimeAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([getContainerRuntimeClient(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000))]);
    return true;
  } catch {
    return false;
  }
}

async function reachable(url: string, defaultPort: number): Promise<void> {
  const parsed = new URL(url.replace(/^mongodb(\+srv)?:/, 'http:').replace(/^amqps?:/, 'http:'));
  const host = parsed.hostname;
  const port = Number(parsed.port || defaultPort);
  await new Promise<void>((resolve, reject) => {
    const socket = new Socket();
    socket.setTimeout(3000);
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    const fail = () => {
      socket.destroy();
      reject(new Error(`Nothing answers at ${host}:${port} (${url}). Start the infrastructure with \`bash scripts/infra/up.sh\` or run \`npm test\`.`));
    };
    socket.once('error', fail);
    socket.once('timeout', fail);
    socket.connect(port, host);
  });
}
