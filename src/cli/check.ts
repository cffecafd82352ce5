// `mesh-injector check`: which pods lack the sidecar their namespace asks for, and what the operator would do
// about each (like `istioctl x injector list`, plus the operator's plan). Read-only: get and list, nothing else.
//
// The plan comes from the same functions the operator runs (controller/namespace/analyze.ts), fed from list calls
// instead of informer caches, so `check` and the operator cannot disagree.
import { parseArgs } from 'node:util';
import { isJsonObject, type JsonObject } from '../inject/types.ts';
import { apiStatus, KubeClient, resourcePath, type ResourceRef } from '../kube/client.ts';
import { classifyWorkload, type OwnerLookup, type WorkloadKind } from '../kube/owners.ts';
import { analyzeNamespace, inScope, type NamespaceAnalysis } from '../controller/namespace/analyze.ts';
import { MeshInjectionResource } from '../controller/namespace/names.ts';
import { restartBudget, type WorkloadDecision } from '../controller/namespace/plan.ts';
import { podView, type PodView } from '../controller/namespace/pods.ts';
import { workloadView, type WorkloadView } from '../controller/namespace/workload.ts';
import {
  injectorWebhookConfig,
  revisionDisplay,
  type InjectorWebhookConfig,
} from '../controller/revision.ts';
import { defaultConfigMapNames } from '../controller/injector-config.ts';
import { IGNORED_NAMESPACES, labelsOf } from '../inject/annotations.ts';
import { parseInjectorConfigText } from '../inject/config.ts';
import type { InjectionPolicyConfig } from '../inject/decide.ts';
import { UsageError, type Command } from './command.ts';

const help = `Report pods missing the sidecar their namespace asks for, or carrying a stale one, and what the
operator would do about each (like istioctl x injector list). Needs only get/list access.

Usage:
  mesh-injector check [-n NAMESPACE | -A] [-o text|json] [--config-namespace NAME] [--injector-configmap NAME]
                      [--kubeconfig PATH] [--context NAME]

For each namespace the operator looks after (labelled istio-injection=enabled or istio.io/rev=<rev>, or holding
a MeshInjection), prints the revision it wants (resolved through the injector MutatingWebhookConfigurations, so
revision tags work; MISSING/<rev> when no webhook serves it), its pod counts, and for every workload with pods
needing a restart: the pods, and the operator's action (restart now, wait, skip, or manual action) with the reason.

Pods are classified under the injection policy and selectors of the injector ConfigMap the operator reads for
the default revision (data.config of istio-sidecar-injector in mesh-injector-system, as the operator's defaults
are), or the project's default (policy enabled) when there is none. If that ConfigMap cannot be read or does not
parse, check says so on stderr and uses the default.

Flags:
  -n, --namespace NAME   check this namespace (default: the kubeconfig context's namespace, else "default")
  -A, --all-namespaces   check every namespace the operator looks after
  -o, --output FORMAT    text (default) or json
      --config-namespace NAME    namespace of the injector ConfigMap (default mesh-injector-system)
      --injector-configmap NAME  the injector ConfigMap (default istio-sidecar-injector)
      --kubeconfig PATH  kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster)
      --context NAME     kubeconfig context to use
  -h, --help             show this help

Exit codes: 0 no pod needs a restart, 1 some pod is missing its sidecar or carries a stale one,
2 bad command line, 3 the cluster could not be read.
`;

/** Workload kinds listed for owner resolution, with their API. */
const listedKinds = {
  ReplicaSet: { apiVersion: 'apps/v1', resource: 'replicasets' },
  Deployment: { apiVersion: 'apps/v1', resource: 'deployments' },
  StatefulSet: { apiVersion: 'apps/v1', resource: 'statefulsets' },
  DaemonSet: { apiVersion: 'apps/v1', resource: 'daemonsets' },
  ReplicationController: { apiVersion: 'v1', resource: 'replicationcontrollers' },
  Job: { apiVersion: 'batch/v1', resource: 'jobs' },
} as const;
type ListedKind = keyof typeof listedKinds;

function isListedKind(kind: WorkloadKind): kind is ListedKind {
  return Object.hasOwn(listedKinds, kind);
}

/** Thrown when the cluster cannot be read; the message says which request failed and why. */
class ClusterReadError extends Error {
  override readonly name = 'ClusterReadError';
}

function describeFailure(what: string, err: unknown, verb: 'list' | 'read' = 'list'): ClusterReadError {
  const status = apiStatus(err);
  const reason =
    status === undefined
      ? err instanceof Error
        ? err.message
        : String(err)
      : `${status.code}${status.reason === '' ? '' : ` ${status.reason}`}: ${status.message}`;
  return new ClusterReadError(`cannot ${verb} ${what}: ${reason}`);
}

/** Lists a collection in pages. Optional collections (CRDs that may be absent or forbidden) list as empty. */
async function listAll(
  client: KubeClient,
  ref: ResourceRef,
  options: { readonly optional?: boolean } = {},
): Promise<JsonObject[]> {
  const items: JsonObject[] = [];
  let continueToken: string | undefined;
  const what = `${ref.resource}${ref.namespace === undefined ? '' : ` in namespace ${ref.namespace}`}`;
  do {
    let body: JsonObject;
    try {
      body = await client.request({
        path: resourcePath(ref),
        query: { limit: 500, continue: continueToken },
      });
    } catch (err) {
      const code = apiStatus(err)?.code;
      if (options.optional === true && (code === 404 || code === 403)) return [];
      throw describeFailure(what, err);
    }
    const list = Array.isArray(body.items) ? body.items.filter(isJsonObject) : [];
    // List items carry no apiVersion/kind; the owner logic classifies by them.
    const kind =
      typeof body.kind === 'string' && body.kind.endsWith('List') ? body.kind.slice(0, -4) : undefined;
    const apiVersion = typeof body.apiVersion === 'string' ? body.apiVersion : undefined;
    for (const item of list)
      items.push(kind === undefined || apiVersion === undefined ? item : { apiVersion, kind, ...item });
    const metadata = isJsonObject(body.metadata) ? body.metadata : {};
    continueToken =
      typeof metadata.continue === 'string' && metadata.continue !== '' ? metadata.continue : undefined;
  } while (continueToken !== undefined);
  return items;
}

async function getOptional(client: KubeClient, ref: ResourceRef): Promise<JsonObject | undefined> {
  try {
    return await client.request({ path: resourcePath(ref) });
  } catch (err) {
    const code = apiStatus(err)?.code;
    if (code === 404 || code === 403) return undefined;
    throw describeFailure(`${ref.resource}/${ref.name ?? ''}`, err, 'read');
  }
}

function nameOf(obj: JsonObject): string {
  const metadata = isJsonObject(obj.metadata) ? obj.metadata : {};
  return typeof metadata.name === 'string' ? metadata.name : '';
}

function namespaceOf(obj: JsonObject): string {
  const metadata = isJsonObject(obj.metadata) ? obj.metadata : {};
  return typeof metadata.namespace === 'string' ? metadata.namespace : '';
}

interface ClusterState {
  readonly namespaces: readonly JsonObject[];
  readonly configs: readonly InjectorWebhookConfig[];
  readonly pods: readonly PodView[];
  readonly workloads: ReadonlyMap<string, WorkloadView>;
  readonly meshInjections: ReadonlyMap<string, JsonObject>;
}

function workloadMapKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

async function readCluster(client: KubeClient, namespace: string | undefined): Promise<ClusterState> {
  const scope = namespace === undefined ? {} : { namespace };
  let namespaces: JsonObject[];
  if (namespace === undefined) {
    namespaces = await listAll(client, { apiVersion: 'v1', resource: 'namespaces' });
  } else {
    const one = await getOptional(client, { apiVersion: 'v1', resource: 'namespaces', name: namespace });
    if (one === undefined) throw new ClusterReadError(`namespace ${namespace} not found (or not readable)`);
    namespaces = [one];
  }
  const mwcs = await listAll(client, {
    apiVersion: 'admissionregistration.k8s.io/v1',
    resource: 'mutatingwebhookconfigurations',
  });
  const configs = mwcs.map(injectorWebhookConfig).filter((c): c is InjectorWebhookConfig => c !== undefined);
  const pods = (await listAll(client, { apiVersion: 'v1', resource: 'pods', ...scope })).map(podView);
  const workloads = new Map<string, WorkloadView>();
  for (const [kind, api] of Object.entries(listedKinds)) {
    for (const raw of await listAll(client, { ...api, ...scope })) {
      workloads.set(workloadMapKey(kind, namespaceOf(raw), nameOf(raw)), workloadView(raw));
    }
  }
  const meshInjections = new Map<string, JsonObject>();
  const mis = await listAll(
    client,
    { apiVersion: MeshInjectionResource.apiVersion, resource: MeshInjectionResource.resource, ...scope },
    { optional: true },
  );
  for (const mi of mis)
    if (nameOf(mi) === MeshInjectionResource.name) meshInjections.set(namespaceOf(mi), mi);
  return { namespaces, configs, pods, workloads, meshInjections };
}

interface NamespaceReport {
  readonly namespace: string;
  readonly managed: boolean;
  readonly analysis: NamespaceAnalysis;
}

const DEFAULT_CONFIG_NAMESPACE = 'mesh-injector-system';
const DEFAULT_POLICY: InjectionPolicyConfig = { policy: 'enabled' };

/**
 * The policy and selectors the operator classifies with: those of the default revision's injector ConfigMap, or
 * the project's default when it has none. A ConfigMap that cannot be read or parsed is reported through `warn`
 * and the default used: the operator would be serving its last good config then, which check cannot see.
 */
async function readInjectionPolicy(
  client: KubeClient,
  ref: { readonly namespace: string; readonly name: string },
  warn: (message: string) => void,
): Promise<InjectionPolicyConfig> {
  const where = `ConfigMap ${ref.namespace}/${ref.name}`;
  let configMap: JsonObject;
  try {
    configMap = await client.request({
      path: resourcePath({ apiVersion: 'v1', resource: 'configmaps', ...ref }),
    });
  } catch (err) {
    const code = apiStatus(err)?.code;
    if (code === 404) return DEFAULT_POLICY;
    if (code === 403) {
      warn(`cannot read ${where} (forbidden): classifying with the default policy "enabled"`);
      return DEFAULT_POLICY;
    }
    throw describeFailure(where, err, 'read');
  }
  const data = isJsonObject(configMap.data) ? configMap.data : {};
  if (typeof data.config !== 'string') return DEFAULT_POLICY;
  try {
    const config = parseInjectorConfigText(data.config, `${where} data.config`);
    return {
      policy: config.policy,
      alwaysInjectSelector: config.alwaysInjectSelector,
      neverInjectSelector: config.neverInjectSelector,
    };
  } catch (err) {
    warn(
      `${err instanceof Error ? err.message : String(err)}: classifying with the default policy "enabled"`,
    );
    return DEFAULT_POLICY;
  }
}

async function analyzeCluster(
  client: KubeClient,
  state: ClusterState,
  all: boolean,
  policy: InjectionPolicyConfig,
): Promise<NamespaceReport[]> {
  const now = Date.now();
  const podsByNamespace = new Map<string, PodView[]>();
  for (const pod of state.pods) {
    let list = podsByNamespace.get(pod.namespace);
    if (list === undefined) podsByNamespace.set(pod.namespace, (list = []));
    list.push(pod);
  }
  const lookup: OwnerLookup = (ref) => {
    const kind = classifyWorkload(ref.apiVersion, ref.kind);
    return isListedKind(kind)
      ? state.workloads.get(workloadMapKey(kind, ref.namespace, ref.name))
      : undefined;
  };
  const reports: NamespaceReport[] = [];
  for (const ns of state.namespaces) {
    const name = nameOf(ns);
    if (IGNORED_NAMESPACES.includes(name)) continue;
    const meshInjection = state.meshInjections.get(name);
    const rollouts = new Map<string, WorkloadView>();
    const analyze = (): NamespaceAnalysis =>
      analyzeNamespace({
        namespace: name,
        labels: labelsOf(ns),
        webhookConfigs: state.configs,
        meshInjection,
        pods: podsByNamespace.get(name) ?? [],
        lookup,
        workload: (kind, workloadName) =>
          kind === 'Rollout'
            ? rollouts.get(workloadName)
            : state.workloads.get(workloadMapKey(kind, name, workloadName)),
        budget: restartBudget([...state.workloads.values(), ...rollouts.values()], name, 10),
        policy,
        now,
      });
    let analysis = analyze();
    const managed = inScope(analysis.resolution, meshInjection);
    if (all && !managed) continue;
    const wanted = analysis.groups.filter(
      (g) => g.kind === 'Rollout' && g.counts.missing + g.counts.stale > 0,
    );
    if (wanted.length > 0) {
      for (const group of wanted) {
        const raw = await getOptional(client, {
          apiVersion: 'argoproj.io/v1alpha1',
          resource: 'rollouts',
          namespace: name,
          name: group.ref.name,
        });
        if (raw !== undefined) rollouts.set(group.ref.name, workloadView(raw));
      }
      analysis = analyze();
    }
    reports.push({ namespace: name, managed, analysis });
  }
  return reports.sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
}

/** What the operator would do, in a few words. */
export function actionText(decision: WorkloadDecision, managed: boolean): string {
  if (!managed) return 'none: the operator does not look after this namespace';
  const { action } = decision;
  if (action !== undefined) {
    if (action.type === 'rolloutRestart') {
      return decision.kind === 'Rollout' ? 'restart now (spec.restartAt)' : 'restart now (rollout restart)';
    }
    return `delete pod ${action.pod.name} now (its controller recreates it)`;
  }
  switch (decision.state) {
    case 'Restarting':
      return 'restarting (rollout in progress)';
    case 'Pending':
      return `wait (${decision.reason})`;
    case 'Skipped':
      return `skip (${decision.reason})`;
    case 'ManualActionRequired':
      return `manual action required (${decision.reason})`;
    case 'Injected':
      return 'none';
  }
}

/** The decision's message; for a restart `check` would start, what it is for (nothing has happened yet). */
function decisionDetail(decision: WorkloadDecision): string {
  if (decision.action === undefined) return decision.message;
  const { missing, stale, total } = decision.group.counts;
  return `${missing} missing and ${stale} stale of ${total} pods; the restart would be for ${decision.cause ?? 'them'}`;
}

function needsRestart(report: NamespaceReport): number {
  return report.analysis.counts.missing + report.analysis.counts.stale;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}

export function renderText(reports: readonly NamespaceReport[]): string {
  if (reports.length === 0) return 'No namespace asks for sidecar injection.\n';
  const rows: string[][] = [['NAMESPACE', 'REVISION', 'PODS', 'INJECTED', 'MISSING', 'STALE', 'EXCLUDED']];
  for (const { namespace, analysis } of reports) {
    const c = analysis.counts;
    const shown = revisionDisplay(analysis.resolution);
    rows.push([
      namespace,
      shown === '' ? '-' : shown,
      `${c.total}`,
      `${c.injected}`,
      `${c.missing}`,
      `${c.stale}`,
      `${c.excluded}`,
    ]);
  }
  let out = `${table(rows)}\n`;
  for (const report of reports) {
    const { analysis } = report;
    if (analysis.resolution.problem !== undefined)
      out += `\n${report.namespace}: ${analysis.resolution.message}\n`;
    for (const problem of analysis.spec.problems) out += `\n${report.namespace}: MeshInjection ${problem}\n`;
    const needing = analysis.plan.decisions.filter((d) => d.group.counts.missing + d.group.counts.stale > 0);
    if (needing.length === 0) continue;
    out += `\n${report.namespace}: ${needsRestart(report)} pods need a restart\n`;
    for (const decision of needing) {
      out += `  ${decision.kind} ${decision.name}: ${actionText(decision, report.managed)}\n`;
      out += `    ${decisionDetail(decision)}\n`;
      for (const { view, classification } of decision.group.pods) {
        if (classification.state !== 'missing' && classification.state !== 'stale') continue;
        const has =
          classification.podRevision === undefined ? 'no sidecar' : `sidecar ${classification.podRevision}`;
        const wants =
          classification.wantedRevision === undefined
            ? 'no sidecar'
            : `revision ${classification.wantedRevision}`;
        out += `    pod ${view.name}: ${classification.state} (has ${has}, wants ${wants})\n`;
      }
    }
  }
  return out;
}

export function renderJson(reports: readonly NamespaceReport[]): string {
  const namespaces = reports.map(({ namespace, managed, analysis }) => ({
    namespace,
    managed,
    enabled: analysis.resolution.enabled,
    revision: analysis.resolution.revision ?? null,
    revisionDisplay: revisionDisplay(analysis.resolution),
    revisionProblem: analysis.resolution.problem ?? null,
    revisionMessage: analysis.resolution.message,
    specProblems: analysis.spec.problems,
    counts: analysis.counts,
    workloads: analysis.plan.decisions.map((d) => ({
      kind: d.kind,
      name: d.name,
      state: d.state,
      reason: d.reason,
      message: decisionDetail(d),
      action: actionText(d, managed),
      lastRestart: d.lastRestart ?? null,
      pods: d.group.pods
        .filter((p) => p.classification.state === 'missing' || p.classification.state === 'stale')
        .map(({ view, classification }) => ({
          name: view.name,
          state: classification.state,
          reason: classification.reason,
          podRevision: classification.podRevision ?? null,
          wantedRevision: classification.wantedRevision ?? null,
        })),
    })),
  }));
  const podsNeedingRestart = reports.reduce((n, r) => n + needsRestart(r), 0);
  return `${JSON.stringify({ podsNeedingRestart, namespaces }, null, 2)}\n`;
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'report pods missing or with a stale sidecar, and what the operator would do (read-only)',
  help,
  async run(args, io) {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...args],
        options: {
          namespace: { type: 'string', short: 'n' },
          'all-namespaces': { type: 'boolean', short: 'A' },
          output: { type: 'string', short: 'o' },
          kubeconfig: { type: 'string' },
          context: { type: 'string' },
          'config-namespace': { type: 'string', default: DEFAULT_CONFIG_NAMESPACE },
          'injector-configmap': { type: 'string', default: defaultConfigMapNames.injector },
        },
        allowPositionals: false,
      }));
    } catch (err) {
      throw new UsageError(err instanceof Error ? err.message : String(err));
    }
    const all = values['all-namespaces'] === true;
    if (all && values.namespace !== undefined)
      throw new UsageError('-n/--namespace and -A/--all-namespaces exclude each other');
    const output = values.output ?? 'text';
    if (output !== 'text' && output !== 'json')
      throw new UsageError(`-o/--output must be text or json, not "${output}"`);
    let client: KubeClient;
    try {
      client = KubeClient.load({
        ...(values.kubeconfig === undefined ? {} : { kubeconfig: values.kubeconfig }),
        ...(values.context === undefined ? {} : { context: values.context }),
      });
    } catch (err) {
      io.stderr.write(`mesh-injector check: ${err instanceof Error ? err.message : String(err)}\n`);
      return 3;
    }
    try {
      const namespace = all ? undefined : (values.namespace ?? client.namespace ?? 'default');
      const policy = await readInjectionPolicy(
        client,
        { namespace: values['config-namespace'], name: values['injector-configmap'] },
        (message) => io.stderr.write(`mesh-injector check: ${message}\n`),
      );
      const state = await readCluster(client, namespace);
      const reports = await analyzeCluster(client, state, all, policy);
      io.stdout.write(output === 'json' ? renderJson(reports) : renderText(reports));
      return reports.some((r) => needsRestart(r) > 0) ? 1 : 0;
    } catch (err) {
      if (err instanceof ClusterReadError) {
        io.stderr.write(`mesh-injector check: ${err.message}\n`);
        return 3;
      }
      throw err;
    } finally {
      client.close();
    }
  },
};
