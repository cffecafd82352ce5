// `kubectl apply -k config/default` on a real control plane (kwok nodes: the operator's pods are scheduled and
// become Running, nothing executes in them), the operator's ServiceAccount's permissions as the API server
// decides them, the samples, and `kubectl delete -k` leaving nothing behind, the webhook configurations the
// operator would have written included.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/inject/types.ts';
import { startControlPlane, type ControlPlane } from '../controlplane/controlplane.ts';
import { eventually } from '../controlplane/helpers.ts';

const execFileAsync = promisify(execFile);
const repoRoot = join(import.meta.dirname, '..', '..');
const operatorNamespace = 'mesh-injector-system';
const operator = `system:serviceaccount:${operatorNamespace}:mesh-injector`;
const crdName = 'meshinjections.injection.mesh-injector.dev';
const webhookConfig = 'mesh-injector-sidecar-injector';

function at(value: JsonValue | undefined, ...path: (string | number)[]): JsonValue | undefined {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number') current = Array.isArray(current) ? current[key] : undefined;
    else current = isJsonObject(current) ? current[key] : undefined;
  }
  return current;
}

function items(list: JsonObject): JsonObject[] {
  return Array.isArray(list.items) ? list.items.filter(isJsonObject) : [];
}

describe('kubectl apply -k config/default', () => {
  let cp: ControlPlane | undefined;

  const plane = (): ControlPlane => {
    assert.ok(cp, 'control plane not started');
    return cp;
  };

  /** Runs kubectl against the control plane; rejects with kubectl's stderr on a non-zero exit. */
  async function kubectl(args: readonly string[], input?: string): Promise<string> {
    const { kubectlPath, kubeconfigPath } = plane();
    const child = execFileAsync(kubectlPath, ['--kubeconfig', kubeconfigPath, ...args], {
      cwd: repoRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
    if (input !== undefined) child.child.stdin?.end(input);
    try {
      return (await child).stdout;
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new Error(`kubectl ${args.join(' ')}: ${stderr.trim() || String(error)}`, { cause: error });
    }
  }

  async function getJson(args: readonly string[]): Promise<JsonObject> {
    const parsed: unknown = JSON.parse(await kubectl([...args, '-o', 'json']));
    assert.ok(isJsonObject(parsed));
    return parsed;
  }

  /**
   * Whether the API server lets the operator's ServiceAccount make a call, by a SubjectAccessReview (exact group,
   * resource and name; no discovery, so resources of CRDs that are not installed can be asked about too).
   * `call` is `verb group/resource[/subresource] namespace|- [name]`, group `core` for the core API.
   */
  async function operatorCan(call: string): Promise<boolean> {
    const [verb = '', path = '', namespace = '-', name] = call.split(' ');
    const [group = '', resource = '', subresource] = path.split('/');
    const review = await kubectl(
      ['create', '-o', 'json', '-f', '-'],
      JSON.stringify({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: operator,
          groups: [
            'system:serviceaccounts',
            `system:serviceaccounts:${operatorNamespace}`,
            'system:authenticated',
          ],
          resourceAttributes: {
            verb,
            group: group === 'core' ? '' : group,
            resource,
            ...(subresource === undefined ? {} : { subresource }),
            ...(namespace === '-' ? {} : { namespace }),
            ...(name === undefined ? {} : { name }),
          },
        },
      }),
    );
    const parsed: unknown = JSON.parse(review);
    assert.ok(isJsonObject(parsed));
    return at(parsed, 'status', 'allowed') === true;
  }

  async function gone(args: readonly string[]): Promise<boolean> {
    try {
      await kubectl(['get', ...args]);
      return false;
    } catch (error) {
      if (error instanceof Error && /NotFound|not found/.test(error.message)) return true;
      throw error;
    }
  }

  before(async () => {
    cp = await startControlPlane({ nodes: 3 });
  });

  after(async () => {
    await cp?.stop();
  });

  it('installs: the CRD is established and both operator replicas run, on different nodes', async () => {
    await kubectl(['apply', '-k', 'config/default']);
    await kubectl(['wait', '--for=condition=Established', `crd/${crdName}`, '--timeout=60s']);
    await kubectl([
      'rollout',
      'status',
      '-n',
      operatorNamespace,
      'deployment/mesh-injector',
      '--timeout=90s',
    ]);
    const pods = items(await getJson(['get', 'pods', '-n', operatorNamespace]));
    assert.equal(pods.length, 2);
    for (const pod of pods) {
      assert.equal(at(pod, 'status', 'phase'), 'Running');
      assert.equal(at(pod, 'spec', 'serviceAccountName'), 'mesh-injector');
    }
    const nodes = new Set(pods.map((pod) => at(pod, 'spec', 'nodeName')));
    assert.equal(nodes.size, 2, 'topology spread put both replicas on one node');
  });

  it('protects one replica with the PodDisruptionBudget', async () => {
    const allowed = await eventually('the disruption budget to count both replicas', async () => {
      const pdb = await getJson(['get', 'pdb', '-n', operatorNamespace, 'mesh-injector']);
      return at(pdb, 'status', 'currentHealthy') === 2 ? at(pdb, 'status', 'disruptionsAllowed') : undefined;
    });
    assert.equal(allowed, 1);
  });

  it('lets the operator make every kind of call it needs', async () => {
    const calls = [
      'list core/pods',
      'watch core/namespaces',
      'list core/nodes',
      'patch apps/deployments team-a web',
      'patch apps/statefulsets team-a db',
      'patch apps/daemonsets team-a agent',
      'patch apps/replicasets team-a web-5c5d',
      'patch core/replicationcontrollers team-a legacy',
      'watch batch/jobs',
      'get argoproj.io/rollouts team-a canary',
      'patch argoproj.io/rollouts team-a canary',
      'watch admissionregistration.k8s.io/mutatingwebhookconfigurations',
      `create admissionregistration.k8s.io/mutatingwebhookconfigurations - ${webhookConfig}`,
      `patch admissionregistration.k8s.io/mutatingwebhookconfigurations - ${webhookConfig}`,
      `delete admissionregistration.k8s.io/mutatingwebhookconfigurations - ${webhookConfig}`,
      `get apiextensions.k8s.io/customresourcedefinitions - ${crdName}`,
      'watch injection.mesh-injector.dev/meshinjections',
      'create injection.mesh-injector.dev/meshinjections team-a',
      'patch injection.mesh-injector.dev/meshinjections/status team-a default',
      'create core/events team-a',
      'patch core/events default',
      `get core/secrets ${operatorNamespace} mesh-injector-webhook-tls`,
      `watch core/secrets ${operatorNamespace} mesh-injector-webhook-tls`,
      `update core/secrets ${operatorNamespace} mesh-injector-webhook-tls`,
      `create core/secrets ${operatorNamespace}`,
      `create coordination.k8s.io/leases ${operatorNamespace}`,
      `update coordination.k8s.io/leases ${operatorNamespace} mesh-injector-leader`,
      `watch core/configmaps ${operatorNamespace}`,
    ];
    const denied: string[] = [];
    for (const call of calls) if (!(await operatorCan(call))) denied.push(call);
    assert.deepEqual(denied, []);
  });

  it('refuses the operator what it must not do', async () => {
    const calls = [
      'get core/secrets kube-system some-token',
      `list core/secrets ${operatorNamespace}`,
      `get core/secrets ${operatorNamespace} other`,
      'list core/secrets',
      'delete core/pods team-a web-5c5d-x1',
      'create core/pods team-a',
      'patch admissionregistration.k8s.io/mutatingwebhookconfigurations - istio-sidecar-injector',
      'delete admissionregistration.k8s.io/mutatingwebhookconfigurations - istio-sidecar-injector',
      'create admissionregistration.k8s.io/mutatingwebhookconfigurations - intruder',
      'create admissionregistration.k8s.io/mutatingwebhookconfigurations',
      'patch admissionregistration.k8s.io/validatingwebhookconfigurations - anything',
      'update coordination.k8s.io/leases kube-system kube-scheduler',
      `update coordination.k8s.io/leases ${operatorNamespace} other`,
      'get core/configmaps kube-system kube-root-ca.crt',
      'delete injection.mesh-injector.dev/meshinjections team-a default',
      'update apiextensions.k8s.io/customresourcedefinitions - meshinjections.injection.mesh-injector.dev',
      'create rbac.authorization.k8s.io/clusterrolebindings',
      'impersonate core/users - admin',
      'patch batch/jobs team-a migrate',
      'patch batch/cronjobs team-a nightly',
    ];
    const allowed: string[] = [];
    for (const call of calls) if (await operatorCan(call)) allowed.push(call);
    assert.deepEqual(allowed, []);
  });

  it('reads its Secret the way its informers do: a list and watch by name, which resourceNames allow', async () => {
    const list = await getJson([
      'get',
      'secrets',
      '-n',
      operatorNamespace,
      '--as',
      operator,
      '--field-selector',
      'metadata.name=mesh-injector-webhook-tls',
    ]);
    assert.deepEqual(items(list), []);
  });

  it('creates by server-side apply only the webhook configurations it is named for', async () => {
    const manifest = (name: string): string =>
      JSON.stringify({
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfiguration',
        metadata: { name },
        webhooks: [],
      });
    const apply = ['apply', '--server-side', '--field-manager=mesh-injector', '--as', operator, '-f', '-'];
    await kubectl(apply, manifest(webhookConfig));
    await assert.rejects(kubectl(apply, manifest('intruder')), /forbidden/i);
    await kubectl(['delete', '--as', operator, `mutatingwebhookconfigurations/${webhookConfig}`]);
  });

  it('lets namespace viewers read MeshInjections and editors tune them, through the aggregated roles', async () => {
    await kubectl(['create', 'namespace', 'team-a']);
    await kubectl(['create', 'rolebinding', 'viewer', '--clusterrole=view', '--user=vic', '-n', 'team-a']);
    await kubectl(['create', 'rolebinding', 'editor', '--clusterrole=edit', '--user=eve', '-n', 'team-a']);
    const can = async (user: string, verb: string): Promise<boolean> => {
      const out = await kubectl([
        'auth',
        'can-i',
        verb,
        'meshinjections',
        '-n',
        'team-a',
        '--as',
        user,
      ]).catch(() => 'no');
      return out.trim() === 'yes';
    };
    await eventually(
      'view and edit to aggregate the MeshInjection roles',
      async () => await can('eve', 'patch'),
    );
    assert.deepEqual(
      await Promise.all([can('vic', 'list'), can('vic', 'patch'), can('eve', 'patch'), can('eve', 'create')]),
      [true, false, true, false],
    );
  });

  it('installs the samples: the API server accepts their MeshInjection and fills its defaults', async () => {
    await kubectl(['apply', '-k', 'config/samples']);
    const mi = await getJson(['get', 'meshinjections', '-n', 'mesh-demo', 'default']);
    assert.equal(at(mi, 'spec', 'restartPolicy'), 'Rolling');
    assert.equal(at(mi, 'spec', 'maxConcurrentRestarts'), 1);
    for (const name of ['productpage-v1', 'sleep'])
      await kubectl(['rollout', 'status', '-n', 'mesh-demo', `deployment/${name}`, '--timeout=90s']);
  });

  it('deletes everything with kubectl delete -k, the operator-written webhook configuration included', async () => {
    // What the operator would have written: a webhook configuration owned by the CRD, and a MeshInjection.
    const crd = await getJson(['get', 'crd', crdName]);
    const owned = JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: {
        name: webhookConfig,
        labels: { 'app.kubernetes.io/managed-by': 'mesh-injector' },
        ownerReferences: [
          {
            apiVersion: 'apiextensions.k8s.io/v1',
            kind: 'CustomResourceDefinition',
            name: crdName,
            uid: at(crd, 'metadata', 'uid') ?? '',
          },
        ],
      },
      webhooks: [],
    });
    await kubectl(
      ['apply', '--server-side', '--field-manager=mesh-injector', '--as', operator, '-f', '-'],
      owned,
    );
    await kubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'injection.mesh-injector.dev/v1alpha1',
        kind: 'MeshInjection',
        metadata: { name: 'default', namespace: 'team-a' },
      }),
    );

    await kubectl(['delete', '-k', 'config/samples', '--wait=true', '--timeout=90s']);
    await kubectl(['delete', '-k', 'config/default', '--wait=true', '--timeout=90s']);

    await eventually(
      'the install to be gone',
      async () => {
        const checks = await Promise.all([
          gone(['namespace', operatorNamespace]),
          gone(['namespace', 'mesh-demo']),
          gone(['crd', crdName]),
          gone(['clusterrole', 'mesh-injector-manager']),
          gone(['clusterrolebinding', 'mesh-injector-manager']),
          gone(['clusterrole', 'mesh-injector-meshinjection-viewer']),
          gone(['clusterrole', 'mesh-injector-meshinjection-editor']),
          gone(['mutatingwebhookconfiguration', webhookConfig]),
        ]);
        return checks.every(Boolean);
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const leftovers = await Promise.all([
      getJson(['get', 'clusterroles,clusterrolebindings', '-l', 'app.kubernetes.io/part-of=mesh-injector']),
      getJson(['get', 'mutatingwebhookconfigurations', '-l', 'app.kubernetes.io/managed-by=mesh-injector']),
    ]);
    assert.deepEqual(leftovers.flatMap(items), []);
  });
});
