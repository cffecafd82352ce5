// Admission overhead through the real API server: the time to create pods in a namespace labelled for injection
// (the API server calls the operator's webhook over TLS, by URL, and applies the patch) against the same pods in
// an unlabelled namespace (no webhook call), in one run. A third namespace, unlabelled, gets the same pods opting
// in by their own label (the webhook is called but the operator does not reconcile that namespace), which splits
// the overhead between the webhook and the operator's reconciling of the labelled namespace. Batches rotate
// between the namespaces (ABC CBA) so that drift in the machine's load falls on all alike.
//
// The operator is the real process (`mesh-injector operator`) on a real control plane. The pods are the
// two-container pod of bench/fixtures/inject/pod.json as bare pods held by a scheduling gate, so the scheduler
// and kwok stay idle and the figure is the create path alone.
//
//   ./node_modules/.bin/node bench/admission.ts [--pods 1000] [--batch 50] [--concurrency 10]
//
// Writes bench/results/admission.json and prints a one-line summary.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isJsonObject, type JsonObject } from '../src/inject/types.ts';
import {
  ensureNamespace,
  forEachLimited,
  podState,
  startBenchCluster,
  startOperator,
  sumSeries,
  waitForServiceAccount,
  type OperatorProcess,
} from './lib/cluster.ts';
import { distribution, positiveNumber, runContext, writeResult } from './lib/report.ts';

const { values: args } = parseArgs({
  options: {
    pods: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '10' },
    'operator-node-arg': { type: 'string', multiple: true, default: [] },
  },
});
const podsPerNamespace = positiveNumber('pods', args.pods);
const batchSize = positiveNumber('batch', args.batch);
const concurrency = positiveNumber('concurrency', args.concurrency);
const context = runContext();
const target = 1.15;
const namespaces = { labelled: 'bench-injected', selected: 'bench-selected', plain: 'bench-plain' } as const;
type Side = keyof typeof namespaces;
const sides: readonly Side[] = ['labelled', 'selected', 'plain'];

const fixture = JSON.parse(
  readFileSync(new URL('fixtures/inject/pod.json', import.meta.url), 'utf8'),
) as JsonObject;

/** The fixture pod, bare: no owner (the garbage collector would delete it), no service account to create. In the
 * `selected` namespace it opts in by its own label (Istio's object-selector webhook entry). */
function podManifest(side: Side, name: string): JsonObject {
  const namespace = namespaces[side];
  const metadata = isJsonObject(fixture.metadata) ? fixture.metadata : {};
  const spec = isJsonObject(fixture.spec) ? fixture.spec : {};
  const { ownerReferences: _owners, generateName: _generateName, labels, ...meta } = metadata;
  const { serviceAccountName: _sa, ...rest } = spec;
  const podLabels = {
    ...(isJsonObject(labels) ? labels : {}),
    ...(side === 'selected' ? { 'sidecar.istio.io/inject': 'true' } : {}),
  };
  return {
    ...fixture,
    metadata: { ...meta, labels: podLabels, name, namespace },
    spec: { ...rest, schedulingGates: [{ name: 'bench.mesh-injector.dev/hold' }] },
  };
}

console.log('admission: starting the control plane and the operator');
const cluster = await startBenchCluster({ nodes: 1 });
let operator: OperatorProcess | undefined;
try {
  operator = await startOperator(cluster, { nodeArgs: args['operator-node-arg'] });
  const { admin } = cluster;
  await ensureNamespace(admin, namespaces.labelled, { 'istio-injection': 'enabled' });
  await ensureNamespace(admin, namespaces.selected);
  await ensureNamespace(admin, namespaces.plain);
  for (const namespace of Object.values(namespaces)) await waitForServiceAccount(admin, namespace);

  const create = async (side: Side, name: string): Promise<void> => {
    const namespace = namespaces[side];
    await admin.request({
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/pods`,
      body: podManifest(side, name),
    });
  };

  // Warm up both paths (connections, the webhook's JIT, the API server's caches); not counted.
  for (const side of sides)
    await forEachLimited(
      Array.from({ length: 40 }, (_, i) => `warmup-${i}`),
      concurrency,
      (name) => create(side, name),
    );

  const tally = {
    labelled: { ms: 0, cpu: 0, latencies: [] as number[] },
    selected: { ms: 0, cpu: 0, latencies: [] as number[] },
    plain: { ms: 0, cpu: 0, latencies: [] as number[] },
  };
  const batches = Math.ceil(podsPerNamespace / batchSize);
  const reviewsBefore = sumSeries(await operator.metrics(), 'mesh_injector_webhook_reviews_total');
  for (let b = 0; b < batches; b++) {
    const order: readonly Side[] = b % 2 === 0 ? sides : [...sides].reverse();
    const names = Array.from(
      { length: Math.min(batchSize, podsPerNamespace - b * batchSize) },
      (_, i) => `pod-${String(b * batchSize + i).padStart(5, '0')}`,
    );
    for (const side of order) {
      const started = performance.now();
      const cpuBefore = operator.cpuSeconds();
      const latencies = await forEachLimited(names, concurrency, (name) => create(side, name));
      tally[side].ms += performance.now() - started;
      tally[side].cpu += operator.cpuSeconds() - cpuBefore;
      tally[side].latencies.push(...latencies);
    }
  }
  const reviews = sumSeries(await operator.metrics(), 'mesh_injector_webhook_reviews_total') - reviewsBefore;

  // Every pod in the labelled namespace went through the webhook and carries the sidecar; none in the other.
  const injectedCount = async (namespace: string): Promise<{ total: number; injected: number }> => {
    const list = await admin.request({ path: `/api/v1/namespaces/${namespace}/pods` });
    const pods = (Array.isArray(list.items) ? list.items : []).filter(isJsonObject).map(podState);
    return { total: pods.length, injected: pods.filter((p) => p.injected).length };
  };
  const check = {
    labelled: await injectedCount(namespaces.labelled),
    selected: await injectedCount(namespaces.selected),
    plain: await injectedCount(namespaces.plain),
  };

  const side = (s: Side) => ({
    namespace: namespaces[s],
    pods: tally[s].latencies.length,
    seconds: Number((tally[s].ms / 1000).toFixed(2)),
    podsPerSecond: Math.round((tally[s].latencies.length * 1000) / tally[s].ms),
    createLatencyMs: distribution(tally[s].latencies, 1),
    /** The operator's CPU while this namespace's batches were created (webhook, and reconciling if opted in). */
    operatorCpuMsPerPod: Number(((tally[s].cpu * 1000) / tally[s].latencies.length).toFixed(2)),
  });
  const labelled = side('labelled');
  const selected = side('selected');
  const plain = side('plain');
  const ratio = Number((tally.labelled.ms / tally.plain.ms).toFixed(3));
  const selectedRatio = Number((tally.selected.ms / tally.plain.ms).toFixed(3));
  const result = {
    benchmark: 'admission',
    description:
      'time to create pods through the API server in a namespace labelled for injection (webhook called) vs an ' +
      'unlabelled one, alternating batches in one run',
    ratio,
    target,
    met: ratio <= target,
    /** The same pods opted in by their own label in a namespace that is not: the webhook is called, but the
     * operator does not reconcile that namespace. Against `plain`, the webhook's own share of the overhead. */
    selectedRatio,
    labelled,
    selected,
    plain,
    webhookReviewsCounted: reviews,
    podsCheckedAfterwards: check,
    batchSize,
    concurrency,
    ...context,
  };
  writeResult('admission', result);
  console.log(
    `admission: ${labelled.pods} pods in ${labelled.seconds} s labelled vs ${plain.seconds} s unlabelled, ratio ` +
      `${ratio} (target <= ${target}); pod-selected in an unlabelled namespace ${selected.seconds} s, ratio ` +
      `${selectedRatio}; create p50/p99 ${labelled.createLatencyMs.p50}/${labelled.createLatencyMs.p99} ms, ` +
      `${selected.createLatencyMs.p50}/${selected.createLatencyMs.p99} ms, ${plain.createLatencyMs.p50}/` +
      `${plain.createLatencyMs.p99} ms; operator CPU ${labelled.operatorCpuMsPerPod}/${selected.operatorCpuMsPerPod}/` +
      `${plain.operatorCpuMsPerPod} ms per pod; injected ${check.labelled.injected}/${check.labelled.total}, ` +
      `${check.selected.injected}/${check.selected.total}, ${check.plain.injected}/${check.plain.total}; ` +
      `load ${context.loadAverageAtStart.join('/')}`,
  );
  if (
    check.labelled.injected !== check.labelled.total ||
    check.selected.injected !== check.selected.total ||
    check.plain.injected !== 0
  ) {
    console.error('admission: injection was not as expected (see podsCheckedAfterwards)');
    process.exitCode = 1;
  }
} catch (error) {
  console.error(`admission failed: ${error instanceof Error ? error.message : String(error)}`);
  if (operator !== undefined) console.error(`operator output (tail):\n${operator.output().slice(-3000)}`);
  process.exitCode = 1;
} finally {
  await operator?.stop();
  await cluster.stop();
}
