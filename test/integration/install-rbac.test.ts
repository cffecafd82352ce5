// The operator running with nothing but the install's RBAC: config/default is applied to a real control plane and
// `mesh-injector operator` runs as a local process authenticated as the install's ServiceAccount (a token from the
// TokenRequest API). It must do its whole job, certificates, webhook configuration, and rolling pre-existing
// Deployment, StatefulSet and DaemonSet pods into the mesh, without one call being forbidden.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/inject/types.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { eventually } from '../controlplane/helpers.ts';

const root = join(import.meta.dirname, '..', '..');
const operatorNamespace = 'mesh-injector-system';
const webhookPort = 19743;
const metricsPort = 19780;

function at(value: JsonValue | undefined, ...path: (string | number)[]): JsonValue | undefined {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number') current = Array.isArray(current) ? current[key] : undefined;
    else current = isJsonObject(current) ? current[key] : undefined;
  }
  return current;
}

describe('the operator with only the installed RBAC', { timeout: 300_000 }, () => {
  let cp: ControlPlane | undefined;
  let dir = '';
  let operator: ChildProcess | undefined;
  let output = '';

  const plane = (): ControlPlane => {
    assert.ok(cp, 'control plane not started');
    return cp;
  };

  function kubectl(...args: string[]): string {
    return kubectlWith(undefined, ...args);
  }

  function kubectlWith(input: string | undefined, ...args: string[]): string {
    const { kubectlPath, kubeconfigPath } = plane();
    const run = spawnSync(kubectlPath, [`--kubeconfig=${kubeconfigPath}`, ...args], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      ...(input === undefined ? {} : { input }),
    });
    if (run.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  }

  function getJson(...args: string[]): JsonObject {
    const parsed: unknown = JSON.parse(kubectl('get', ...args, '-o', 'json'));
    assert.ok(isJsonObject(parsed));
    return parsed;
  }

  /** The admin kubeconfig's cluster, with the ServiceAccount's token as the only credential. */
  function serviceAccountKubeconfig(): string {
    const token = kubectl(
      'create',
      'token',
      'mesh-injector',
      '-n',
      operatorNamespace,
      '--duration=1h',
    ).trim();
    const config: unknown = JSON.parse(
      kubectl('config', 'view', '--raw', '--minify', '--flatten', '-o', 'json'),
    );
    assert.ok(isJsonObject(config) && Array.isArray(config.users) && isJsonObject(config.users[0]));
    const name = config.users[0].name;
    config.users = [{ name: typeof name === 'string' ? name : 'mesh-injector', user: { token } }];
    const path = join(dir, 'mesh-injector.kubeconfig');
    writeFileSync(path, JSON.stringify(config));
    return path;
  }

  before(async () => {
    cp = await startControlPlane({ nodes: 2 });
    dir = mkdtempSync(join(tmpdir(), 'mesh-injector-rbac-'));
    kubectl('apply', '-k', 'config/default');
    kubectl('wait', '--for=condition=Established', 'crd/meshinjections.injection.mesh-injector.dev');
    // Workloads whose pods predate the namespace label: the operator must restart each kind.
    kubectl('create', 'namespace', 'shop');
    kubectl('-n', 'shop', 'create', 'deployment', 'web', '--image=nginx', '--replicas=2');
    const template = (app: string): JsonObject => ({
      metadata: { labels: { app } },
      spec: { containers: [{ name: app, image: 'busybox' }] },
    });
    const workloads = [
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'db', namespace: 'shop' },
        spec: {
          serviceName: 'db',
          replicas: 1,
          selector: { matchLabels: { app: 'db' } },
          template: template('db'),
        },
      },
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        metadata: { name: 'agent', namespace: 'shop' },
        spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') },
      },
    ];
    kubectlWith(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: workloads }), 'apply', '-f', '-');
  });

  after(async () => {
    if (operator !== undefined && operator.exitCode === null) {
      const exited = once(operator, 'exit');
      operator.kill('SIGTERM');
      await exited;
    }
    await cp?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('runs as the ServiceAccount and converges a namespace without a forbidden call', async () => {
    const kubeconfig = serviceAccountKubeconfig();
    operator = spawn(
      process.execPath,
      [
        'src/cli/main.ts',
        'operator',
        `--kubeconfig=${kubeconfig}`,
        `--namespace=${operatorNamespace}`,
        `--webhook-url=https://127.0.0.1:${webhookPort}/inject`,
        `--webhook-address=127.0.0.1:${webhookPort}`,
        `--metrics-address=127.0.0.1:${metricsPort}`,
        '--lame-duck=0s',
        '--log-level=debug',
      ],
      { cwd: root, env: { ...process.env, POD_NAME: 'rbac-test' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    operator.stdout?.on('data', (b: Buffer) => (output += b.toString()));
    operator.stderr?.on('data', (b: Buffer) => (output += b.toString()));

    await eventually(
      'the operator to be ready',
      async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).ok,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    await eventually(
      'the webhook configuration with a caBundle',
      () => {
        const mwc = getJson('mutatingwebhookconfiguration', 'mesh-injector-sidecar-injector');
        const bundle = at(mwc, 'webhooks', 0, 'clientConfig', 'caBundle');
        return typeof bundle === 'string' && bundle !== '';
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    kubectl('label', 'namespace', 'shop', 'istio-injection=enabled');
    const status = await eventually(
      'MeshInjection shop/default to be Converged with every pod injected',
      () => {
        const mi = getJson('meshinjection', '-n', 'shop', 'default');
        const conditions = at(mi, 'status', 'conditions');
        const converged = Array.isArray(conditions)
          ? conditions.filter(isJsonObject).find((c) => c.type === 'Converged')
          : undefined;
        const counts = at(mi, 'status', 'counts');
        return converged?.status === 'True' && at(counts, 'missing') === 0 && at(counts, 'total') === 5
          ? mi
          : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    assert.equal(at(status, 'status', 'revision'), 'default');

    const restarted = getJson('events', '-n', 'shop', '--field-selector', 'reason=RestartTriggered');
    const kinds = (Array.isArray(restarted.items) ? restarted.items : [])
      .map((e) => at(e, 'involvedObject', 'kind'))
      .filter((k): k is string => typeof k === 'string');
    assert.deepEqual([...new Set(kinds)].sort(), ['DaemonSet', 'Deployment', 'StatefulSet']);
    assert.doesNotMatch(output, /forbidden/i, 'a call was forbidden; see the operator output');
  });
});
