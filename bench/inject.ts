// Throughput of the whole injection pipeline, as the webhook runs it for one admission: decide, render the
// project's default sidecar template (parsed once), merge, post-process and compute the JSON patch, for a typical
// two-container Deployment pod (bench/fixtures/inject/pod.json), in one process: for replicas of one workload
// (the common case) and for pods that all differ.
//
//   ./node_modules/.bin/node bench/inject.ts [--seconds N]
//
// Writes bench/results/inject.json and prints a one-line summary.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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
// Two streams of pods: replicas of one workload (what a Deployment sends: the same pod template, so the injector's
// parsed-output cache hits), and pods that all differ (a label the template prints changes every time, so every
// render is new text and nothing is cached). The first is the typical case, the second the worst.
const distinctPods: JsonObject[] = Array.from({ length: 1000 }, (_, i) => {
  const copy = structuredClone(pod);
  (copy.metadata as { labels: Record<string, string> }).labels.version = `v${i}`;
  return copy;
});
let next = 0;
const injectPod = (p: JsonObject): number => {
  const result = injector.inject({ pod: p, namespace: 'bookinfo', mode: 'webhook' });
  if (result.kind !== 'injected')
    throw new Error(`the benchmark pod was not injected: ${result.decision.message}`);
  return result.patch.length;
};
const injectReplica = (): number => injectPod(pod);
const injectDistinct = (): number => injectPod(distinctPods[next++ % distinctPods.length]!);

interface Measured {
  readonly pods: number;
  readonly seconds: number;
  readonly podsPerSecond: number;
  readonly meanMicroseconds: number;
  readonly roundsPodsPerSecond: number[];
}

/** Warms up until the JIT has settled, then measures in rounds so a slow patch of the machine shows as spread. */
function measure(injectOnce: () => number, totalSeconds: number): Measured {
  const warmupEnd = performance.now() + 1000;
  while (performance.now() < warmupEnd) injectOnce();
  const rounds: number[] = [];
  const roundMs = (totalSeconds * 1000) / 5;
  let total = 0;
  const started = performance.now();
  for (let r = 0; r < 5; r++) {
    const roundStart = performance.now();
    let n = 0;
    while (performance.now() - roundStart < roundMs) {
      injectOnce();
      n++;
    }
    rounds.push(Math.round((n * 1000) / (performance.now() - roundStart)));
    total += n;
  }
  const elapsed = (performance.now() - started) / 1000;
  return {
    pods: total,
    seconds: Number(elapsed.toFixed(3)),
    podsPerSecond: Math.round(total / elapsed),
    meanMicroseconds: Number(((elapsed * 1e6) / total).toFixed(1)),
    roundsPodsPerSecond: rounds,
  };
}

const patchOperations = injectReplica();
const replicas = measure(injectReplica, seconds);
const distinct = measure(injectDistinct, seconds);
const result = {
  benchmark: 'inject',
  description: 'pods/s through the whole injection pipeline (webhook mode, default template parsed once)',
  ...replicas,
  distinct,
  patchOperations,
  target: 2000,
  loadAverage: os.loadavg()[0],
  heapUsedBytes: process.memoryUsage().heapUsed,
  rssBytes: process.memoryUsage().rss,
  node: process.version,
  date: new Date().toISOString(),
};
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/inject.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `inject: ${replicas.podsPerSecond} pods/s for replicas of one workload (${replicas.meanMicroseconds} µs/pod, rounds ${replicas.roundsPodsPerSecond.join('/')}), ` +
    `${distinct.podsPerSecond} pods/s when every pod differs; target ${result.target}`,
);
