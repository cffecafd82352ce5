// `npm run bench`: runs every benchmark in turn (each in its own process, so one's heap and JIT state cannot
// colour another's), then prints a summary table from the JSON each one writes to bench/results/.
//
//   node bench/run.ts [name...]      names: see `benchmarks` below (default: all)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface Benchmark {
  readonly name: string;
  readonly script: string;
  readonly args: readonly string[];
  /** Lines for the summary table, from the benchmark's result file. */
  readonly summarise: (result: Record<string, unknown>) => string[];
}

const root = join(import.meta.dirname, '..');
const resultsDir = join(root, 'bench', 'results');

const fmt = (value: unknown, digits = 0): string =>
  typeof value === 'number'
    ? value.toLocaleString('en-US', { maximumFractionDigits: digits })
    : String(value);

const benchmarks: readonly Benchmark[] = [
  {
    name: 'template',
    script: 'bench/template.ts',
    args: [],
    summarise: (r) => [
      `template engine: ${fmt(r.executionsPerSecond)} executions/s of a 500-line sidecar template (${fmt(r.meanMicroseconds, 1)} µs each)`,
    ],
  },
  {
    name: 'inject',
    script: 'bench/inject.ts',
    args: [],
    summarise: (r) => {
      // The target is judged on pods that all differ: replicas of one workload are served from a cache.
      const distinct = (r.distinct as { podsPerSecond?: number } | undefined)?.podsPerSecond;
      const verdict = typeof distinct === 'number' && distinct >= Number(r.target) ? 'met' : 'MISSED';
      return [
        `injection pipeline: ${fmt(distinct)} pods/s when every pod differs (target >= ${fmt(r.target)}: ${verdict}); ` +
          `${fmt(r.podsPerSecond)} pods/s for replicas of one workload`,
      ];
    },
  },
  {
    name: 'inject-istio',
    script: 'bench/inject-istio.ts',
    args: [],
    summarise: (r) => {
      const istio = r.istio as Record<string, Record<string, unknown>>;
      const base = r.default as Record<string, Record<string, unknown>>;
      return [
        `injection pipeline, Istio-format template: ${fmt(istio.distinct?.podsPerSecond)} pods/s when every pod differs ` +
          `(${fmt(istio.distinct?.meanMicroseconds, 1)} µs/pod), ${fmt(istio.replicas?.podsPerSecond)} pods/s for replicas (no target); ` +
          `${fmt(r.istioToDefaultCostRatio, 2)}x the default template's cost (${fmt(base.distinct?.podsPerSecond)} pods/s in the same run)`,
      ];
    },
  },
  {
    name: 'webhook',
    script: 'bench/webhook.ts',
    args: [],
    summarise: (r) => {
      const targets = r.targets as Record<string, unknown>;
      const met = r.met as Record<string, unknown>;
      const replicas = r.replicas as Record<string, unknown>;
      const replies = r.replies as Record<string, unknown>;
      const mark = (ok: unknown): string => (ok === true ? 'met' : 'MISSED');
      return [
        `webhook p99 at 500 reviews/s, every pod different: ${fmt(r.p99AtRate500Ms, 2)} ms ` +
          `(target <= ${fmt(targets.p99AtRate500Ms)} ms: ${mark(met.p99AtRate500)}); replicas: ${fmt(replicas.p99AtRate500Ms, 2)} ms`,
        `webhook saturation, every pod different: ${fmt(r.saturationReviewsPerSecond)} reviews/s, ` +
          `${fmt(r.saturationCpuMicrosPerReview)} µs CPU/review (target >= ${fmt(targets.saturationReviewsPerSecond)}/s: ` +
          `${mark(met.saturation)}); replicas: ${fmt(replicas.saturationReviewsPerSecond)}/s; server RSS <= ${fmt(r.serverRssMiBMax)} MiB; ` +
          `${fmt(replies.verified)}/${fmt(replies.completed)} replies verified, ${fmt(replies.errors)} errors`,
      ];
    },
  },
  {
    name: 'admission',
    script: 'bench/admission.ts',
    args: [],
    summarise: (r) => {
      const labelled = r.labelled as Record<string, unknown>;
      const plain = r.plain as Record<string, unknown>;
      return [
        `admission overhead: ${fmt(labelled.pods)} pods created in ${fmt(labelled.seconds, 2)} s labelled vs ` +
          `${fmt(plain.seconds, 2)} s unlabelled, ratio ${fmt(r.ratio, 2)} (target <= ${fmt(r.target, 2)}: ${r.met === true ? 'met' : 'MISSED'}); ` +
          `webhook alone (pods opting in, namespace not reconciled): ratio ${fmt(r.selectedRatio, 2)}`,
      ];
    },
  },
  {
    name: 'convergence',
    script: 'bench/convergence.ts',
    args: [],
    summarise: (r) => {
      const op = r.operator as Record<string, unknown>;
      const base = r.baseline as Record<string, unknown>;
      const paced = r.paced as Record<string, unknown>;
      const lines = [
        `convergence, ${fmt(r.deployments)} Deployments x ${fmt(r.replicas)}: operator (pacing lifted) ${fmt(op.secondsToRolledOut, 1)} s ` +
          `vs kubectl rollout restart ${fmt(base.secondsToRolledOut, 1)} s, ratio ${fmt(r.ratio, 2)} ` +
          `(target <= ${fmt(r.target, 2)}: ${r.met === true ? 'met' : 'MISSED'})`,
        `operator API use per workload while converging: ${fmt(op.writesPerWorkload, 2)} writes, ${fmt(op.requestsPerWorkload, 2)} requests (audit log)`,
      ];
      if (paced.skipped !== true)
        lines.push(
          `convergence with the default pacing: ${fmt(paced.restartsStarted)} restarts in ${fmt(paced.watchedSeconds)} s, ` +
            `${fmt(paced.secondsPerRestart, 1)} s apart; extrapolated ${fmt(paced.extrapolatedHoursToConverge, 2)} h (slow by design; no target)`,
        );
      return lines;
    },
  },
  {
    name: 'footprint',
    script: 'bench/footprint.ts',
    args: [],
    summarise: (r) => {
      const targets = r.targets as Record<string, unknown>;
      const met = r.met as Record<string, unknown>;
      const steady = r.steadyState as Record<string, unknown>;
      return [
        `operator RSS with ${fmt(r.cachedPods)} pods cached: ${fmt(r.rssMiB, 1)} MiB at the end of the steady state ` +
          `(target <= ${fmt(targets.rssMiB)}: ${met.rss === true ? 'met' : 'MISSED'}); peak ${fmt((r.rss as Record<string, unknown>).peakSinceStartMiB, 1)} MiB while admitting them`,
        `operator steady state (${fmt(steady.seconds)} s): ${fmt(steady.cpuSeconds, 2)} CPU s, ${fmt(r.steadyStateWritesExcludingLease)} writes ` +
          `besides ${fmt(steady.leaseWrites)} leader-lease renewals (target ${fmt(targets.steadyStateWrites)}: ${met.writes === true ? 'met' : 'MISSED'})`,
      ];
    },
  },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !benchmarks.some((b) => b.name === w));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark(s): ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`,
  );
  process.exit(2);
}
const selected = benchmarks.filter((b) => wanted.length === 0 || wanted.includes(b.name));
const summary: string[] = [];
let failed = false;
for (const bench of selected) {
  console.log(`\n== bench ${bench.name}`);
  const run = spawnSync(process.execPath, [bench.script, ...bench.args], { cwd: root, stdio: 'inherit' });
  const resultFile = join(resultsDir, `${bench.name}.json`);
  if (run.status !== 0 || !existsSync(resultFile)) {
    failed = true;
    summary.push(`${bench.name}: FAILED (exit ${run.status ?? run.signal})`);
    continue;
  }
  const result = JSON.parse(readFileSync(resultFile, 'utf8')) as Record<string, unknown>;
  summary.push(...bench.summarise(result));
}
console.log(`\n== summary (results in bench/results/)\n${summary.map((l) => `  ${l}`).join('\n')}`);
process.exit(failed ? 1 : 0);
