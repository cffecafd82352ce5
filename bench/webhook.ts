// The webhook over TLS with keep-alive, as the API server loads it: one server process (bench/webhook/server.ts:
// the operator's WebhookServer + injectorAdmit + Injector, default config) and, in a separate process, a load
// generator posting a real AdmissionReview (the two-container pod of bench/fixtures/inject/pod.json).
//
// Phases, each against the same warm server:
//   paced 100, 500, 1,000 reviews/s   open loop, latency from each request's due time (bench/webhook/load.ts)
//   autocannon -R 500                 the same rate through autocannon's own limiter, for comparison
//   saturation                        autocannon closed loop: the most reviews/s one process answers
// each for two streams of pods: `distinct` (every pod differs, so the injector's caches never help: the headline)
// and `replicas` (the same pod every time, as when a ReplicaSet scales up).
// For each: latency p50/p99/p99.9, achieved rate, server CPU per review (process.cpuUsage of the server), RSS,
// and every reply checked (a 200 with an allowed AdmissionReview for the request's uid carrying a JSONPatch).
//
//   ./node_modules/.bin/node bench/webhook.ts [--seconds N] [--connections N] [--server-node-arg=FLAG ...]
//
// --server-node-arg passes a flag to the server's node, e.g. --server-node-arg=--cpu-prof
// --server-node-arg=--cpu-prof-dir=/tmp/prof for a V8 CPU profile of the server (open it in Chrome DevTools).
// Writes bench/results/webhook.json and prints a one-line summary.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { mib, positiveNumber, runContext, writeResult } from './lib/report.ts';
import type { LoadMessage, LoadPlan, LoadReport, ServerMessage, ServerRequest } from './webhook/protocol.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    connections: { type: 'string', default: '16' },
    'server-node-arg': { type: 'string', multiple: true, default: [] },
  },
});
const seconds = positiveNumber('seconds', args.seconds);
const connections = positiveNumber('connections', args.connections);
const context = runContext();
const targets = { p99AtRate500Ms: 10, saturationReviewsPerSecond: 1500 } as const;
const rates = [100, 500, 1000] as const;

const uid = '6f1c9d2e-4b7a-4c8e-9a3f-bench0000001';
const pod = JSON.parse(readFileSync(new URL('fixtures/inject/pod.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
>;
const body = JSON.stringify({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid,
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    requestKind: { group: '', version: 'v1', kind: 'Pod' },
    requestResource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'bookinfo',
    operation: 'CREATE',
    userInfo: {
      username: 'system:serviceaccount:kube-system:replicaset-controller',
      uid: '0c5b7d1e-8f2a-4e6b-9d3c-1a2b3c4d5e6f',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
    },
    object: pod,
    oldObject: null,
    dryRun: false,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
  },
});

// ---- the server process

const server = fork(new URL('webhook/server.ts', import.meta.url), [], {
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  execArgv: args['server-node-arg'],
});
const serverMessages: ServerMessage[] = [];
let serverWaiter: (() => void) | undefined;
server.on('message', (m: ServerMessage) => {
  serverMessages.push(m);
  serverWaiter?.();
});
server.on('exit', (code, signal) => {
  if (!stopping) {
    console.error(`webhook server exited early (${code ?? signal})`);
    process.exit(1);
  }
});
let stopping = false;

async function serverMessage<T extends ServerMessage['type']>(
  type: T,
): Promise<Extract<ServerMessage, { type: T }>> {
  for (;;) {
    const index = serverMessages.findIndex((m) => m.type === type);
    if (index !== -1) return serverMessages.splice(index, 1)[0] as Extract<ServerMessage, { type: T }>;
    await new Promise<void>((resolve) => (serverWaiter = resolve));
  }
}

async function serverUsage(): Promise<Extract<ServerMessage, { type: 'usage' }>> {
  server.send({ type: 'usage' } satisfies ServerRequest);
  return serverMessage('usage');
}

// ---- load phases

const ready = await serverMessage('ready');
const url = `https://127.0.0.1:${ready.port}/inject`;

type PhasePlan = Omit<LoadPlan, 'url' | 'caPem' | 'body' | 'uid'>;

async function runLoad(plan: PhasePlan): Promise<LoadReport> {
  const full: LoadPlan = { ...plan, url, caPem: ready.caPem, body, uid };
  const child: ChildProcess = fork(new URL('webhook/load.ts', import.meta.url), [JSON.stringify(full)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let message: LoadMessage | undefined;
  child.on('message', (m: LoadMessage) => (message = m));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (message === undefined) throw new Error(`load generator exited (${code}) without a report`);
  if (message.type === 'error') throw new Error(`load generator failed: ${message.message}`);
  return message.report;
}

interface Phase {
  readonly name: string;
  readonly load: LoadReport;
  readonly serverCpuMicrosPerReview: number;
  /** Share of one core the server used during the phase. */
  readonly serverCpuCores: number;
  readonly serverRssMiB: number;
  readonly serverGcPauseMsTotal: number;
  readonly serverGcPauseMsMax: number;
  readonly serverEventLoopDelayMsP99: number;
  readonly serverEventLoopDelayMsMax: number;
}

async function phase(name: string, plan: PhasePlan): Promise<Phase> {
  const before = await serverUsage();
  const started = performance.now();
  const load = await runLoad(plan);
  const wallMicros = (performance.now() - started) * 1000;
  const after = await serverUsage();
  const cpu = after.cpuMicros - before.cpuMicros;
  const result: Phase = {
    name,
    load,
    serverCpuMicrosPerReview: Math.round(cpu / Math.max(1, load.completed)),
    serverCpuCores: Number((cpu / wallMicros).toFixed(2)),
    serverRssMiB: mib(after.rssBytes),
    serverGcPauseMsTotal: after.gcPauseMsTotal,
    serverGcPauseMsMax: after.gcPauseMsMax,
    serverEventLoopDelayMsP99: after.eventLoopDelayMsP99,
    serverEventLoopDelayMsMax: after.eventLoopDelayMsMax,
  };
  const l = load.latencyMs;
  console.log(
    `  ${name.padEnd(22)} ${String(load.achievedRate).padStart(5)}/s  p50 ${l.p50} ms  p99 ${l.p99} ms  ` +
      `p99.9 ${l.p999} ms  ${result.serverCpuMicrosPerReview} µs CPU/review (client ${load.clientCpuMicrosPerRequest})  ` +
      `gc max ${result.serverGcPauseMsMax} ms  rss ${result.serverRssMiB} MiB  ` +
      `${load.verified}/${load.completed} verified, ${load.errors} errors`,
  );
  return result;
}

const phases: Phase[] = [];
const streams = ['distinct', 'replicas'] as const;
type Stream = (typeof streams)[number];
try {
  // Warm the server's JIT and caches; not recorded.
  for (const stream of streams)
    await runLoad({ tool: 'autocannon', stream, seconds: 3, rate: 0, connections: 8 });
  for (const stream of streams)
    for (const rate of rates)
      phases.push(
        await phase(`paced ${rate}/s ${stream}`, { tool: 'paced', stream, seconds, rate, connections }),
      );
  // autocannon's own rate limit, once, to show what it measures (bursts at the top of every second).
  phases.push(
    await phase('autocannon -R 500 distinct', {
      tool: 'autocannon',
      stream: 'distinct',
      seconds: Math.min(seconds, 10),
      rate: 500,
      connections,
    }),
  );
  for (const stream of streams)
    phases.push(
      await phase(`saturation ${stream}`, { tool: 'autocannon', stream, seconds, rate: 0, connections }),
    );
} finally {
  stopping = true;
  const exited = once(server, 'exit');
  server.send({ type: 'stop' } satisfies ServerRequest);
  await exited;
}

const named = (name: string): Phase => {
  const found = phases.find((p) => p.name === name);
  if (found === undefined) throw new Error(`no phase ${name}`);
  return found;
};
const headline = (stream: Stream) => {
  const at500 = named(`paced 500/s ${stream}`);
  const saturation = named(`saturation ${stream}`);
  return {
    p99AtRate500Ms: at500.load.latencyMs.p99,
    saturationReviewsPerSecond: saturation.load.achievedRate,
    saturationCpuMicrosPerReview: saturation.serverCpuMicrosPerReview,
    met: {
      p99AtRate500: at500.load.latencyMs.p99 <= targets.p99AtRate500Ms,
      saturation: saturation.load.achievedRate >= targets.saturationReviewsPerSecond,
    },
  };
};
const distinct = headline('distinct');
const replicas = headline('replicas');
const maxRss = Math.max(...phases.map((p) => p.serverRssMiB));
const totals = phases.reduce(
  (t, p) => ({
    completed: t.completed + p.load.completed,
    verified: t.verified + p.load.verified,
    non200: t.non200 + p.load.non200,
    badReviews: t.badReviews + p.load.badReviews,
    errors: t.errors + p.load.errors,
  }),
  { completed: 0, verified: 0, non200: 0, badReviews: 0, errors: 0 },
);
const result = {
  benchmark: 'webhook',
  description:
    'AdmissionReviews over TLS with keep-alive to one webhook process, load from a separate process: latency at ' +
    'fixed offered rates (open loop) and saturation throughput (autocannon closed loop), for pods that all differ ' +
    '(the headline: nothing cached) and for replicas of one workload',
  ...distinct,
  replicas,
  serverRssMiBMax: maxRss,
  targets,
  replies: totals,
  connections,
  requestBytes: Buffer.byteLength(body),
  phases,
  ...context,
};
writeResult('webhook', result);
console.log(
  `webhook: every pod different: p99 ${distinct.p99AtRate500Ms} ms at 500/s (target ${targets.p99AtRate500Ms}), ` +
    `saturation ${distinct.saturationReviewsPerSecond}/s (target ${targets.saturationReviewsPerSecond}), ` +
    `${distinct.saturationCpuMicrosPerReview} µs CPU/review; replicas: p99 ${replicas.p99AtRate500Ms} ms, ` +
    `${replicas.saturationReviewsPerSecond}/s; rss <= ${maxRss} MiB; ${totals.verified}/${totals.completed} ` +
    `replies verified, ${totals.errors} errors; load ${context.loadAverageAtStart.join('/')}`,
);
if (totals.verified !== totals.completed || totals.errors > 0) process.exitCode = 1;
