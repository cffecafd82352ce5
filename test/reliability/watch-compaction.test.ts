// Watch history compacted away while the operator was cut off from the API server: its watches come back to a
// resourceVersion etcd no longer has, get 410 Gone, and must relist. Nothing that happened meanwhile may be lost:
// a namespace labelled, a namespace created, a Deployment created and another deleted while the operator was away
// all end up injected and reported as they are.
//
// The API server runs without its watch cache here, so a watch is served by etcd itself and its compaction is what
// makes the watch fail (with the cache in front, history lives in the API server's memory instead; an API server
// restart is the other way to 410s, and apiserver-faults.test.ts goes through it). The operator reaches the API
// server through a TCP proxy that the test cuts, so the rest of the cluster, the webhook included, keeps working.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { KubeClient } from '../../src/kube/client.ts';
import {
  ApiServerProxy,
  compactEtcd,
  createAll,
  createNamespace,
  deployment,
  eventually,
  field,
  getMeshInjection,
  installCrd,
  kubeconfigVia,
  labelNamespace,
  metricSum,
  nameOf,
  objects,
  OperatorProcess,
  operatorNamespace,
  restartProblems,
  restartRecords,
  secondsSince,
  text,
  waitConverged,
  waitDeploymentsReady,
} from './support.ts';

describe('watch history compacted while the operator was disconnected', { timeout: 8 * 60_000 }, () => {
  let cp: ControlPlane;
  let client: KubeClient;
  let proxy: ApiServerProxy;
  let operator: OperatorProcess;

  before(async () => {
    cp = await startControlPlane({ nodes: 2, extraFlags: { 'kube-apiserver': ['--watch-cache=false'] } });
    client = new KubeClient(cp.kubeConfig, { qps: 200, burst: 400 });
    await installCrd(client);
    await createNamespace(client, operatorNamespace);
    proxy = await ApiServerProxy.start(cp.url);
    operator = await OperatorProcess.launch(cp, {
      name: 'operator',
      kubeconfigPath: kubeconfigVia(cp, proxy.url, 'operator-via-proxy.kubeconfig'),
      // One replica that always leads: this case is about its watches, not its lease.
      leaderElect: false,
    });
  });

  after(async () => {
    await operator.stop();
    await proxy.close();
    client.close();
    await cp.stop();
  });

  it('relists after 410 Gone and misses nothing that changed meanwhile', async (t) => {
    // Before: one namespace in the mesh, one not yet.
    await createNamespace(client, 'steady', { 'istio-injection': 'enabled' });
    await createNamespace(client, 'late');
    await createAll(client, [
      deployment('steady', 'web-0'),
      deployment('steady', 'web-1'),
      deployment('late', 'api-0'),
      deployment('late', 'api-1'),
    ]);
    await waitDeploymentsReady(client, 'steady', 2);
    await waitDeploymentsReady(client, 'late', 2);
    await waitConverged(client, 'steady', 2, 60_000);
    const goneBefore = metricSum(
      await operator.metrics(),
      'mesh_injector_namespace_informer_restarts_total',
      {
        reason: 'gone',
      },
    );

    // Cut the operator off, and wait until it has noticed.
    const logged = operator.messages().length;
    proxy.cut();
    const cutAt = Date.now();
    await eventually(
      'the operator to notice the lost connection',
      () => operator.messages().slice(logged).includes('list/watch failed; retrying after backoff'),
      { timeoutMs: 30_000 },
    );

    // What happens while it is away.
    await labelNamespace(client, 'late', { 'istio-injection': 'enabled' });
    await createNamespace(client, 'fresh', { 'istio-injection': 'enabled' });
    await createAll(client, [deployment('steady', 'added'), deployment('fresh', 'new-0')]);
    await client.request({ method: 'DELETE', path: '/apis/apps/v1/namespaces/steady/deployments/web-1' });
    await waitDeploymentsReady(client, 'steady', 2);
    await waitDeploymentsReady(client, 'fresh', 1);
    await eventually(
      'the deleted Deployment pods to be gone',
      async () => {
        const pods = await client.request({ path: '/api/v1/namespaces/steady/pods' });
        return objects(pods.items).every((p) => !nameOf(p).startsWith('web-1-'));
      },
      { timeoutMs: 60_000 },
    );
    // Its retries are refused while the partition lasts.
    await eventually('the operator to try to reconnect', () => proxy.refused >= 3, { timeoutMs: 30_000 });
    const revision = await compactEtcd(cp);
    t.diagnostic(`etcd compacted at revision ${revision}, ${secondsSince(cutAt)} s into the partition`);
    assert.ok(operator.running, 'the operator is still running while cut off');
    assert.equal(await operator.healthz(), 200);

    proxy.heal();
    const healedAt = Date.now();

    // The operator saw everything: the labelled namespace rolled, the new namespace reported, the deleted
    // Deployment gone from the report.
    await waitConverged(client, 'late', 2, 120_000);
    assert.deepEqual(restartProblems(await restartRecords(client, 'late'), 'revision=default'), []);
    await waitConverged(client, 'fresh', 1, 60_000);
    const steady = await waitConverged(client, 'steady', 2, 60_000);
    await eventually(
      'the steady namespace report to list exactly the Deployments that exist',
      async () => {
        const mi = await getMeshInjection(client, 'steady');
        const rows = objects(field(mi, 'status', 'workloads')).map((r) => `${text(r.kind)}/${text(r.name)}`);
        return JSON.stringify(rows.sort()) === JSON.stringify(['Deployment/added', 'Deployment/web-0']);
      },
      { timeoutMs: 30_000 },
    );
    t.diagnostic(
      `converged ${secondsSince(healedAt)} s after the partition healed; steady ${text(steady.injectedOfTotal)}`,
    );

    const metrics = await operator.metrics();
    const gone = (informer: string): number =>
      metricSum(metrics, 'mesh_injector_namespace_informer_restarts_total', { informer, reason: 'gone' });
    t.diagnostic(
      `410 relists: namespaces ${gone('namespaces')}, deployments ${gone('deployments')}, pods ${gone('pods')}`,
    );
    assert.ok(
      metricSum(metrics, 'mesh_injector_namespace_informer_restarts_total', { reason: 'gone' }) > goneBefore,
      'watches were answered 410 Gone',
    );
    for (const informer of ['namespaces', 'deployments', 'pods']) {
      assert.ok(gone(informer) >= 1, `the ${informer} informer relisted after 410 Gone`);
    }
    assert.ok(operator.messages().includes('resourceVersion too old; relisting'));
    assert.equal(operator.runs, 1, 'the operator never exited');
  });
});
