// Throughput of the whole injection pipeline, as the webhook runs it for one admission: decide, render the
// project's default sidecar template (parsed once), merge, post-process and compute the JSON patch, for a typical
// two-container Deployment pod (bench/fixtures/inject/pod.json), in one process.
//
//   ./node_modules/.bin/node bench/inject.ts [--seconds N]
//
// Writes bench/results/inject.json and prints a one-line summary.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Injector } from '../src/inject/injector.ts';
import { loadInjectorSettings } from '../src/inject/settings.ts';
import type { JsonObject } from '../src/inject/types.ts';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const seconds = Number(args.seconds);
if (!Number.isFinite(seconds) || seconds <= 0)
  throw new Error(`--seconds must be a positive number, got ${args.seconds}`);

const pod = JSON.parse(
  readFileSync(new URL('fixtures/inject/pod.json', import.meta.url), 'utf8'),
) as JsonObject;
const injector = new Injector({ ...loadInjectorSettings({}), revision: 'default' });
const injectOnce = (): number => {
  const result = injector.inject({ pod, namespace: 'bookinfo', mode: 'webhook' });
  if (result.kind !== 'injected')
    throw new Error(`the benchmark pod was not injected: ${result.decision.message}`);
  return result.patch.length;
};

// Warm up until the JIT has settled, then measure in rounds so a slow patch of the machine shows as spread.
const warmupEnd = performance.now() + 1000;
while (performance.now() < warmupEnd) injectOnce();
const patchOperations = injectOnce();

const rounds: number[] = [];
const roundMs = (seconds * 1000) / 5;
let total = 0;
const started = performance.now();
for (let r = 0; r < 5; r++) {
  const roundStart = performance.now();
  let n = 0;
  while (performance.now() - roundStart < roundMs) {
    injectOnce();
    n++;
  }
  rounds.push((n * 1000) / (performance.now() - roundStart));
  total += n;
}
const elapsed = (performance.now() - started) / 1000;
const podsPerSecond = total / elapsed;
const result = {
  benchmark: 'inject',
  description: 'pods/s through the whole injection pipeline (webhook mode, default template parsed once)',
  pods: total,
  seconds: Number(elapsed.toFixed(3)),
  podsPerSecond: Math.round(podsPerSecond),
  meanMicroseconds: Number(((elapsed * 1e6) / total).toFixed(1)),
  roundsPodsPerSecond: rounds.map(Math.round),
  patchOperations,
  target: 2000,
  heapUsedBytes: process.memoryUsage().heapUsed,
  rssBytes: process.memoryUsage().rss,
  node: process.version,
  date: new Date().toISOString(),
};
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/inject.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `inject: ${result.podsPerSecond} pods/s (${result.meanMicroseconds} µs/pod, rounds ${rounds.map(Math.round).join('/')}, target ${result.target})`,
);
