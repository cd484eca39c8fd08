/**
 * `npm run bench [-- --quick]`: the full system (four services as separate processes, RabbitMQ,
 * FerretDB) side by side with the single-process baseline (bench/baseline/server.ts), both in
 * front of the same dev model server running in its own process.
 *
 * Options: --quick | --steps=1,100,500 | --targets=system,baseline | --measure=SECONDS
 *          --rate=TOKENS_PER_S | --tokens=PER_TURN | --profile (node --cpu-prof on gateway, chat,
 *          baseline) | --no-rest (skip the thread-list measurements) | --label=TEXT
 * Writes bench/results/<timestamp>.json and prints Markdown tables.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import amqp from 'amqplib';
import { MongoClient } from 'mongodb';
import { signToken } from '@sidekiq/shared';
import { ROOT, alive, cpuSeconds, machineBusySeconds, startBinary, waitTcp, ferretPid, findPid, sleep, startNode, stopProc, waitReady, type Proc } from './lib/procs';
import { DirectModelClient, WsChatClient, tokenLateness, type TurnRecord } from './lib/load';
import { fmt, summarize, type Summary } from './lib/stats';

// ---- options ---------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const QUICK = flag('quick');
const RATE = Number(opt('rate') ?? 30);
/** Tokens per answer: ~300 is a typical chat answer (≈ 10 s at 30 tokens/s). */
const TOKENS = Number(opt('tokens') ?? (QUICK ? 150 : 300));
const PERIOD = 1000 / RATE;
const TURN_MS = (TOKENS / RATE) * 1000;
const STEPS = (opt('steps') ?? (QUICK ? '1,100,500,1000' : '1,100,250,500,750,1000,1500,2000')).split(',').map(Number);
const TARGETS = (opt('targets') ?? 'system,baseline').split(',') as Target[];
const MEASURE_MS = Number(opt('measure') ?? (QUICK ? 6 : 12)) * 1000;
const TTFT_SAMPLES = Number(opt('ttft-samples') ?? (QUICK ? 20 : 50));
const RAMP_MS = TURN_MS;
const PROFILE = flag('profile');
const REST = !flag('no-rest');
const LABEL = opt('label') ?? '';
const ITL_LIMIT_MS = 50;
/** A step "breaks" past this: more errors, or tokens this late. Higher steps are not tried. */
const BREAK_ERROR_RATE = 0.05;
const BREAK_ITL_P99_MS = 1000;
const MAX_STEP_WALL_MS = MEASURE_MS + RAMP_MS + TURN_MS + 60_000;

type Target = 'system' | 'baseline';

const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 18080);
const PORTS = { gateway: PORT_BASE, sidekiq: PORT_BASE + 1, thread: PORT_BASE + 2, chat: PORT_BASE + 3, model: PORT_BASE + 10, baseline: PORT_BASE + 20 };
const RUN_ID = new Date().toISOString().replace(/[:.]/g, '-');
const DB_PREFIX = `bench_${Date.now().toString(36)}`;
const DBS = { sidekiq: `${DB_PREFIX}_sk`, thread: `${DB_PREFIX}_th`, chat: `${DB_PREFIX}_chat` };
const JWT_SECRET = 'bench-secret-0123456789abcdef';
const AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/bench';
/**
 * The database: by default a FerretDB of the bench's own (same binary as scripts/infra/up.sh
 * builds, fresh data directory, port PORT_BASE+30), so other users of the shared one (test
 * suites, a dev stack) neither slow the bench down nor get slowed down by it.
 * --shared-db uses MONGO_URL (or the default local server) instead.
 */
const PRIVATE_DB = !flag('shared-db') && existsSync(join(ROOT, '.data', 'bin', 'ferretdb'));
const MONGO_URL = PRIVATE_DB ? `mongodb://127.0.0.1:${PORT_BASE + 30}` : (process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017');
/** Where the four services' sources are taken from: another checkout (a worktree of an older commit) to measure a before/after. */
const SYSTEM_ROOT = process.env.BENCH_SYSTEM_ROOT ?? ROOT;
const LOG_DIR = join(ROOT, '.data', 'logs', `bench-${RUN_ID}`);
const PROFILE_DIR = join(ROOT, 'bench', 'profiles', RUN_ID);

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// ---- processes -------------------------------------------------------------------------------

const procs: Record<string, Proc> = {};
let ferretDir: string | undefined;

async function startAll(): Promise<void> {
  const profArgs = (name: string) => (PROFILE ? [`--cpu-prof`, `--cpu-prof-dir=${join(PROFILE_DIR, name)}`] : []);
  const modelUrl = `http://127.0.0.1:${PORTS.model}/v1`;
  if (PRIVATE_DB) {
    const bin = join(ROOT, '.data', 'bin', 'ferretdb');
    const dir = join(ROOT, '.data', `bench-ferretdb-${RUN_ID}`);
    mkdirSync(dir, { recursive: true });
    procs.ferretdb = startBinary('ferretdb', bin, ['-listen', `127.0.0.1:${PORT_BASE + 30}`, '-dir', dir], LOG_DIR);
    ferretDir = dir;
    await waitTcp(procs.ferretdb, PORT_BASE + 30);
  }
  procs.model = startNode('model-server', 'dev/model-server/src/main.ts', {
    MODEL_SERVER_PORT: String(PORTS.model), MODEL_TOKENS_PER_SECOND: String(RATE), MODEL_DEFAULT_TOKENS: String(TOKENS),
  }, LOG_DIR);
  await waitReady(procs.model, `http://127.0.0.1:${PORTS.model}/healthz`);

  const common = {
    AMQP_URL, MONGO_URL, JWT_SECRET, OPENAI_BASE_URL: modelUrl, OPENAI_API_KEY: 'bench', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
  };
  if (TARGETS.includes('system')) {
    procs.sidekiq = startNode('sidekiq', join(SYSTEM_ROOT, 'services/sidekiq/src/main.ts'), { ...common, SIDEKIQ_PORT: String(PORTS.sidekiq), SIDEKIQ_DB: DBS.sidekiq }, LOG_DIR);
    procs.thread = startNode('thread', join(SYSTEM_ROOT, 'services/thread/src/main.ts'), { ...common, THREAD_PORT: String(PORTS.thread), THREAD_DB: DBS.thread }, LOG_DIR);
    procs.chat = startNode('chat', join(SYSTEM_ROOT, 'services/chat/src/main.ts'), { ...common, CHAT_PORT: String(PORTS.chat), CHAT_DB: DBS.chat }, LOG_DIR, profArgs('chat'));
    procs.gateway = startNode('gateway', join(SYSTEM_ROOT, 'services/gateway/src/main.ts'), {
      ...common, GATEWAY_PORT: String(PORTS.gateway),
      SIDEKIQ_URL: `http://127.0.0.1:${PORTS.sidekiq}`, THREAD_URL: `http://127.0.0.1:${PORTS.thread}`, CHAT_URL: `http://127.0.0.1:${PORTS.chat}`,
      // Many users each at a human pace in reality; the bench raises the per-user limits instead of
      // inventing thousands of extra users for the REST part.
      CHAT_RATE_PER_MIN: '100000', CHAT_RATE_BURST: '100000', REST_RATE_PER_MIN: '1000000', REST_RATE_BURST: '1000000',
    }, LOG_DIR, profArgs('gateway'));
    for (const name of ['sidekiq', 'thread', 'chat', 'gateway'] as const) await waitReady(procs[name], `http://127.0.0.1:${PORTS[name]}/readyz`, 90_000);
  }
  if (TARGETS.includes('baseline')) {
    procs.baseline = startNode('baseline', 'bench/baseline/server.ts', { BASELINE_PORT: String(PORTS.baseline), JWT_SECRET, OPENAI_BASE_URL: modelUrl, OPENAI_API_KEY: 'bench' }, LOG_DIR, profArgs('baseline'));
    await waitReady(procs.baseline, `http://127.0.0.1:${PORTS.baseline}/healthz`);
  }
  const beam = findPid('beam.smp');
  if (beam) procs.rabbitmq = { name: 'rabbitmq', pid: beam, external: true };
  const ferret = PRIVATE_DB ? undefined : ferretPid();
  if (ferret) procs.ferretdb = { name: 'ferretdb', pid: ferret, external: true };
}

async function stopAll(): Promise<void> {
  await Promise.all(Object.values(procs).map((p) => stopProc(p)));
}

function cpuSnapshot(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, p] of Object.entries(procs)) out[name] = cpuSeconds(p.pid);
  const u = process.cpuUsage();
  out.loadgen = (u.user + u.system) / 1e6;
  out.machine = machineBusySeconds();
  return out;
}

// ---- users -----------------------------------------------------------------------------------

const tokens = new Map<string, string>();
async function tokenOf(userId: string): Promise<string> {
  let t = tokens.get(userId);
  if (!t) tokens.set(userId, (t = await signToken(userId, JWT_SECRET, '6h')));
  return t;
}
const userId = (i: number) => `bench-u${i}`;
const sidekiqOf = new Map<string, string>();

async function api(user: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${PORTS.gateway}${path}`, {
    method,
    headers: { authorization: `Bearer ${await tokenOf(user)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Each system user gets one Sidekiq (instructions are resolved over RPC on every turn). */
async function ensureSidekiqs(n: number): Promise<void> {
  const todo: number[] = [];
  for (let i = 0; i < n; i++) if (!sidekiqOf.has(userId(i))) todo.push(i);
  if (todo.length === 0) return;
  const t = Date.now();
  await pool(todo, 16, async (i) => {
    const res = await api(userId(i), 'POST', '/api/sidekiqs', { name: `Bench ${i}`, instructions: 'You are a terse benchmark assistant.', description: 'bench' });
    if (res.status !== 201) throw new Error(`create sidekiq: ${res.status} ${JSON.stringify(res.body)}`);
    sidekiqOf.set(userId(i), res.body.id);
  });
  log(`created ${todo.length} sidekiqs in ${Date.now() - t}ms`);
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

// ---- one load step ---------------------------------------------------------------------------

interface StepResult {
  target: Target;
  streams: number;
  connectFailures: number;
  turns: { total: number; ok: number; failed: number; errors: Record<string, number> };
  contiguityErrors: number;
  tokensInWindow: number;
  tokensPerSecond: number;
  ttftMs: Summary;
  addedTtftMs: Summary;
  itlLatenessMs: Summary;
  model: { probes: number; ttftMs: Summary; itlLatenessMs: Summary };
  cpuSeconds: Record<string, number>;
  cpuSecondsPer1kTokens: Record<string, number>;
  broken: boolean;
  wallMs: number;
}

const content = () => `bench ${randomUUID().slice(0, 8)} [[tokens:${TOKENS}]] [[rate:${RATE}]]`;

async function runStep(target: Target, n: number): Promise<StepResult> {
  const stepStart = Date.now();
  if (target === 'system') await ensureSidekiqs(n);
  const url = target === 'system' ? `ws://127.0.0.1:${PORTS.gateway}/ws` : `ws://127.0.0.1:${PORTS.baseline}/ws`;
  const clients: WsChatClient[] = [];
  for (let i = 0; i < n; i++) {
    const u = userId(i);
    clients.push(new WsChatClient(url, await tokenOf(u), target === 'system' ? sidekiqOf.get(u) : undefined, target === 'system'));
  }
  let connectFailures = 0;
  await pool(clients, 100, async (c) => {
    await c.connect().catch(() => void connectFailures++);
  });
  const probes = Array.from({ length: Math.min(20, Math.max(1, Math.round(n / 25))) }, () => new DirectModelClient(`http://127.0.0.1:${PORTS.model}/v1`));

  const t0 = performance.now() + 200;
  const windowStart = t0 + RAMP_MS;
  const windowEnd = windowStart + MEASURE_MS;
  const turnTimeout = TURN_MS + 20_000;
  const wsTurns: TurnRecord[] = [];
  const probeTurns: TurnRecord[] = [];

  const loop = async <C extends { turn(c: string, t: number): Promise<TurnRecord> }>(client: C, startAt: number, into: TurnRecord[]) => {
    await sleep(Math.max(0, startAt - performance.now()));
    while (performance.now() < windowEnd) {
      if ((client as { closed?: boolean }).closed) return;
      into.push(await client.turn(content(), turnTimeout));
    }
  };
  let cpuBefore: Record<string, number> = {};
  let cpuAfter: Record<string, number> = {};
  const cpuTimers = [
    setTimeout(() => (cpuBefore = cpuSnapshot()), windowStart - performance.now()),
    setTimeout(() => (cpuAfter = cpuSnapshot()), windowEnd - performance.now()),
  ];
  const all = [
    ...clients.map((c, i) => loop(c, t0 + (i * RAMP_MS) / n, wsTurns)),
    ...probes.map((p, i) => loop(p, t0 + ((i + 0.5) * RAMP_MS) / probes.length, probeTurns)),
  ];
  const wall = sleep(MAX_STEP_WALL_MS).then(() => 'wall');
  const outcome = await Promise.race([Promise.all(all).then(() => 'done'), wall]);
  if (outcome === 'wall') log(`step ${target}@${n}: wall-clock bound hit; closing`);
  cpuTimers.forEach(clearTimeout);
  for (const c of clients) c.close();

  // Samples: TTFT of turns sent inside the window; lateness of tokens that arrived inside it.
  const inWindow = (t: number) => t >= windowStart && t < windowEnd;
  const ttft = (turns: TurnRecord[]) => turns.filter((t) => inWindow(t.sentAt) && t.firstAt !== undefined).map((t) => t.firstAt! - t.sentAt);
  const lateness = (turns: TurnRecord[]) => {
    const out: number[] = [];
    for (const t of turns) {
      const l = tokenLateness(t.arrivals, PERIOD);
      for (let i = 0; i < l.length; i++) if (inWindow(t.arrivals[i]!)) out.push(l[i]!);
    }
    return out;
  };
  const tokensInWindow = wsTurns.reduce((s, t) => s + t.arrivals.filter(inWindow).length, 0);
  const modelTtft = summarize(ttft(probeTurns));
  const wsTtft = ttft(wsTurns);
  const errors: Record<string, number> = {};
  const counted = wsTurns.filter((t) => inWindow(t.sentAt) || (t.firstAt !== undefined && inWindow(t.firstAt)));
  for (const t of counted) if (!t.ok) errors[t.error ?? 'unknown'] = (errors[t.error ?? 'unknown'] ?? 0) + 1;
  const failed = counted.filter((t) => !t.ok).length + connectFailures;
  const cpu: Record<string, number> = {};
  const per1k: Record<string, number> = {};
  for (const k of Object.keys(cpuAfter)) {
    cpu[k] = Math.round((cpuAfter[k]! - (cpuBefore[k] ?? NaN)) * 1000) / 1000;
    per1k[k] = tokensInWindow > 0 ? Math.round((cpu[k]! / (tokensInWindow / 1000)) * 10000) / 10000 : NaN;
  }
  const itl = summarize(lateness(wsTurns));
  const total = counted.length + connectFailures;
  const result: StepResult = {
    target,
    streams: n,
    connectFailures,
    turns: { total, ok: total - failed, failed, errors },
    contiguityErrors: wsTurns.reduce((s, t) => s + t.contiguityErrors, 0),
    tokensInWindow,
    tokensPerSecond: Math.round(tokensInWindow / (MEASURE_MS / 1000)),
    ttftMs: summarize(wsTtft),
    addedTtftMs: summarize(wsTtft.map((x) => x - (modelTtft.p50 ?? 0))),
    itlLatenessMs: itl,
    model: { probes: probes.length, ttftMs: modelTtft, itlLatenessMs: summarize(lateness(probeTurns)) },
    cpuSeconds: cpu,
    cpuSecondsPer1kTokens: per1k,
    broken: false,
    wallMs: Date.now() - stepStart,
  };
  const expectedTokens = n * RATE * (MEASURE_MS / 1000);
  result.broken =
    total === 0 || failed / total > BREAK_ERROR_RATE || (itl.p99 ?? Infinity) > BREAK_ITL_P99_MS || tokensInWindow < 0.7 * expectedTokens || outcome === 'wall';
  return result;
}

// ---- TTFT with one stream: many short turns, each next to a direct probe of the model ----------

async function ttftIdle(target: Target, samples: number): Promise<{ samples: number; ttftMs: Summary; modelTtftMs: Summary; addedTtftMs: Summary; failed: number }> {
  if (target === 'system') await ensureSidekiqs(1);
  const u = userId(0);
  const url = target === 'system' ? `ws://127.0.0.1:${PORTS.gateway}/ws` : `ws://127.0.0.1:${PORTS.baseline}/ws`;
  const client = new WsChatClient(url, await tokenOf(u), target === 'system' ? sidekiqOf.get(u) : undefined, target === 'system');
  await client.connect();
  const direct = new DirectModelClient(`http://127.0.0.1:${PORTS.model}/v1`);
  const ws: number[] = [];
  const model: number[] = [];
  let failed = 0;
  for (let i = 0; i < samples + 3; i++) {
    const d = await direct.turn(`probe ${i} [[tokens:3]] [[rate:${RATE}]]`, 10_000);
    const t = await client.turn(`ttft ${i} [[tokens:3]] [[rate:${RATE}]]`, 15_000);
    if (i < 3) continue; // warm-up: connections, JIT
    if (d.firstAt !== undefined) model.push(d.firstAt - d.sentAt);
    if (t.ok && t.firstAt !== undefined) ws.push(t.firstAt - t.sentAt);
    else failed++;
    await sleep(50);
  }
  client.close();
  const m = summarize(model);
  return { samples, ttftMs: summarize(ws), modelTtftMs: m, addedTtftMs: summarize(ws.map((x) => x - (m.p50 ?? 0))), failed };
}

// ---- thread list: ThreadCreated → visible, and GET latency --------------------------------------

async function threadLag(samples: number): Promise<{ eventToVisibleMs: Summary; startedToVisibleMs: Summary; missing: number }> {
  const user = 'bench-lag';
  const { body: sk } = await api(user, 'POST', '/api/sidekiqs', { name: 'Lag', instructions: 'x' });
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
  await ch.bindQueue(queue, 'sidekiq.events', 'thread.created.#');
  const seen = new Map<string, number>();
  await ch.consume(queue, (msg) => {
    if (!msg) return;
    try {
      const e = JSON.parse(msg.content.toString());
      if (e?.data?.threadId) seen.set(e.data.threadId, performance.now());
    } catch {
      /* ignore */
    }
  }, { noAck: true });
  const client = new WsChatClient(`ws://127.0.0.1:${PORTS.gateway}/ws`, await tokenOf(user), sk.id, false);
  await client.connect();
  const e2v: number[] = [];
  const s2v: number[] = [];
  let missing = 0;
  for (let i = 0; i < samples; i++) {
    const rec = await client.turn(`lag ${i} [[tokens:2]] [[rate:0]]`, 15_000);
    const threadId = rec.threadId;
    if (!threadId || rec.startedAt === undefined) {
      missing++;
      continue;
    }
    const deadline = performance.now() + 15_000;
    let visibleAt: number | undefined;
    while (performance.now() < deadline) {
      const res = await api(user, 'GET', '/api/threads?limit=5');
      if (res.status === 200 && res.body.items.some((t: { id: string }) => t.id === threadId)) {
        visibleAt = performance.now();
        break;
      }
      await sleep(5);
    }
    const eventAt = seen.get(threadId);
    if (visibleAt === undefined || eventAt === undefined) {
      missing++;
      continue;
    }
    e2v.push(Math.max(0, visibleAt - eventAt));
    s2v.push(visibleAt - rec.startedAt);
  }
  client.close();
  await conn.close();
  return { eventToVisibleMs: summarize(e2v), startedToVisibleMs: summarize(s2v), missing };
}

async function listLatency(ratePerS: number, seconds: number, users: number): Promise<{ ratePerS: number; seconds: number; users: number; latencyMs: Summary; errors: number; errorsBy: Record<string, number>; threadsPerUser: number }> {
  const ids = Array.from({ length: users }, (_, i) => userId(i));
  for (const u of ids) await tokenOf(u);
  const probe = await api(ids[0]!, 'GET', '/api/threads?limit=100');
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  const total = ratePerS * seconds;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const at = start + (i * 1000) / ratePerS;
    await sleep(Math.max(0, at - performance.now()));
    const u = ids[i % ids.length]!;
    inflight.push(
      (async () => {
        const t = performance.now();
        try {
          const res = await fetch(`http://127.0.0.1:${PORTS.gateway}/api/threads?limit=20`, { headers: { authorization: `Bearer ${tokens.get(u)}` }, signal: AbortSignal.timeout(10_000) });
          await res.arrayBuffer();
          if (res.status !== 200) {
            errors++;
            statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          } else latencies.push(performance.now() - t);
        } catch (err) {
          errors++;
          statuses[String((err as Error).name)] = (statuses[String((err as Error).name)] ?? 0) + 1;
        }
      })(),
    );
  }
  await Promise.all(inflight);
  return { ratePerS, seconds, users, latencyMs: summarize(latencies), errors, errorsBy: statuses, threadsPerUser: probe.body?.items?.length ?? 0 };
}

// ---- report ----------------------------------------------------------------------------------

function report(results: StepResult[], extra: Record<string, unknown>): string {
  const lines: string[] = [];
  const by = (t: Target, n: number) => results.find((r) => r.target === t && r.streams === n);
  const maxOk = (t: Target) => {
    let best = 0;
    for (const r of results.filter((x) => x.target === t).sort((a, b) => a.streams - b.streams)) {
      if (!r.broken && r.turns.failed === 0 && (r.itlLatenessMs.p99 ?? Infinity) < ITL_LIMIT_MS) best = r.streams;
    }
    return best;
  };
  lines.push(`### Streams at ${RATE} tokens/s, ${TOKENS} tokens per turn (measure window ${MEASURE_MS / 1000}s per step)`, '');
  lines.push('| target | streams | turns ok/total | tokens/s | added TTFT p50 / p99 (ms) | added inter-token p50 / p99 (ms) | model alone: TTFT p50 · inter-token p99 (ms) | broke |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of results) {
    lines.push(
      `| ${r.target} | ${r.streams} | ${r.turns.ok}/${r.turns.total}${r.contiguityErrors ? ` (${r.contiguityErrors} gaps!)` : ''} | ${r.tokensPerSecond} | ${fmt(r.addedTtftMs.p50)} / ${fmt(r.addedTtftMs.p99)} | ${fmt(r.itlLatenessMs.p50)} / ${fmt(r.itlLatenessMs.p99)} | ${fmt(r.model.ttftMs.p50)} · ${fmt(r.model.itlLatenessMs.p99)} | ${r.broken ? 'yes' : ''} |`,
    );
  }
  lines.push('', `### Summary`, '', '| figure | system | baseline |', '| --- | ---: | ---: |');
  const idle = extra.ttftOneStream as Record<string, Awaited<ReturnType<typeof ttftIdle>>> | undefined;
  if (idle) {
    const cell = (t: Target) => (idle[t] ? `${fmt(idle[t]!.addedTtftMs.p50)} / ${fmt(idle[t]!.addedTtftMs.p99)} (n=${idle[t]!.addedTtftMs.n})` : '–');
    lines.push(`| added TTFT p50 / p99, one stream, short turns back to back (ms) | ${cell('system')} | ${cell('baseline')} |`);
  }
  for (const n of [1, 100, 500, 1000]) {
    const s = by('system', n);
    const b = by('baseline', n);
    if (!s && !b) continue;
    lines.push(`| added TTFT p50 / p99 @${n} (ms) | ${s ? `${fmt(s.addedTtftMs.p50)} / ${fmt(s.addedTtftMs.p99)}` : '–'} | ${b ? `${fmt(b.addedTtftMs.p50)} / ${fmt(b.addedTtftMs.p99)}` : '–'} |`);
    lines.push(`| added inter-token p50 / p99 @${n} (ms) | ${s ? `${fmt(s.itlLatenessMs.p50)} / ${fmt(s.itlLatenessMs.p99)}` : '–'} | ${b ? `${fmt(b.itlLatenessMs.p50)} / ${fmt(b.itlLatenessMs.p99)}` : '–'} |`);
  }
  lines.push(`| max streams @${RATE} tok/s with inter-token p99 < ${ITL_LIMIT_MS} ms (steps tried: ${STEPS.join(', ')}) | ${TARGETS.includes('system') ? maxOk('system') : '–'} | ${TARGETS.includes('baseline') ? maxOk('baseline') : '–'} |`);
  // CPU per 1k tokens at the largest step both completed unbroken (else the largest common one).
  const common = STEPS.filter((n) => by('system', n) && by('baseline', n));
  // The largest step both targets ran (per-1k figures use the tokens actually delivered, so a
  // step that broke still counts what it carried).
  const ref = common[common.length - 1] ?? STEPS[0]!;
  const names = ['gateway', 'chat', 'sidekiq', 'thread', 'rabbitmq', 'ferretdb', 'baseline', 'model', 'loadgen'];
  lines.push('', `### CPU seconds per 1,000 streamed tokens, per process (at ${ref} streams)`, '', '| process | system | baseline |', '| --- | ---: | ---: |');
  let sumS = 0;
  let sumB = 0;
  for (const name of names) {
    const s = by('system', ref)?.cpuSecondsPer1kTokens[name];
    const b = by('baseline', ref)?.cpuSecondsPer1kTokens[name];
    const inS = ['gateway', 'chat', 'sidekiq', 'thread', 'rabbitmq', 'ferretdb', 'model'].includes(name);
    const inB = ['baseline', 'model'].includes(name);
    if (inS && s !== undefined && !Number.isNaN(s)) sumS += s;
    if (inB && b !== undefined && !Number.isNaN(b)) sumB += b;
    lines.push(`| ${name} | ${inS || name === 'loadgen' ? fmt(s, 4) : '–'} | ${inB || name === 'loadgen' ? fmt(b, 4) : '–'} |`);
  }
  lines.push(`| **total (without loadgen)** | ${fmt(sumS, 4)} | ${fmt(sumB, 4)} |`);
  lines.push(`| whole machine, every process (other sessions included) | ${fmt(by('system', ref)?.cpuSecondsPer1kTokens.machine, 4)} | ${fmt(by('baseline', ref)?.cpuSecondsPer1kTokens.machine, 4)} |`);
  const lag = extra.threadLag as Awaited<ReturnType<typeof threadLag>> | undefined;
  const list = extra.listLatency as Awaited<ReturnType<typeof listLatency>> | undefined;
  if (lag || list) {
    lines.push('', '### Thread list (system only; the baseline has none)', '', '| figure | p50 | p99 | max | n |', '| --- | ---: | ---: | ---: | ---: |');
    if (lag) {
      lines.push(`| ThreadCreated (seen on the bus) → visible in GET /api/threads (ms) | ${fmt(lag.eventToVisibleMs.p50)} | ${fmt(lag.eventToVisibleMs.p99)} | ${fmt(lag.eventToVisibleMs.max)} | ${lag.eventToVisibleMs.n} |`);
      lines.push(`| chat.started → visible in GET /api/threads (ms) | ${fmt(lag.startedToVisibleMs.p50)} | ${fmt(lag.startedToVisibleMs.p99)} | ${fmt(lag.startedToVisibleMs.max)} | ${lag.startedToVisibleMs.n} |`);
    }
    if (list) {
      lines.push(`| GET /api/threads?limit=20 at ${list.ratePerS} req/s for ${list.seconds}s, ${list.users} users (ms; ${list.errors} errors ${JSON.stringify(list.errorsBy)}; ${list.threadsPerUser} threads for the first user) | ${fmt(list.latencyMs.p50)} | ${fmt(list.latencyMs.p99)} | ${fmt(list.latencyMs.max)} | ${list.latencyMs.n} |`);
    }
  }
  return lines.join('\n');
}

// ---- main ------------------------------------------------------------------------------------

async function dropDatabases(): Promise<void> {
  const client = new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 3000 });
  try {
    await client.connect();
    for (const db of Object.values(DBS)) await client.db(db).dropDatabase().catch(() => undefined);
  } catch (err) {
    log(`could not drop bench databases: ${(err as Error).message}`);
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const began = Date.now();
  log(`run ${RUN_ID}: ${QUICK ? 'quick' : 'full'}; steps ${STEPS.join(',')}; targets ${TARGETS.join(',')}; logs in ${LOG_DIR}`);
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('interrupted: stopping what the bench started');
    void stopAll().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const results: StepResult[] = [];
  const extra: Record<string, unknown> = {};
  try {
    await startAll();
    log(`started: ${Object.values(procs).map((p) => `${p.name}=${p.pid}`).join(' ')}`);
    const ttft: Record<string, unknown> = {};
    for (const target of TARGETS) {
      log(`${target}: TTFT with one stream (${TTFT_SAMPLES} short turns)…`);
      const r = await ttftIdle(target, TTFT_SAMPLES);
      ttft[target] = r;
      log(`${target}: added TTFT p50 ${fmt(r.addedTtftMs.p50)} p99 ${fmt(r.addedTtftMs.p99)} (model alone p50 ${fmt(r.modelTtftMs.p50)})`);
    }
    extra.ttftOneStream = ttft;
    for (const target of TARGETS) {
      for (const n of STEPS) {
        if (interrupted) break;
        log(`${target} @ ${n} streams…`);
        const r = await runStep(target, n);
        results.push(r);
        log(
          `${target} @ ${n}: ok ${r.turns.ok}/${r.turns.total} ${r.tokensPerSecond} tok/s, added TTFT p50 ${fmt(r.addedTtftMs.p50)} p99 ${fmt(r.addedTtftMs.p99)}, ITL p50 ${fmt(r.itlLatenessMs.p50)} p99 ${fmt(r.itlLatenessMs.p99)} (model ${fmt(r.model.itlLatenessMs.p99)}), errors ${JSON.stringify(r.turns.errors)}${r.broken ? ' BROKE' : ''}`,
        );
        const dead = Object.values(procs).filter((p) => !alive(p.pid));
        if (dead.length) throw new Error(`process(es) died: ${dead.map((p) => p.name).join(', ')}`);
        await sleep(1500); // let the previous step's tail (outbox, checkpoints) settle
        if (r.broken) break;
      }
    }
    if (REST && TARGETS.includes('system') && !interrupted) {
      log('thread list: ThreadCreated → visible lag…');
      extra.threadLag = await threadLag(QUICK ? 15 : 40);
      log('thread list: GET latency at a steady rate…');
      extra.listLatency = await listLatency(QUICK ? 50 : 100, QUICK ? 5 : 10, Math.min(100, Math.max(...STEPS)));
    }
  } finally {
    if (!PRIVATE_DB) await dropDatabases();
    await stopAll();
    if (ferretDir) rmSync(ferretDir, { recursive: true, force: true });
  }

  const output = {
    runId: RUN_ID,
    label: LABEL,
    mode: QUICK ? 'quick' : 'full',
    command: `npm run bench -- ${argv.join(' ')}`.trim(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
    loadAverage: os.loadavg(),
    systemRoot: SYSTEM_ROOT,
    database: PRIVATE_DB ? 'private FerretDB (SQLite) started by the bench' : MONGO_URL,
    settings: { rate: RATE, tokensPerTurn: TOKENS, ttftSamples: TTFT_SAMPLES, measureMs: MEASURE_MS, rampMs: RAMP_MS, steps: STEPS, targets: TARGETS, itlLimitMs: ITL_LIMIT_MS, profile: PROFILE },
    definitions: {
      addedTtft: 'per turn: (first chat.delta received − chat.send sent) − median TTFT of direct openai-SDK probes of the model server in the same step',
      interTokenLateness:
        'per token: arrival − (anchor + i·1000/rate), anchor = min over the turn of (arrival_i − i·1000/rate); 0 = exactly on the model\'s pacing',
      cpuPer1kTokens: 'Δ(utime+stime) from /proc/<pid>/stat over the measure window ÷ (tokens received by the load generator in the window / 1000)',
    },
    results,
    ...extra,
    wallSeconds: Math.round((Date.now() - began) / 1000),
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `${RUN_ID}.json`);
  writeFileSync(file, JSON.stringify(output, null, 2));
  process.stdout.write(`\n${report(results, extra)}\n\nJSON: ${file} (wall ${output.wallSeconds}s)\n`);
}

main().then(
  () => process.exit(0),
  async (err) => {
    log(`FAILED: ${(err as Error).stack ?? String(err)}`);
    await stopAll();
    process.exit(1);
  },
);
