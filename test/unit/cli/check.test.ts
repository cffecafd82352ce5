import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { checkCommand } from '../../../src/cli/check.ts';
import { UsageError } from '../../../src/cli/command.ts';
import type { JsonObject } from '../../../src/inject/types.ts';
import { json, recordingServer, status, writeKubeconfig, type RecordingServer } from '../kube/helpers.ts';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  const code = await checkCommand.run(args, { stdin: new PassThrough(), stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

const owner = (kind: string, name: string, apiVersion = 'apps/v1'): JsonObject => ({
  apiVersion,
  kind,
  name,
  uid: `uid-${name}`,
  controller: true,
});

function pod(name: string, ownerRef: JsonObject | undefined, sidecar?: string): JsonObject {
  const annotations: JsonObject = {};
  const containers: JsonObject[] = [{ name: 'app' }];
  if (sidecar !== undefined) {
    annotations['sidecar.istio.io/status'] = JSON.stringify({
      containers: ['istio-proxy'],
      revision: sidecar,
    });
    annotations['istio.io/rev'] = sidecar;
    containers.push({ name: 'istio-proxy' });
  }
  return {
    metadata: {
      name,
      namespace: 'team-a',
      uid: `uid-${name}`,
      annotations,
      ...(ownerRef === undefined ? {} : { ownerReferences: [ownerRef] }),
    },
    spec: { containers },
    status: { phase: 'Running' },
  };
}

const complete = {
  observedGeneration: 1,
  replicas: 1,
  updatedReplicas: 1,
  readyReplicas: 1,
  availableReplicas: 1,
};

/** What the fake API server holds: path -> list body. Anything else is a 404. */
function cluster(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const list = (kind: string, apiVersion: string, items: JsonObject[]) => ({
    kind: `${kind}List`,
    apiVersion,
    metadata: { resourceVersion: '1' },
    items,
  });
  return {
    '/api/v1/namespaces/team-a': {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-a', labels: { 'istio.io/rev': 'stable' } },
    },
    '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations': list(
      'MutatingWebhookConfiguration',
      'admissionregistration.k8s.io/v1',
      [
        {
          metadata: { name: 'injector-stable', labels: { 'istio.io/rev': 'stable' } },
          webhooks: [
            {
              name: 'rev.namespace.sidecar-injector.istio.io',
              namespaceSelector: {
                matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: ['stable'] }],
              },
            },
          ],
        },
      ],
    ),
    '/api/v1/namespaces/team-a/pods': list('Pod', 'v1', [
      pod('web-1-a', owner('ReplicaSet', 'web-1')),
      pod('web-1-b', owner('ReplicaSet', 'web-1'), 'stable'),
      pod('migrate-x', owner('Job', 'migrate', 'batch/v1'), 'canary'),
    ]),
    '/apis/apps/v1/namespaces/team-a/replicasets': list('ReplicaSet', 'apps/v1', [
      {
        metadata: {
          name: 'web-1',
          namespace: 'team-a',
          uid: 'uid-web-1',
          ownerReferences: [owner('Deployment', 'web')],
        },
      },
    ]),
    '/apis/apps/v1/namespaces/team-a/deployments': list('Deployment', 'apps/v1', [
      {
        metadata: { name: 'web', namespace: 'team-a', uid: 'uid-web', generation: 1 },
        spec: { replicas: 2 },
        status: { ...complete, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
      },
    ]),
    '/apis/apps/v1/namespaces/team-a/statefulsets': list('StatefulSet', 'apps/v1', []),
    '/apis/apps/v1/namespaces/team-a/daemonsets': list('DaemonSet', 'apps/v1', []),
    '/api/v1/namespaces/team-a/replicationcontrollers': list('ReplicationController', 'v1', []),
    '/apis/batch/v1/namespaces/team-a/jobs': list('Job', 'batch/v1', [
      { metadata: { name: 'migrate', namespace: 'team-a', uid: 'uid-migrate' } },
    ]),
    ...overrides,
  };
}

describe('mesh-injector check (fake API server)', () => {
  let server: RecordingServer;
  let kubeconfig: string;
  let objects: Record<string, unknown> = cluster();

  before(async () => {
    server = await recordingServer((req, res) => {
      const body = objects[req.url.pathname];
      if (body === undefined) json(res, 404, status(404, 'NotFound', `${req.url.pathname} not found`));
      else if (body === 403)
        json(res, 403, status(403, 'Forbidden', 'pods is forbidden: User "x" cannot list'));
      else json(res, 200, body);
    });
    kubeconfig = writeKubeconfig(server.url);
  });

  after(async () => {
    await server.close();
  });

  it('prints the namespace, the pods needing a restart and the actions, exit code 1, reading only', async () => {
    objects = cluster();
    server.requests.length = 0;
    const { code, stdout, stderr } = await run(['--kubeconfig', kubeconfig]);
    assert.equal(stderr, '');
    assert.equal(code, 1);
    assert.match(stdout, /^team-a\s+stable\s+3\s+1\s+1\s+1\s+0$/m);
    assert.match(stdout, /team-a: 2 pods need a restart/);
    assert.match(stdout, /Deployment web: restart now \(rollout restart\)/);
    assert.match(stdout, /pod web-1-a: missing \(has no sidecar, wants revision stable\)/);
    assert.match(stdout, /Job migrate: manual action required \(JobPods\)/);
    assert.match(stdout, /pod migrate-x: stale \(has sidecar canary, wants revision stable\)/);
    assert.ok(server.requests.length > 0);
    assert.deepEqual([...new Set(server.requests.map((r) => r.method))], ['GET']);
  });

  it('prints JSON with -o json', async () => {
    objects = cluster();
    const { code, stdout } = await run(['-o', 'json', '--kubeconfig', kubeconfig]);
    assert.equal(code, 1);
    const report = JSON.parse(stdout) as { podsNeedingRestart: number; namespaces: JsonObject[] };
    assert.equal(report.podsNeedingRestart, 2);
    const [ns] = report.namespaces;
    assert.equal(ns?.namespace, 'team-a');
    assert.equal(ns.revisionDisplay, 'stable');
    const workloads = ns.workloads as JsonObject[];
    assert.deepEqual(
      workloads.map((w) => [w.kind, w.name, w.state, w.reason]),
      [
        ['Deployment', 'web', 'Restarting', 'RestartInProgress'],
        ['Job', 'migrate', 'ManualActionRequired', 'JobPods'],
      ],
    );
    assert.deepEqual(
      (workloads[0]?.pods as JsonObject[]).map((p) => p.name),
      ['web-1-a'],
    );
  });

  it('exits 0 when every pod carries the wanted sidecar', async () => {
    objects = cluster({
      '/api/v1/namespaces/team-a/pods': {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: {},
        items: [pod('web-1-b', owner('ReplicaSet', 'web-1'), 'stable')],
      },
    });
    const { code, stdout } = await run(['-n', 'team-a', '--kubeconfig', kubeconfig]);
    assert.equal(code, 0);
    assert.doesNotMatch(stdout, /need a restart/);
  });

  it('shows MISSING when no webhook serves the revision', async () => {
    objects = cluster({
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations': {
        kind: 'MutatingWebhookConfigurationList',
        apiVersion: 'admissionregistration.k8s.io/v1',
        metadata: {},
        items: [],
      },
    });
    const { code, stdout } = await run(['--kubeconfig', kubeconfig]);
    assert.equal(code, 1);
    assert.match(stdout, /^team-a\s+MISSING\/stable\s/m);
    assert.match(stdout, /Deployment web: skip \(NoInjectorWebhook\)/);
  });

  it('exits 3 naming the request that failed', async () => {
    objects = cluster({ '/api/v1/namespaces/team-a/pods': 403 });
    const { code, stderr } = await run(['--kubeconfig', kubeconfig]);
    assert.equal(code, 3);
    assert.match(stderr, /cannot list pods in namespace team-a: 403 Forbidden: pods is forbidden/);
  });

  const injectorConfigMap = '/api/v1/namespaces/mesh-injector-system/configmaps/istio-sidecar-injector';
  const configMap = (config: string): JsonObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'istio-sidecar-injector', namespace: 'mesh-injector-system' },
    data: { config },
  });

  it("classifies under the injector ConfigMap's policy, as the operator does", async () => {
    objects = cluster({ [injectorConfigMap]: configMap('policy: disabled\n') });
    server.requests.length = 0;
    const { code, stdout, stderr } = await run(['--kubeconfig', kubeconfig]);
    assert.equal(stderr, '');
    assert.ok(server.requests.some((r) => r.url.pathname === injectorConfigMap));
    // With policy disabled only pods that ask for a sidecar get one: web-1-a lacks nothing, and the sidecars
    // the others carry are ones the webhook would no longer give them.
    assert.doesNotMatch(stdout, /pod web-1-a/);
    assert.match(stdout, /^team-a\s+stable\s+3\s+0\s+0\s+2\s+1$/m);
    assert.match(stdout, /pod web-1-b: stale \(has sidecar stable, wants no sidecar\)/);
    assert.equal(code, 1);
  });

  it('honours neverInjectSelector from the ConfigMap named by the flags', async () => {
    const elsewhere = '/api/v1/namespaces/mesh-config/configmaps/injector';
    objects = cluster({
      [elsewhere]: configMap(
        'policy: enabled\nneverInjectSelector:\n  - matchExpressions:\n      - {key: app, operator: DoesNotExist}\n',
      ),
    });
    const { stdout, stderr } = await run([
      '--config-namespace',
      'mesh-config',
      '--injector-configmap',
      'injector',
      '--kubeconfig',
      kubeconfig,
    ]);
    assert.equal(stderr, '');
    assert.doesNotMatch(stdout, /pod web-1-a: missing/);
  });

  it('says so and uses the default policy when the ConfigMap is unreadable or invalid', async () => {
    objects = cluster({ [injectorConfigMap]: 403 });
    const forbidden = await run(['--kubeconfig', kubeconfig]);
    assert.match(
      forbidden.stderr,
      /cannot read ConfigMap mesh-injector-system\/istio-sidecar-injector \(forbidden\): classifying with the default policy "enabled"/,
    );
    assert.match(forbidden.stdout, /pod web-1-a: missing/);
    assert.equal(forbidden.code, 1);

    objects = cluster({ [injectorConfigMap]: configMap('policy: disabled\npolcy: enabled\n') });
    const invalid = await run(['--kubeconfig', kubeconfig]);
    assert.match(invalid.stderr, /istio-sidecar-injector data\.config.*polcy: unknown field.*default policy/);
    assert.match(invalid.stdout, /pod web-1-a: missing/);
  });

  it('exits 3 when there are no credentials', async () => {
    const { code, stderr } = await run(['--kubeconfig', '/nonexistent/kubeconfig']);
    assert.equal(code, 3);
    assert.match(stderr, /cannot load kubeconfig \/nonexistent\/kubeconfig/);
  });

  const usage: [string, string[], RegExp][] = [
    ['-n with -A', ['-n', 'x', '-A'], /exclude each other/],
    ['an unknown output format', ['-o', 'yaml'], /text or json/],
    ['an unknown flag', ['--bogus'], /bogus/],
  ];
  for (const [name, args, message] of usage) {
    it(`rejects ${name} as a usage error`, async () => {
      await assert.rejects(
        run(args),
        (err: unknown) => err instanceof UsageError && message.test(err.message),
      );
    });
  }
});
