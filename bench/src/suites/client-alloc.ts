// Where the client suite's stub workload allocates: V8's sampling heap profiler (collected
// objects included) over `n` requests of one contender of client-count.ts, by allocating
// function. `node --import tsx bench/src/suites/client-alloc.ts brace 3000`.
import { Session } from 'node:inspector/promises';

const which = process.argv[2] ?? 'brace';
const n = Number(process.argv[3] ?? 3000);
process.argv[3] = '0'; // client-count.ts: no measured loop, only its warm-up
process.argv[4] = '1500';
const { call } = (await import('./client-count.js')) as unknown as { call: () => Promise<unknown> };
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', {
  samplingInterval: 128,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
for (let i = 0; i < n; i++) await call();
const { profile } = (await session.post('HeapProfiler.stopSampling')) as {
  profile: { head: Node };
};
interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}
const by = new Map<string, number>();
let total = 0;
const walk = (node: Node) => {
  const f = node.callFrame;
  const url = f.url.replace(/.*\/(packages|node_modules\/\.pnpm)\//, '');
  const key = `${f.functionName || '(anon)'} ${url}:${f.lineNumber + 1}`;
  by.set(key, (by.get(key) ?? 0) + node.selfSize);
  total += node.selfSize;
  for (const c of node.children) walk(c);
};
walk(profile.head);
console.log(`${which}: ~${(total / n).toFixed(0)} bytes/request sampled`);
for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 400)) {
  console.log(`${(v / n).toFixed(0).padStart(6)} ${k}`);
}
