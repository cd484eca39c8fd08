/**
 * Summarises a V8 .cpuprofile (from `npm run bench -- --profile`): self time by function and by
 * package/area, so "where does the time go" is answered from the profile, not guessed.
 *   npx tsx bench/profile-top.ts bench/profiles/<run>/gateway-<pid>.cpuprofile [topN]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = process.argv[2];
if (!file) throw new Error('usage: profile-top.ts FILE.cpuprofile [topN]');
const top = Number(process.argv[3] ?? 25);
const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = [...self.entries()].filter(([id]) => ['(idle)', '(program)'].includes(byId.get(id)!.callFrame.functionName)).reduce((a, [, v]) => a + v, 0);

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native/builtin)';
  const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/').slice(0, 2).join('/');
  const s = url.match(/(services\/[^/]+|libs\/[^/]+|dev\/[^/]+|bench)\/.*?([^/]+)$/);
  return s ? `${s[1]}/${s[2]}` : url;
}
const fnAgg = new Map<string, number>();
const areaAgg = new Map<string, number>();
for (const [id, t] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const key = `${functionName || '(anonymous)'}  ${area(url, functionName)}:${lineNumber + 1}`;
  fnAgg.set(key, (fnAgg.get(key) ?? 0) + t);
  const a = area(url, functionName);
  areaAgg.set(a, (areaAgg.get(a) ?? 0) + t);
}
const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
const busy = total - idle;
console.log(`${file}: ${(total / 1e6).toFixed(1)}s sampled, busy ${(busy / 1e6).toFixed(2)}s (${((100 * busy) / total).toFixed(0)}%)`);
console.log('\nself time by area (share of busy):');
for (const [a, t] of [...areaAgg].filter(([a]) => !['(idle)', '(program)'].includes(a)).sort((x, y) => y[1] - x[1]).slice(0, top)) {
  console.log(`  ${((100 * t) / busy).toFixed(1).padStart(5)}%  ${a}`);
}
console.log('\nself time by function (share of all samples):');
for (const [k, t] of [...fnAgg].sort((x, y) => y[1] - x[1]).slice(0, top)) console.log(`  ${pct(t)}  ${k}`);
