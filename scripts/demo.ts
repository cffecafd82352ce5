// `npm run demo`: mesh-injector end to end on a local Kubernetes control plane, in a few minutes, with nothing
// but this repository. It installs the project through its own kustomize tree, runs the operator, deploys the
// sample apps WITHOUT injection, labels their namespace, and shows the MeshInjection status as the operator rolls
// the workloads until Converged; then it shows an injected pod. Everything is cleaned up on exit or Ctrl-C.
//
//   node scripts/demo.ts [--keep]     --keep: leave the cluster and operator running until Ctrl-C
import { parseArgs } from 'node:util';
import { ensureControlPlaneBinaries } from '../test/controlplane/build.ts';
import { startControlPlane, type ControlPlane } from '../test/controlplane/controlplane.ts';
import { eventually, kubectl as kubectlOn } from '../test/support/k8s.ts';
import { OperatorProcess } from '../test/support/operator-process.ts';
import { isJsonObject, type JsonObject } from '../src/inject/types.ts';
import { parseYamlDocuments, toYaml } from '../src/inject/yaml.ts';

const { values: flags } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
const demoNamespace = 'mesh-demo';

const started = Date.now();
let stepStarted = Date.now();
let stepNumber = 0;
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string): string => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);

function step(title: string): void {
  stepNumber++;
  stepStarted = Date.now();
  console.log(`\n${bold(`[${stepNumber}] ${title}`)}`);
}

function done(detail = ''): void {
  const seconds = ((Date.now() - stepStarted) / 1000).toFixed(1);
  console.log(dim(`    done in ${seconds}s${detail === '' ? '' : `: ${detail}`}`));
}

let cp: ControlPlane | undefined;
let operator: OperatorProcess | undefined;

async function cleanUp(): Promise<void> {
  await operator?.stop();
  await cp?.stop();
}

function kubectl(args: readonly string[], input?: string): string {
  if (cp === undefined) throw new Error('no control plane');
  return kubectlOn(cp, args, input);
}

function render(dir: string): JsonObject[] {
  const text = kubectl(['kustomize', dir]);
  return parseYamlDocuments(text, dir)
    .map((d) => d.value)
    .filter(isJsonObject);
}

const kindOf = (o: JsonObject): string => (typeof o.kind === 'string' ? o.kind : '');
const metadataOf = (o: JsonObject): JsonObject => (isJsonObject(o.metadata) ? o.metadata : {});

function apply(objects: readonly JsonObject[]): void {
  kubectl(
    ['apply', '--server-side', '--field-manager=mesh-injector-demo', '-f', '-'],
    objects.map(toYaml).join('---\n'),
  );
}

/** Polls every half second (the status lines below print as they change), three minutes unless told. */
async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 180_000,
): Promise<T> {
  return eventually(what, probe, { timeoutMs, intervalMs: 500 });
}

function getJson(args: readonly string[]): JsonObject {
  const parsed = JSON.parse(kubectl([...args, '-o', 'json'])) as unknown;
  return isJsonObject(parsed) ? parsed : {};
}

function podsReady(namespace: string): string | undefined {
  const list = getJson(['-n', namespace, 'get', 'pods']);
  const pods = (Array.isArray(list.items) ? list.items : []).filter(isJsonObject);
  const live = pods.filter((p) => metadataOf(p).deletionTimestamp === undefined);
  const ready = live.filter((p) => {
    const status = isJsonObject(p.status) ? p.status : {};
    const conditions = Array.isArray(status.conditions) ? status.conditions.filter(isJsonObject) : [];
    return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
  });
  return live.length > 0 && ready.length === live.length && live.length === pods.length
    ? `${ready.length} pods`
    : undefined;
}

/** A JSON scalar as text ("-" when absent), for status lines. */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '-';
}

function statusLine(mi: JsonObject): string {
  const st = isJsonObject(mi.status) ? mi.status : {};
  const counts = isJsonObject(st.counts) ? st.counts : {};
  const conditions = Array.isArray(st.conditions) ? st.conditions.filter(isJsonObject) : [];
  const condition = (type: string): string => text(conditions.find((x) => x.type === type)?.status);
  return [
    `injected ${text(st.injectedOfTotal)}`,
    `missing ${text(counts.missing)}`,
    `stale ${text(counts.stale)}`,
    `restarting ${text(counts.restarting)}`,
    `Progressing=${condition('Progressing')}`,
    `Converged=${condition('Converged')}`,
  ].join('  ');
}

async function main(): Promise<void> {
  console.log(
    bold('mesh-injector demo: Istio-compatible sidecar injection on a local Kubernetes control plane'),
  );

  step('Kubernetes binaries (etcd, kube-apiserver, controller-manager, scheduler, kubectl, kwok)');
  console.log(
    '    built from the Go module proxy on first use (10-20 minutes on 2 cores), cached afterwards',
  );
  const binaries = await ensureControlPlaneBinaries({
    log: (line) => {
      console.log(dim(`    ${line}`));
    },
  });
  done(binaries.built ? 'built' : `cached in ${binaries.binDir}`);

  step('Start a local control plane (3 simulated nodes)');
  cp = await startControlPlane({ nodes: 3, handleSignals: false });
  done(`Kubernetes ${cp.kubernetesVersion} at ${cp.url}`);

  step('Install mesh-injector with its kustomize tree (kubectl kustomize config/default)');
  const install = render('config/default');
  // The operator runs here as a local process (below), so the in-cluster Deployment is left out: on these
  // simulated nodes its pods would only pretend to run.
  const skipped = new Set(['Deployment', 'PodDisruptionBudget']);
  const applied = install.filter((o) => !skipped.has(kindOf(o)));
  apply(applied);
  for (const o of applied) console.log(dim(`    ${kindOf(o)}/${text(metadataOf(o).name)}`));
  done(`${applied.length} objects`);

  step('Run the operator (webhook, certificates, webhook configuration, namespace reconciler)');
  operator = await OperatorProcess.launch(cp, { name: 'demo', leaderElect: false });
  const mwc = getJson(['get', 'mutatingwebhookconfiguration', 'mesh-injector-sidecar-injector']);
  const webhooks = Array.isArray(mwc.webhooks) ? mwc.webhooks.filter(isJsonObject) : [];
  done(`webhook ready; MutatingWebhookConfiguration with ${webhooks.length} entries and its caBundle`);

  step(`Deploy the sample apps (productpage, sleep) into namespace ${demoNamespace}, not yet opted in`);
  const samples = render('config/samples');
  const namespace = samples.find((o) => kindOf(o) === 'Namespace');
  if (namespace === undefined) throw new Error('config/samples has no Namespace');
  const labels = isJsonObject(metadataOf(namespace).labels)
    ? { ...(metadataOf(namespace).labels as JsonObject) }
    : {};
  delete labels['istio-injection'];
  apply([{ ...namespace, metadata: { ...metadataOf(namespace), labels } }]);
  apply(samples.filter((o) => kindOf(o) !== 'Namespace' && kindOf(o) !== 'MeshInjection'));
  await waitFor('the sample pods to be Ready', () => podsReady(demoNamespace));
  console.log(kubectl(['-n', demoNamespace, 'get', 'pods']).replace(/^/gm, '    '));
  done('1/1 each: no sidecar, the namespace is not opted in');

  step(`Label the namespace: kubectl label namespace ${demoNamespace} istio-injection=enabled`);
  apply(samples.filter((o) => kindOf(o) === 'MeshInjection'));
  kubectl(['label', 'namespace', demoNamespace, 'istio-injection=enabled', '--overwrite']);
  done('existing pods keep running without a sidecar until their workloads roll');

  step('Watch MeshInjection/default as the operator rolls the workloads (paced: one at a time)');
  let last = '';
  await waitFor(
    'MeshInjection to report Converged',
    () => {
      const mi = getJson(['-n', demoNamespace, 'get', 'meshinjection', 'default']);
      const line = statusLine(mi);
      if (line !== last) {
        console.log(`    ${dim(`+${((Date.now() - stepStarted) / 1000).toFixed(1)}s`)}  ${line}`);
        last = line;
      }
      const st = isJsonObject(mi.status) ? mi.status : {};
      const counts = isJsonObject(st.counts) ? st.counts : {};
      // Converged for the labelled namespace: enabled, every pod counted and carrying the sidecar.
      const done =
        st.enabled === true &&
        typeof counts.total === 'number' &&
        counts.total > 0 &&
        counts.injected === counts.total &&
        line.includes('Converged=True');
      return done && podsReady(demoNamespace) !== undefined ? true : undefined;
    },
    300_000,
  );
  console.log(kubectl(['-n', demoNamespace, 'get', 'meshinjection']).replace(/^/gm, '    '));
  console.log(kubectl(['-n', demoNamespace, 'get', 'pods']).replace(/^/gm, '    '));
  done('Converged');

  step('An injected pod (productpage): what the webhook added');
  const pods = getJson(['-n', demoNamespace, 'get', 'pods', '-l', 'app=productpage']);
  const pod = (Array.isArray(pods.items) ? pods.items : []).filter(isJsonObject)[0];
  if (pod === undefined) throw new Error('no productpage pod');
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const summary = (list: unknown): JsonObject[] =>
    (Array.isArray(list) ? list : []).filter(isJsonObject).map((c) => {
      const out: JsonObject = { name: c.name ?? null, image: c.image ?? null };
      if (c.args !== undefined) out.args = c.args;
      if (c.restartPolicy !== undefined) out.restartPolicy = c.restartPolicy;
      if (c.ports !== undefined) out.ports = c.ports;
      if (c.securityContext !== undefined) out.securityContext = c.securityContext;
      return out;
    });
  const annotations = isJsonObject(metadataOf(pod).annotations)
    ? (metadataOf(pod).annotations as JsonObject)
    : {};
  console.log(
    toYaml({
      metadata: {
        name: metadataOf(pod).name ?? null,
        annotations: { 'sidecar.istio.io/status': annotations['sidecar.istio.io/status'] ?? null },
      },
      spec: { initContainers: summary(spec.initContainers), containers: summary(spec.containers) },
    }).replace(/^/gm, '    '),
  );
  done();

  console.log(bold(`\nDone in ${((Date.now() - started) / 1000).toFixed(0)}s.`));
  if (flags.keep) {
    console.log(
      `The cluster keeps running until Ctrl-C:\n  export KUBECONFIG=${cp.kubeconfigPath}\n  alias kubectl=${cp.kubectlPath}`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => {
        resolve();
      });
    });
  }
}

let interrupted = false;
process.once('SIGINT', () => {
  if (flags.keep && !interrupted) return;
  interrupted = true;
  console.log('\ninterrupted: cleaning up');
  void cleanUp().then(() => process.exit(130));
});

main()
  .then(cleanUp)
  .then(() => process.exit(0))
  .catch(async (err: unknown) => {
    console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
    const log = operator?.tail(2000) ?? '';
    if (log !== '') console.error(`operator log (last lines):\n${log}`);
    await cleanUp();
    process.exit(1);
  });
