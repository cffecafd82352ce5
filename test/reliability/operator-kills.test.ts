// The operator SIGKILLed at five random points of a 100-Deployment rollout and started again each time. Whatever
// it was doing when it died (planning, patching, writing status), the cluster must end with every workload
// injected, each Deployment restarted exactly once (the restart cause lives on the workload, not in memory), and
// never more restarts rolling at once than the namespace allows, as seen from outside by continuous sampling.
//
// The kill points are drawn from a printed seed; MESH_INJECTOR_RELIABILITY_SEED=<seed> replays a run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { KubeClient } from '../../src/kube/client.ts';
import {
  caseSeed,
  createFleet,
  createNamespace,
  eventually,
  installCrd,
  labelNamespace,
  OperatorProcess,
  operatorNamespace,
  restartProblems,
  restartRecords,
  RolloutSampler,
  secondsSince,
  seededRandom,
  text,
  waitConverged,
  type ExitStatus,
} from './support.ts';

const namespace = 'fleet';
const deployments = 100;
const maxConcurrentRestarts = 5;
const kills = 5;

/** `count` distinct restart counts in (0, total), ascending: the moments to kill at. */
function killPoints(random: () => number, count: number, total: number): number[] {
  const points = new Set<number>();
  while (points.size < count) points.add(1 + Math.floor(random() * (total - 2)));
  return [...points].sort((a, b) => a - b);
}

describe(
  'the operator SIGKILLed at random points of a 100-Deployment rollout',
  { timeout: 12 * 60_000 },
  () => {
    let cp: ControlPlane;
    let client: KubeClient;
    let operator: OperatorProcess;
    let sampler: RolloutSampler | undefined;

    before(async () => {
      cp = await startControlPlane({ nodes: 3 });
      client = new KubeClient(cp.kubeConfig, { qps: 200, burst: 400 });
      await installCrd(client);
      await createNamespace(client, operatorNamespace);
      operator = await OperatorProcess.launch(cp, {
        name: 'operator',
        // A restarted process leads at once: what is tested is its memory loss, not the lease (leader-failover is).
        leaderElect: false,
      });
      await createFleet(client, namespace, {
        prefix: 'app',
        count: deployments,
        spec: { maxConcurrentRestarts, restartInterval: '0s' },
        timeoutMs: 240_000,
      });
    });

    after(async () => {
      await sampler?.stop();
      await operator.stop();
      client.close();
      await cp.stop();
    });

    it('ends with every workload injected, each restarted once, the pacing limit never exceeded', async (t) => {
      const seed = caseSeed();
      const random = seededRandom(seed);
      const points = killPoints(random, kills, deployments);
      t.diagnostic(
        `seed ${seed} (MESH_INJECTOR_RELIABILITY_SEED=${seed} replays it); kill after ${points.join(', ')} restarts`,
      );
      console.log(`operator-kills: seed ${seed}, kill points ${points.join(', ')}`);

      sampler = new RolloutSampler(client, namespace).start();
      const started = Date.now();
      await labelNamespace(client, namespace, { 'istio-injection': 'enabled' });

      const exits: ExitStatus[] = [];
      const killedAt: string[] = [];
      for (const point of points) {
        const s = sampler;
        await eventually(`${point} Deployments restarted`, () => s.restarted >= point, {
          timeoutMs: 240_000,
          intervalMs: 50,
        });
        // Land somewhere inside the reconcile loop, not always right after the sample that crossed the point.
        await sleep(Math.floor(random() * 1500));
        exits.push(await operator.kill('SIGKILL'));
        killedAt.push(`${s.restarted} restarted at ${secondsSince(started)} s`);
        await sleep(Math.floor(random() * 3000));
        operator.start();
      }
      t.diagnostic(`killed: ${killedAt.join('; ')}`);

      const status = await waitConverged(client, namespace, deployments, 400_000);
      t.diagnostic(`converged ${secondsSince(started)} s after the label (${text(status.injectedOfTotal)})`);
      await sampler.stop();

      assert.deepEqual(
        exits.map((e) => e.signal),
        Array<string>(kills).fill('SIGKILL'),
        'each kill ended the process',
      );
      assert.equal(operator.runs, kills + 1);
      const records = await restartRecords(client, namespace);
      assert.equal(records.size, deployments);
      assert.deepEqual(restartProblems(records, 'revision=default'), [], 'one restart per Deployment');
      assert.deepEqual(
        sampler.restartedMoreThanOnce(),
        [],
        'no Deployment ever showed a second restart time',
      );
      t.diagnostic(
        `pacing: at most ${sampler.maxRolling} rolling at once (limit ${maxConcurrentRestarts}), ${sampler.samples} samples`,
      );
      assert.ok(
        sampler.maxRolling <= maxConcurrentRestarts,
        `never more than ${maxConcurrentRestarts} restarts rolling; saw ${sampler.maxRolling}: ${sampler.worst.join(', ')}`,
      );
      assert.ok(sampler.maxRolling >= 2, `the rollout ran restarts in parallel (max ${sampler.maxRolling})`);
    });
  },
);
