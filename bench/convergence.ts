// Convergence at scale with kwok: N Deployments x R replicas exist before their namespace is labelled for
// injection; how long until every pod carries the sidecar?
//
// Three namespaces of the same Deployments, one after the other in the same run and on the same cluster:
//   baseline  what a person does without the operator: label the namespace, then `kubectl rollout restart
//             deployment -n <ns>` (every Deployment at once). The MeshInjection there says restartPolicy: Never,
//             so the operator keeps out of it.
//   operator  label the namespace; the operator restarts everything with pacing lifted (MeshInjection
//             maxConcurrentRestarts: 1000, restartInterval: 0s; operator --max-concurrent-restarts=10000).
//   paced     label the namespace; the operator restarts with the default pacing (2 at once, 10 s apart). Slow
//             by design: watched for --paced-minutes, then extrapolated.
// "Converged" is measured the same way for the first two: every Deployment restarted and fully rolled out (all
// replicas updated and available, no old ones), and afterwards every pod is checked for the sidecar. For the
// operator the time its MeshInjection reports Converged=True is given as well. The operator's API requests come
// from the API server's audit log (its own user), per workload; its own write counters are given beside them.
//
//   ./node_modules/.bin/node bench/convergence.ts [--deployments 1000] [--replicas 2] [--nodes 10]
//                                                [--paced-minutes 3] [--skip-paced] [--operator-first]
//                                                [--timeout-minutes 45] [--result-name convergence]
//
// Writes bench/results/<result-name>.json and prints a one-line summary.
import { parseArgs } from 'node:util';
import { isJsonObject } from '../src/inject/types.ts';
import {
  adminUser,
  auditedRequests,
  countRequests,
  createMeshInjection,
  deploymentInformer,
  deploymentManifest,
  ensureNamespace,
  forEachLimited,
  operatorRequests,
  operatorUser,
  podState,
  startBenchCluster,
  startOperator,
  sumSeries,
  waitFor,
  waitForServiceAccount,
  WRITE_VERBS,
  type BenchCluster,
  type DeploymentState,
  type OperatorProcess,
} from './lib/cluster.ts';
import { positiveNumber, runContext, writeResult } from './lib/report.ts';

const { values: args } = parseArgs({
  options: {
    deployments: { type: 'string', default: '1000' },
    replicas: { type: 'string', default: '2' },
    nodes: { type: 'string', default: '10' },
    'operator-node-arg': { type: 'string', multiple: true, default: [] },
    'paced-minutes': { type: 'string', default: '3' },
    'skip-paced': { type: 'boolean', default: false },
    'operator-first': { type: 'boolean', default: false },
    'timeout-minutes': { type: 'string', default: '45' },
    // Another name for the result file, so a run at another scale does not replace the headline one.
    'result-name': { type: 'string', default: 'convergence' },
  },
});
if (!/^[a-z0-9][a-z0-9-]*$/.test(args['result-name']))
  throw new Error(
    `--result-name: lower-case letters, digits and dashes only, got ${JSON.stringify(args['result-name'])}`,
  );
const deployments = positiveNumber('deployments', args.deployments);
const replicas = positiveNumber('replicas', args.replicas);
const nodes = positiveNumber('nodes', args.nodes);
const pacedMinutes = positiveNumber('paced-minutes', args['paced-minutes']);
const phaseTimeoutMs = positiveNumber('timeout-minutes', args['timeout-minutes']) * 60_000;
const context = runContext();
const target = 1.1;
const namespaces = { baseline: 'conv-baseline', operator: 'conv-operator', paced: 'conv-paced' } as const;
const names = Array.from({ length: deployments }, (_, i) => `app-${String(i).padStart(4, '0')}`);

const log = (line: string): void => {
  console.log(`convergence: ${line}`);
};
const secondsSince = (t: number): number => Number(((Date.now() - t) / 1000).toFixed(1));

async function label(cluster: BenchCluster, namespace: string): Promise<void> {
  await cluster.admin.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${namespace}`,
    contentType: 'application/merge-patch+json',
    body: { metadata: { labels: { 'istio-injection': 'enabled' } } },
  });
}

async function meshInjectionConverged(cluster: BenchCluster, namespace: string): Promise<boolean> {
  const mi = await cluster.admin.request({
    path: `/apis/injection.mesh-injector.dev/v1alpha1/namespaces/${namespace}/meshinjections/default`,
  });
  const status = isJsonObject(mi.status) ? mi.status : {};
  const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
  return conditions.some((c) => c.type === 'Converged' && c.status === 'True');
}

async function podCheck(cluster: BenchCluster, namespace: string) {
  const list = await cluster.admin.request({ path: `/api/v1/namespaces/${namespace}/pods` });
  const pods = (Array.isArray(list.items) ? list.items : []).filter(isJsonObject).map(podState);
  const live = pods.filter((p) => !p.terminating);
  return {
    pods: live.length,
    injected: live.filter((p) => p.injected).length,
    running: live.filter((p) => p.running).length,
  };
}

console.log(
  `convergence: ${deployments} Deployments x ${replicas} replicas per namespace, ${nodes} kwok nodes`,
);
const cluster = await startBenchCluster({ nodes });
let operator: OperatorProcess | undefined;
const deploymentsSeen = deploymentInformer(cluster.admin);
try {
  operator = await startOperator(cluster, {
    extraArgs: ['--max-concurrent-restarts=10000'],
    nodeArgs: args['operator-node-arg'],
  });
  deploymentsSeen.start();
  await deploymentsSeen.waitForSync();

  // ---- setup: every namespace with its Deployments rolled out, before any label
  const setupStarted = Date.now();
  for (const namespace of Object.values(namespaces)) {
    await ensureNamespace(cluster.admin, namespace);
    await waitForServiceAccount(cluster.admin, namespace);
  }
  await createMeshInjection(cluster.admin, namespaces.baseline, { restartPolicy: 'Never' });
  await createMeshInjection(cluster.admin, namespaces.operator, {
    maxConcurrentRestarts: 1000,
    restartInterval: '0s',
  });
  const usedNamespaces = args['skip-paced']
    ? [namespaces.baseline, namespaces.operator]
    : Object.values(namespaces);
  for (const namespace of usedNamespaces) {
    await forEachLimited(names, 20, async (name) => {
      await cluster.admin.request({
        method: 'POST',
        path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
        body: deploymentManifest(namespace, name, replicas),
      });
    });
    log(`created ${deployments} Deployments in ${namespace} (${secondsSince(setupStarted)} s)`);
  }
  const allRolledOut = (namespace: string): boolean => {
    const list = deploymentsSeen.byNamespace(namespace);
    return list.length === deployments && list.every((d) => d.rolledOut);
  };
  await waitFor(
    'every Deployment rolled out before labelling',
    phaseTimeoutMs,
    () => usedNamespaces.every(allRolledOut),
    1000,
  );
  const setupSeconds = secondsSince(setupStarted);
  log(`setup done: ${usedNamespaces.length * deployments * replicas} pods running (${setupSeconds} s)`);
  // Let the operator's caches and status writes settle after the flood of pod events.
  await new Promise((resolve) => setTimeout(resolve, 10_000));

  /** Times each Deployment of `namespace` became rolled out after having been restarted (by `restarted`). */
  const watchRollouts = (namespace: string, restarted: (d: DeploymentState) => boolean) => {
    const doneAt = new Map<string, number>();
    const firstRestartSeen = { at: 0 };
    const observe = (d: DeploymentState): void => {
      if (d.namespace !== namespace || !restarted(d)) return;
      if (firstRestartSeen.at === 0) firstRestartSeen.at = Date.now();
      if (d.rolledOut && !doneAt.has(d.name)) doneAt.set(d.name, Date.now());
    };
    const remove = deploymentsSeen.addHandler({
      onAdd: observe,
      onUpdate: (_old, d) => {
        observe(d);
      },
    });
    return { doneAt, firstRestartSeen, remove };
  };

  const operatorCounters = async () => {
    const m = await operator!.metrics();
    return {
      restarts: sumSeries(m, 'mesh_injector_restarts_total', 'result="triggered"'),
      writes: sumSeries(m, 'mesh_injector_namespace_reconciler_writes_total'),
      cpu: operator!.cpuSeconds(),
    };
  };

  /** The operator's requests since `start`, by the audit log, and the writes among them. */
  const operatorActivity = (start: number) => {
    const audited = operatorRequests(cluster.auditLogPath, start, Date.now());
    return { audited, writes: audited.filter((e) => WRITE_VERBS.has(e.verb)) };
  };

  /** When the restarts went out: the first and last Deployment patch in the namespace, by the audit log. */
  const restartSpan = (namespace: string, user: string, start: number) => {
    const patches = auditedRequests(cluster.auditLogPath, user, start, Date.now()).filter(
      (e) => e.namespace === namespace && e.verb === 'patch' && e.resource === 'deployments',
    );
    const times = patches.map((e) => e.at);
    return {
      deploymentPatches: patches.length,
      firstPatchSeconds: Number(((Math.min(...times) - start) / 1000).toFixed(2)),
      lastPatchSeconds: Number(((Math.max(...times) - start) / 1000).toFixed(2)),
    };
  };

  /**
   * One timed phase: `act` labels the namespace and starts the restarts; the phase ends when every Deployment
   * has been restarted (by `restarted`) and rolled out, and `done` (if given) agrees. What the operator did
   * meanwhile (CPU, requests by the audit log, its own counters) is measured over the same window.
   */
  const timedPhase = async (
    namespace: string,
    restartedBy: string,
    restarted: (d: DeploymentState) => string | undefined,
    act: () => Promise<void>,
    done: () => Promise<boolean> = () => Promise.resolve(true),
  ) => {
    const watch = watchRollouts(namespace, (d) => restarted(d) !== undefined);
    const before = await operatorCounters();
    const start = Date.now();
    await act();
    const actSeconds = secondsSince(start);
    let doneAt = 0;
    await waitFor(
      `every Deployment of ${namespace} restarted and rolled out`,
      phaseTimeoutMs,
      async () => {
        if (doneAt === 0 && watch.doneAt.size === deployments && (await done())) doneAt = Date.now();
        return doneAt !== 0;
      },
      250,
    );
    watch.remove();
    const rolledOutSeconds = (Math.max(...watch.doneAt.values()) - start) / 1000;
    // Status writes trail the last rollout; give them a moment, then count.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const after = await operatorCounters();
    const { audited, writes } = operatorActivity(start);
    const writesByNamespace: Record<string, number> = {};
    for (const w of writes) {
      const key = w.namespace === '' ? '(cluster)' : w.namespace;
      writesByNamespace[key] = (writesByNamespace[key] ?? 0) + 1;
    }
    return {
      namespace,
      secondsToRolledOut: Number(rolledOutSeconds.toFixed(1)),
      secondsToDone: Number(((doneAt - start) / 1000).toFixed(1)),
      secondsToLabelAndStart: actSeconds,
      restarts: restartSpan(namespace, restartedBy, start),
      podsAfterwards: await podCheck(cluster, namespace),
      operatorCpuSeconds: Number((after.cpu - before.cpu).toFixed(1)),
      operatorRestartsTriggered: after.restarts - before.restarts,
      operatorOwnWriteCounter: after.writes - before.writes,
      auditedRequests: audited.length,
      auditedWrites: writes.length,
      requestsPerWorkload: Number((audited.length / deployments).toFixed(2)),
      writesPerWorkload: Number((writes.length / deployments).toFixed(2)),
      requestsByVerbAndResource: countRequests(audited),
      writesByNamespace,
      throttledRequests: audited.filter((e) => e.code === 429).length,
    };
  };

  // ---- baseline: label, then kubectl rollout restart on everything at once
  const runBaseline = async () => {
    log('baseline: label + kubectl rollout restart deployment (all at once)');
    const phase = await timedPhase(
      namespaces.baseline,
      adminUser,
      (d) => d.kubectlRestartedAt,
      async () => {
        await label(cluster, namespaces.baseline);
        cluster.kubectl('rollout', 'restart', 'deployment', '-n', namespaces.baseline);
      },
    );
    log(
      `baseline rolled out in ${phase.secondsToRolledOut} s (label + kubectl ${phase.secondsToLabelAndStart} s, ` +
        `last restart patch at ${phase.restarts.lastPatchSeconds} s)`,
    );
    return phase;
  };

  // ---- operator, pacing lifted
  const runOperator = async () => {
    log('operator: label, pacing unlimited');
    const phase = await timedPhase(
      namespaces.operator,
      operatorUser,
      (d) => d.operatorRestartedAt,
      () => label(cluster, namespaces.operator),
      () => meshInjectionConverged(cluster, namespaces.operator),
    );
    log(
      `operator rolled out in ${phase.secondsToRolledOut} s (Converged condition seen at ${phase.secondsToDone} s, ` +
        `last restart patch at ${phase.restarts.lastPatchSeconds} s)`,
    );
    return phase;
  };

  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10_000));
  let baseline;
  let operatorPhase;
  if (args['operator-first']) {
    operatorPhase = await runOperator();
    await settle();
    baseline = await runBaseline();
  } else {
    baseline = await runBaseline();
    await settle();
    operatorPhase = await runOperator();
  }
  const ratio = Number((operatorPhase.secondsToRolledOut / baseline.secondsToRolledOut).toFixed(3));
  log(`ratio ${ratio}`);

  // ---- default pacing, capped
  let paced: Record<string, unknown> = { skipped: true };
  if (!args['skip-paced']) {
    log(`paced: label, default pacing, watched for ${pacedMinutes} min`);
    const pacedWatch = watchRollouts(namespaces.paced, (d) => d.operatorRestartedAt !== undefined);
    const pacedStart = Date.now();
    await label(cluster, namespaces.paced);
    const capMs = pacedMinutes * 60_000;
    // The window ends at the cap, or once every Deployment has rolled out and the MeshInjection says Converged.
    let convergedAt = 0;
    await waitFor(
      'the paced window',
      capMs + 60_000,
      async () => {
        if (Date.now() - pacedStart >= capMs) return true;
        if (pacedWatch.doneAt.size < deployments) return false;
        if (await meshInjectionConverged(cluster, namespaces.paced)) convergedAt = Date.now();
        return convergedAt !== 0;
      },
      1000,
    );
    const watchedSeconds = secondsSince(pacedStart);
    // Status writes trail the last rollout; give them a moment, then count what the operator sent.
    if (convergedAt !== 0) await new Promise((resolve) => setTimeout(resolve, 5_000));
    const { audited: pacedAudited, writes: pacedWrites } = operatorActivity(pacedStart);
    const pacedNamespaceWrites = pacedWrites.filter((e) => e.namespace === namespaces.paced);
    const restartedAt = deploymentsSeen
      .byNamespace(namespaces.paced)
      .map((d) => (d.operatorRestartedAt === undefined ? Number.NaN : Date.parse(d.operatorRestartedAt)))
      .filter((t) => Number.isFinite(t))
      .sort((a, b) => a - b);
    pacedWatch.remove();
    const restarted = restartedAt.length;
    const spanSeconds = restarted > 1 ? (restartedAt.at(-1)! - restartedAt[0]!) / 1000 : Number.NaN;
    const secondsPerRestart = restarted > 1 ? spanSeconds / (restarted - 1) : Number.NaN;
    const firstRestartSeconds = restarted > 0 ? (restartedAt[0]! - pacedStart) / 1000 : Number.NaN;
    const extrapolatedSeconds = firstRestartSeconds + secondsPerRestart * (deployments - 1) + 30;
    paced = {
      namespace: namespaces.paced,
      watchedSeconds,
      restartsStarted: restarted,
      rolledOut: pacedWatch.doneAt.size,
      // Measured, not extrapolated, when the whole namespace converged inside the window.
      secondsToConverged: convergedAt === 0 ? null : Number(((convergedAt - pacedStart) / 1000).toFixed(1)),
      auditedRequests: pacedAudited.length,
      auditedWrites: pacedWrites.length,
      writesInNamespace: pacedNamespaceWrites.length,
      writesPerRestart: restarted > 0 ? Number((pacedWrites.length / restarted).toFixed(2)) : null,
      requestsByVerbAndResource: countRequests(pacedAudited),
      firstRestartSeconds: Number(firstRestartSeconds.toFixed(1)),
      secondsPerRestart: Number(secondsPerRestart.toFixed(2)),
      extrapolatedSecondsToConverge: Math.round(extrapolatedSeconds),
      extrapolatedHoursToConverge: Number((extrapolatedSeconds / 3600).toFixed(2)),
      extrapolation:
        'first restart + seconds per restart x (deployments - 1) + 30 s for the last rollout; restarts are paced ' +
        'by restartInterval (10 s) with at most maxConcurrentRestarts (2) rolling',
    };
    log(
      `paced: ${restarted} restarts in ${watchedSeconds} s (${secondsPerRestart.toFixed(1)} s apart), ` +
        (convergedAt === 0
          ? `extrapolated ${(extrapolatedSeconds / 3600).toFixed(2)} h for ${deployments}`
          : `Converged after ${((convergedAt - pacedStart) / 1000).toFixed(1)} s`) +
        `; operator writes ${pacedWrites.length} (${pacedNamespaceWrites.length} in the namespace)`,
    );
  }

  const result = {
    benchmark: 'convergence',
    description:
      'time from labelling a namespace of pre-existing Deployments to every pod injected: the operator with pacing ' +
      'lifted vs kubectl rollout restart of everything at once (same run), and with the default pacing',
    deployments,
    replicas,
    nodes,
    ratio,
    target,
    met: ratio <= target,
    setupSeconds,
    order: args['operator-first'] ? 'operator first' : 'baseline first',
    baseline,
    operator: operatorPhase,
    paced,
    operatorRssMiB: Number((operator.rssBytes() / 1024 / 1024).toFixed(1)),
    ...context,
  };
  writeResult(args['result-name'], result);
  console.log(
    `convergence: ${deployments}x${replicas} operator ${operatorPhase.secondsToRolledOut} s vs kubectl rollout ` +
      `restart ${baseline.secondsToRolledOut} s, ratio ${ratio} (target <= ${target}); ` +
      `${operatorPhase.writesPerWorkload} writes and ${operatorPhase.requestsPerWorkload} requests per workload; ` +
      `load ${context.loadAverageAtStart.join('/')}`,
  );
  const injectedAll = (p: { pods: number; injected: number }): boolean => p.pods > 0 && p.injected === p.pods;
  if (!injectedAll(baseline.podsAfterwards) || !injectedAll(operatorPhase.podsAfterwards)) {
    console.error('convergence: not every pod ended injected (see podsAfterwards)');
    process.exitCode = 1;
  }
} catch (error) {
  console.error(`convergence failed: ${error instanceof Error ? error.message : String(error)}`);
  if (operator !== undefined) console.error(`operator output (tail):\n${operator.output().slice(-3000)}`);
  process.exitCode = 1;
} finally {
  await deploymentsSeen.stop();
  await operator?.stop();
  await cluster.stop();
}
