// The load generator of the webhook benchmark, in a process of its own so that its CPU is not the server's.
// Started by bench/webhook.ts with one LoadPlan (JSON, argv[2]); sends one LoadReport back over IPC and exits.
//
// Two tools:
// - `paced`: an open-loop generator. Requests are due at exact intervals (1/rate) whatever the server does, go
//   out over a pool of keep-alive TLS connections, and each latency is counted from the moment the request was
//   due, so queueing behind a slow reply is in the figure (no coordinated omission). This is how the API server
//   loads a webhook: pod creations arrive on their own schedule.
// - `autocannon`: closed loop, each connection sends its next request when the previous reply arrives; with no
//   rate this finds the saturation throughput. (Its own rate limit sends each connection's per-second quota back
//   to back at the top of every second, which measures bursts rather than a steady rate; hence `paced`.)
import { Agent, request } from 'node:https';
import autocannon, { type RequestSpec } from 'autocannon';
import { distribution } from '../lib/report.ts';
import type { LoadMessage, LoadPlan, LoadReport } from './protocol.ts';

const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
const url = new URL(plan.url);
const headers = { 'Content-Type': 'application/json' };

// Distinct pods: the `version` label of the fixture pod (the one before its pod-template-hash label; the review's
// kind and resource carry a "version" too) gets a value of its own per request.
const versionLabel = '"version":"v1","pod-template-hash"';
const bodyParts = plan.body.split(versionLabel);
if (bodyParts.length !== 2) throw new Error(`the review body must hold ${versionLabel} exactly once`);
let sequence = 0;
const nextBody = (): string =>
  plan.stream === 'replicas'
    ? plan.body
    : `${bodyParts[0]!}"version":"d${sequence++}","pod-template-hash"${bodyParts[1]!}`;
const MAX_PROBLEMS = 5;

class Tally {
  sent = 0;
  completed = 0;
  verified = 0;
  non200 = 0;
  badReviews = 0;
  errors = 0;
  readonly problems: string[] = [];
  readonly latencies: number[] = [];

  problem(text: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(text);
  }

  /** Checks one reply: a 200 carrying an allowed AdmissionReview for our uid with a JSONPatch. */
  response(status: number, body: string): void {
    this.completed++;
    if (status !== 200) {
      this.non200++;
      this.problem(`HTTP ${status}: ${body.slice(0, 200)}`);
      return;
    }
    const why = reviewProblem(body);
    if (why === undefined) this.verified++;
    else {
      this.badReviews++;
      this.problem(why);
    }
  }
}

function reviewProblem(body: string): string | undefined {
  let review: unknown;
  try {
    review = JSON.parse(body);
  } catch {
    return `not JSON: ${body.slice(0, 200)}`;
  }
  if (typeof review !== 'object' || review === null) return `not an object: ${body.slice(0, 200)}`;
  const { apiVersion, kind, response } = review as Record<string, unknown>;
  if (apiVersion !== 'admission.k8s.io/v1' || kind !== 'AdmissionReview')
    return `not an admission.k8s.io/v1 AdmissionReview: ${body.slice(0, 200)}`;
  if (typeof response !== 'object' || response === null) return 'no response';
  const r = response as Record<string, unknown>;
  if (r.uid !== plan.uid) return `uid ${String(r.uid)}, want ${plan.uid}`;
  if (r.allowed !== true) return `not allowed: ${JSON.stringify(r.status)}`;
  if (r.patchType !== 'JSONPatch' || typeof r.patch !== 'string' || r.patch === '')
    return 'allowed without a JSONPatch';
  return undefined;
}

function post(
  agent: Agent,
  onDone: (status: number, body: string) => void,
  onError: (e: Error) => void,
): void {
  const body = nextBody();
  const req = request(
    {
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      agent,
      headers: { ...headers, 'Content-Length': Buffer.byteLength(body) },
      timeout: 10_000,
    },
    (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        onDone(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
      });
      res.on('error', onError);
    },
  );
  req.on('timeout', () => req.destroy(new Error('no reply within 10 s')));
  req.on('error', onError);
  req.end(body);
}

async function paced(): Promise<LoadReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: plan.connections, ca: plan.caPem });
  const tally = new Tally();
  // Open the pool first (TLS handshakes are not what is measured), unrecorded.
  await Promise.all(
    Array.from(
      { length: plan.connections },
      () =>
        new Promise<void>((resolve) => {
          const done = (): void => {
            resolve();
          };
          post(agent, done, done);
        }),
    ),
  );

  const interval = 1000 / plan.rate;
  const total = Math.round(plan.rate * plan.seconds);
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const finish = (): void => {
    inFlight--;
    if (inFlight === 0) drained?.();
  };
  const fire = (due: number): void => {
    tally.sent++;
    inFlight++;
    post(
      agent,
      (status, body) => {
        tally.latencies.push(performance.now() - due);
        tally.response(status, body);
        finish();
      },
      (error) => {
        tally.errors++;
        tally.problem(error.message);
        finish();
      },
    );
  };

  const start = performance.now() + 10;
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) fire(start + next++ * interval);
      if (next >= total) resolve();
      else setTimeout(tick, Math.max(0, start + next * interval - now));
    };
    tick();
  });
  const sendingEnded = performance.now();
  if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
  agent.destroy();
  const seconds = (sendingEnded - start) / 1000;
  return report(tally, seconds, (tally.completed / (performance.now() - start)) * 1000);
}

async function closedLoop(): Promise<LoadReport> {
  const tally = new Tally();
  const instance = autocannon({
    url: plan.url,
    connections: plan.connections,
    duration: plan.seconds,
    timeout: 10,
    ...(plan.rate > 0 ? { overallRate: plan.rate } : {}),
    tlsOptions: { ca: plan.caPem },
    requests: [
      {
        method: 'POST',
        headers,
        body: plan.body,
        ...(plan.stream === 'distinct'
          ? { setupRequest: (req: RequestSpec): RequestSpec => ({ ...req, body: nextBody() }) }
          : {}),
        onResponse: (status, body) => {
          tally.response(status, body);
        },
      },
    ],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    tally.latencies.push(ms);
  });
  instance.on('reqError', (error: Error) => {
    tally.errors++;
    tally.problem(error.message);
  });
  const result = await instance;
  tally.sent = result.requests.sent;
  return {
    ...report(tally, result.duration, tally.completed / result.duration),
    autocannonLatencyMs: { p50: result.latency.p50, p99: result.latency.p99, p999: result.latency.p99_9 },
  };
}

const cpuAtStart = process.cpuUsage();

function report(tally: Tally, seconds: number, achievedRate: number): LoadReport {
  const { p50, p90, p99, p999, max, mean } = distribution(tally.latencies, 3);
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    tool: plan.tool,
    stream: plan.stream,
    offeredRate: plan.rate,
    connections: plan.connections,
    seconds: Number(seconds.toFixed(2)),
    sent: tally.sent,
    completed: tally.completed,
    verified: tally.verified,
    non200: tally.non200,
    badReviews: tally.badReviews,
    errors: tally.errors,
    problems: tally.problems,
    achievedRate: Math.round(achievedRate),
    latencyMs: { p50, p90, p99, p999, max, mean },
    clientCpuMicrosPerRequest: Math.round((cpu.user + cpu.system) / Math.max(1, tally.completed)),
  };
}

const send = (message: LoadMessage): void => {
  process.send?.(message);
};
try {
  send({ type: 'report', report: plan.tool === 'paced' ? await paced() : await closedLoop() });
} catch (error) {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
}
process.disconnect();
