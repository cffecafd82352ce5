// The manifest walker behind `kube-inject`: finds the pod template in every workload of a YAML stream, hands it
// to the injector, and writes the stream back in its original order.
//
// Documents of other kinds (Services, ConfigMaps, ...) are echoed byte for byte, as istioctl does. Workloads are
// recognised by kind across the API groups they have lived in (`extensions/v1beta1` Deployments still appear in
// old manifests and tutorials), so an old manifest is injected rather than passed over silently.
import { isJsonObject, type JsonObject, type JsonValue } from './types.ts';
import { parseYamlDocuments, toYaml } from './yaml.ts';

/** The workload a pod template belongs to, as the injector's `.DeploymentMeta` and `.TypeMeta` need it. */
export interface WorkloadRef {
  readonly kind: string;
  readonly apiVersion: string;
  readonly name: string;
  readonly namespace: string;
}

/** A pod (or pod template) as the injector sees it: metadata and spec. */
export interface PodLike {
  readonly metadata: JsonObject;
  readonly spec: JsonObject;
}

export type InjectOutcome =
  | { readonly kind: 'injected'; readonly pod: PodLike }
  | { readonly kind: 'skipped'; readonly reason: string };

export type PodInjector = (pod: PodLike, workload: WorkloadRef) => InjectOutcome;

/** A document that cannot be processed: which one, where it starts, and why. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  readonly documentIndex: number;
  readonly line: number;

  constructor(source: string, documentIndex: number, line: number, reason: string, cause?: unknown) {
    super(`${source}: document ${documentIndex} (line ${line}): ${reason}`, { cause });
    this.documentIndex = documentIndex;
    this.line = line;
  }
}

/** Where each kind keeps its pod template, and the API groups it is recognised in. */
const workloadKinds: Readonly<Record<string, { groups: readonly string[]; template: readonly string[] }>> = {
  Pod: { groups: [''], template: [] },
  Deployment: { groups: ['apps', 'extensions'], template: ['spec', 'template'] },
  ReplicaSet: { groups: ['apps', 'extensions'], template: ['spec', 'template'] },
  DaemonSet: { groups: ['apps', 'extensions'], template: ['spec', 'template'] },
  StatefulSet: { groups: ['apps'], template: ['spec', 'template'] },
  ReplicationController: { groups: [''], template: ['spec', 'template'] },
  Job: { groups: ['batch'], template: ['spec', 'template'] },
  CronJob: { groups: ['batch'], template: ['spec', 'jobTemplate', 'spec', 'template'] },
  DeploymentConfig: { groups: ['apps.openshift.io', ''], template: ['spec', 'template'] },
};

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash === -1 ? '' : apiVersion.slice(0, slash);
}

/** Whether `kube-inject` injects objects of this apiVersion and kind. */
export function isInjectableKind(apiVersion: string, kind: string): boolean {
  const entry = Object.hasOwn(workloadKinds, kind) ? workloadKinds[kind] : undefined;
  return entry !== undefined && entry.groups.includes(groupOf(apiVersion));
}

function stringField(obj: JsonObject, key: string): string {
  const v = obj[key];
  return typeof v === 'string' ? v : '';
}

function objectAt(root: JsonObject, path: readonly string[]): JsonObject | undefined {
  let current: JsonValue | undefined = root;
  for (const key of path) {
    if (!isJsonObject(current)) return undefined;
    current = current[key];
  }
  return isJsonObject(current) ? current : undefined;
}

function withObjectAt(root: JsonObject, path: readonly string[], value: JsonObject): JsonObject {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  const child = root[head];
  return { ...root, [head]: withObjectAt(isJsonObject(child) ? child : {}, rest, value) };
}

export interface InjectResult {
  /** The whole output stream. */
  readonly output: string;
  /** One line per workload that was not injected, and why. */
  readonly warnings: readonly string[];
  readonly injected: number;
}

interface Context {
  readonly source: string;
  readonly index: number;
  readonly line: number;
  readonly injector: PodInjector;
  readonly warnings: string[];
  injected: number;
}

function injectObject(object: JsonObject, ctx: Context): JsonObject | undefined {
  const kind = stringField(object, 'kind');
  const apiVersion = stringField(object, 'apiVersion');
  if (kind === '' || apiVersion === '') {
    throw new ManifestError(
      ctx.source,
      ctx.index,
      ctx.line,
      'not a Kubernetes object: apiVersion and kind are required',
    );
  }
  if (kind === 'List' && apiVersion === 'v1') {
    const items = object.items;
    if (!Array.isArray(items)) return object;
    const injected = items.map((item, i) => {
      if (!isJsonObject(item)) {
        throw new ManifestError(ctx.source, ctx.index, ctx.line, `List item ${i} is not an object`);
      }
      return injectObject(item, ctx) ?? item;
    });
    return { ...object, items: injected };
  }
  if (!isInjectableKind(apiVersion, kind)) return undefined;

  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  const workload: WorkloadRef = {
    kind,
    apiVersion,
    name: stringField(metadata, 'name'),
    namespace: stringField(metadata, 'namespace'),
  };
  const templatePath = workloadKinds[kind]!.template;
  const template = templatePath.length === 0 ? object : objectAt(object, templatePath);
  if (template === undefined) {
    throw new ManifestError(
      ctx.source,
      ctx.index,
      ctx.line,
      `${kind} "${workload.name}" has no pod template at ${templatePath.join('.')}`,
    );
  }
  const pod: PodLike = {
    metadata: isJsonObject(template.metadata) ? template.metadata : {},
    spec: isJsonObject(template.spec) ? template.spec : {},
  };
  let outcome: InjectOutcome;
  try {
    outcome = ctx.injector(pod, workload);
  } catch (err) {
    // Name the document and workload so the user can find what failed in a long stream.
    const reason = err instanceof Error ? err.message : String(err);
    throw new ManifestError(ctx.source, ctx.index, ctx.line, `${kind} "${workload.name}": ${reason}`, err);
  }
  if (outcome.kind === 'skipped') {
    const where = workload.namespace === '' ? workload.name : `${workload.namespace}/${workload.name}`;
    ctx.warnings.push(`===> Skipping injection because ${kind} "${where}" ${outcome.reason}`);
    return object;
  }
  ctx.injected++;
  const injectedTemplate: JsonObject = {
    ...template,
    metadata: outcome.pod.metadata,
    spec: outcome.pod.spec,
  };
  return withObjectAt(object, templatePath, injectedTemplate);
}

/**
 * Injects every workload in a YAML stream. Throws `ManifestError` or `YamlError` (naming the document and line)
 * on the first malformed document; nothing is returned in that case, so callers never write partial output.
 */
export function injectManifests(text: string, source: string, injector: PodInjector): InjectResult {
  const documents = parseYamlDocuments(text, source);
  const warnings: string[] = [];
  const parts: string[] = [];
  let injected = 0;
  for (const doc of documents) {
    if (!isJsonObject(doc.value)) {
      throw new ManifestError(
        source,
        doc.index,
        doc.line,
        'not a Kubernetes object: the document is not a map',
      );
    }
    const ctx: Context = { source, index: doc.index, line: doc.line, injector, warnings, injected: 0 };
    const result = injectObject(doc.value, ctx);
    injected += ctx.injected;
    if (result === undefined) {
      // Not ours to touch: echo the document as written.
      parts.push(`${doc.text.replace(/^\s*\n/, '').replace(/\s*$/, '')}\n`);
    } else {
      parts.push(toYaml(result));
    }
  }
  return { output: parts.join('---\n'), warnings, injected };
}

/** Calls `visit` for the pod template of every workload in a YAML stream (Lists included), in order. */
export function forEachWorkload(
  text: string,
  source: string,
  visit: (pod: PodLike, workload: WorkloadRef) => void,
): void {
  injectManifests(text, source, (pod, workload) => {
    visit(pod, workload);
    return { kind: 'skipped', reason: '' };
  });
}
