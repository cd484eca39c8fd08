/** Child processes of the bench (each in its own process group) and their CPU time from /proc. */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface Proc {
  name: string;
  pid: number;
  child?: ChildProcess;
  /** Not started by the bench (RabbitMQ, FerretDB): measured, never stopped. */
  external: boolean;
}

/** Starts `node [nodeArgs] --import tsx FILE` with `env`; stdout/stderr to LOGDIR/NAME.log. */
export function startNode(name: string, file: string, env: Record<string, string>, logDir: string, nodeArgs: string[] = []): Proc {
  mkdirSync(logDir, { recursive: true });
  const fd = openSync(join(logDir, `${name}.log`), 'w');
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  return { name, pid: child.pid!, child, external: false };
}

/** CPU seconds (user + system) of one process so far; NaN if it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of a running program by exact name (first match), e.g. beam.smp, ferretdb. */
export function findPid(exe: string): number | undefined {
  try {
    const out = execFileSync('pgrep', ['-x', exe]).toString().trim().split('\n').filter(Boolean);
    return out.length ? Number(out[0]) : undefined;
  } catch {
    return undefined;
  }
}

export function ferretPid(): number | undefined {
  const file = join(ROOT, '.data', 'pids', 'ferretdb.pid');
  if (existsSync(file)) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid && alive(pid)) return pid;
  }
  return findPid('ferretdb');
}

/** TERM the process group, then KILL what is left after `graceMs`. */
export async function stopProc(p: Proc, graceMs = 8000): Promise<void> {
  if (p.external || !alive(p.pid)) return;
  try {
    process.kill(-p.pid, 'SIGTERM');
  } catch {
    try {
      process.kill(p.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
  const deadline = Date.now() + graceMs;
  while (alive(p.pid) && Date.now() < deadline) await sleep(100);
  if (alive(p.pid)) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Waits for HTTP 200 at `url`; throws after `timeoutMs` or if `p` exits. */
export async function waitReady(p: Proc | undefined, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    if (p && !alive(p.pid)) throw new Error(`${p.name} exited before it was ready (see its log)`);
    if (Date.now() > deadline) throw new Error(`${p?.name ?? url} not ready after ${timeoutMs}ms`);
    await sleep(250);
  }
}

/** CPU seconds all cores spent busy so far (from /proc/stat), to see what else ran meanwhile. */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = line;
  return (user! + nice! + system! + irq! + softirq! + steal!) / CLK_TCK;
}

/** Starts a native program in its own process group; output to LOGDIR/NAME.log. */
export function startBinary(name: string, bin: string, args: string[], logDir: string): Proc {
  mkdirSync(logDir, { recursive: true });
  const fd = openSync(join(logDir, `${name}.log`), 'w');
  const child = spawn(bin, args, { cwd: ROOT, detached: true, stdio: ['ignore', fd, fd] });
  return { name, pid: child.pid!, child, external: false };
}

/** Waits until 127.0.0.1:PORT accepts TCP connections. */
export async function waitTcp(p: Proc, port: number, timeoutMs = 30_000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (!alive(p.pid)) throw new Error(`${p.name} exited before it listened (see its log)`);
    if (Date.now() > deadline) throw new Error(`${p.name} not listening on ${port} after ${timeoutMs}ms`);
    await sleep(200);
  }
}
