// The MutatingWebhookConfigurations the operator owns, as pure data: one per revision, and one per revision
// tag, shaped like Istio's chart (reference istio-injector.md 8.1) so that tools reading Istio's webhooks
// (`istioctl x injector list`, our own revision resolution) understand them.
//
// Per revision `rev`:
//   rev.namespace.<suffix>  namespace labelled istio.io/rev=<rev> (and no istio-injection); pod not opted out
//   rev.object.<suffix>     namespace without either label; pod labelled istio.io/rev=<rev>
// and, for the default revision (or the revision the tag `default` points at):
//   namespace.<suffix>      namespace labelled istio-injection=enabled; pod not opted out
//   object.<suffix>         namespace without either label; pod labelled sidecar.istio.io/inject=true
// Only the LABEL sidecar.istio.io/inject=false opts a pod out here; the annotation is seen by the webhook.
//
// Every namespace selector also excludes the operator's own namespace and the namespaces Istio never
// injects, by `kubernetes.io/metadata.name NotIn [...]`: the operator's pods must never wait for the
// webhook they serve (with failurePolicy Fail that would be a deadlock on a fresh install).
//
// The webhook names end in `.mesh-injector.dev`, NOT in Istio's `sidecar-injector.istio.io`: istiod's
// caBundle patcher rewrites every webhook whose name ends in its suffix, so a co-installed istiod would
// otherwise overwrite our caBundle with its own CA and every injection would fail TLS.
import { MANAGED_BY, MANAGED_BY_LABEL } from '../certs/secret.ts';
import { DEFAULT_REVISION, IGNORED_NAMESPACES, Label } from '../inject/annotations.ts';
import type { JsonObject } from '../inject/types.ts';
import { TAG_LABEL } from './revision.ts';

export { DEFAULT_REVISION, MANAGED_BY, MANAGED_BY_LABEL, TAG_LABEL };

export const WEBHOOK_NAME_SUFFIX = 'sidecar-injector.mesh-injector.dev';
/** Name of the default revision's configuration; other revisions append `-<rev>`. */
export const WEBHOOK_CONFIG_NAME = 'mesh-injector-sidecar-injector';
/** Tag configurations are named `<prefix><tag>`, like Istio's `istio-revision-tag-<tag>`. */
export const TAG_CONFIG_PREFIX = 'mesh-injector-revision-tag-';
export const DEFAULT_INJECT_PATH = '/inject';
export const MWC_API_VERSION = 'admissionregistration.k8s.io/v1';
export const MWC_KIND = 'MutatingWebhookConfiguration';

export type FailurePolicy = 'Fail' | 'Ignore';
export type ReinvocationPolicy = 'Never' | 'IfNeeded';

/** Where the API server sends reviews: the in-cluster Service, or a URL (local runs, tests). */
export type WebhookTarget =
  | {
      readonly service: {
        readonly name: string;
        readonly namespace: string;
        /** Default `/inject`. */
        readonly path?: string;
        /** Default 443. */
        readonly port?: number;
      };
    }
  | {
      /** The default revision's endpoint, e.g. `https://127.0.0.1:9443/inject`. */
      readonly url: string;
    };

/** A cluster-scoped owner (e.g. the operator's install object), so deleting it garbage-collects the MWCs. */
export interface WebhookConfigOwner {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
}

export interface WebhookConfigSpec {
  /** Revisions served by this operator; default `['default']`. */
  readonly revisions?: readonly string[];
  /** Revision tags: tag name -> revision it points at. */
  readonly tags?: Readonly<Record<string, string>>;
  /** The operator namespace; always excluded from injection. */
  readonly operatorNamespace: string;
  /** Namespaces never sent to the webhook besides the operator's; default Istio's ignored namespaces. */
  readonly excludedNamespaces?: readonly string[];
  readonly target: WebhookTarget;
  /** Default `Fail`. */
  readonly failurePolicy?: FailurePolicy;
  /** 1 to 30; default 10. */
  readonly timeoutSeconds?: number;
  /** Default `Never`. */
  readonly reinvocationPolicy?: ReinvocationPolicy;
  readonly owner?: WebhookConfigOwner;
}

/** One configuration to keep, before the caBundle is known. */
export interface PlannedWebhookConfiguration {
  readonly name: string;
  /** The revision that serves it (the `istio.io/rev` label). */
  readonly revision: string;
  /** Set for a revision tag's configuration. */
  readonly tag?: string;
  /** Whether it carries the `namespace.` and `object.` entries (the default revision or the `default` tag). */
  readonly servesDefault: boolean;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The configurations `spec` asks for; throws naming the field that is wrong. */
export function planWebhookConfigurations(spec: WebhookConfigSpec): PlannedWebhookConfiguration[] {
  validateSpec(spec);
  const revisions = spec.revisions ?? [DEFAULT_REVISION];
  const tags = Object.entries(spec.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const defaultTag = tags.some(([tag]) => tag === DEFAULT_REVISION);
  const planned: PlannedWebhookConfiguration[] = revisions.map((revision) => ({
    name: revision === DEFAULT_REVISION ? WEBHOOK_CONFIG_NAME : `${WEBHOOK_CONFIG_NAME}-${revision}`,
    revision,
    servesDefault: revision === DEFAULT_REVISION && !defaultTag,
  }));
  for (const [tag, revision] of tags) {
    planned.push({
      name: `${TAG_CONFIG_PREFIX}${tag}`,
      revision,
      tag,
      servesDefault: tag === DEFAULT_REVISION,
    });
  }
  return planned;
}

/** The full object for one planned configuration with `caBundle` (PEM) as every entry's caBundle. */
export function webhookConfigurationObject(
  spec: WebhookConfigSpec,
  planned: PlannedWebhookConfiguration,
  caBundle: string,
): JsonObject {
  const selectorValue = planned.tag ?? planned.revision;
  const excluded = excludedNamespaces(spec);
  const entry = (
    prefix: string,
    namespaceSelector: JsonObject[],
    objectSelector: JsonObject[],
  ): JsonObject => ({
    name: `${prefix}${WEBHOOK_NAME_SUFFIX}`,
    admissionReviewVersions: ['v1', 'v1beta1'],
    clientConfig: { ...clientConfig(spec.target, planned.revision), caBundle: base64(caBundle) },
    failurePolicy: spec.failurePolicy ?? 'Fail',
    matchPolicy: 'Equivalent',
    namespaceSelector: {
      matchExpressions: [
        ...namespaceSelector,
        { key: Label.namespaceName, operator: 'NotIn', values: excluded },
      ],
    },
    objectSelector: { matchExpressions: objectSelector },
    reinvocationPolicy: spec.reinvocationPolicy ?? 'Never',
    rules: [
      {
        apiGroups: [''],
        apiVersions: ['v1'],
        operations: ['CREATE'],
        resources: ['pods'],
        scope: '*',
      },
    ],
    sideEffects: 'None',
    timeoutSeconds: spec.timeoutSeconds ?? 10,
  });
  const notOptedOut: JsonObject = { key: Label.inject, operator: 'NotIn', values: ['false'] };
  const webhooks: JsonObject[] = [
    entry(
      'rev.namespace.',
      [
        { key: Label.revision, operator: 'In', values: [selectorValue] },
        { key: Label.namespaceInjection, operator: 'DoesNotExist' },
      ],
      [notOptedOut],
    ),
    entry(
      'rev.object.',
      [
        { key: Label.revision, operator: 'DoesNotExist' },
        { key: Label.namespaceInjection, operator: 'DoesNotExist' },
      ],
      [notOptedOut, { key: Label.revision, operator: 'In', values: [selectorValue] }],
    ),
  ];
  if (planned.servesDefault) {
    webhooks.push(
      entry(
        'namespace.',
        [{ key: Label.namespaceInjection, operator: 'In', values: ['enabled'] }],
        [notOptedOut],
      ),
      entry(
        'object.',
        [
          { key: Label.namespaceInjection, operator: 'DoesNotExist' },
          { key: Label.revision, operator: 'DoesNotExist' },
        ],
        [
          { key: Label.inject, operator: 'In', values: ['true'] },
          { key: Label.revision, operator: 'DoesNotExist' },
        ],
      ),
    );
  }
  const labels: JsonObject = {
    app: 'sidecar-injector',
    [Label.revision]: planned.revision,
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
  if (planned.tag !== undefined) labels[TAG_LABEL] = planned.tag;
  const metadata: JsonObject = { name: planned.name, labels };
  if (spec.owner !== undefined) {
    metadata.ownerReferences = [
      {
        apiVersion: spec.owner.apiVersion,
        kind: spec.owner.kind,
        name: spec.owner.name,
        uid: spec.owner.uid,
        controller: true,
      },
    ];
  }
  return { apiVersion: MWC_API_VERSION, kind: MWC_KIND, metadata, webhooks };
}

/** Every configuration `spec` asks for, built with `caBundle`, by name. */
export function desiredWebhookConfigurations(
  spec: WebhookConfigSpec,
  caBundle: string,
): Map<string, JsonObject> {
  const objects = new Map<string, JsonObject>();
  for (const planned of planWebhookConfigurations(spec)) {
    objects.set(planned.name, webhookConfigurationObject(spec, planned, caBundle));
  }
  return objects;
}

/** The path that carries the revision for the webhook: `/inject` (default) or `/inject/rev/<rev>`. */
export function revisionPath(basePath: string, revision: string): string {
  const base = basePath.replace(/\/+$/, '');
  return revision === DEFAULT_REVISION ? base : `${base}/rev/${revision}`;
}

/** True when a webhook entry's name is in our namespace of names (ours to keep or remove). */
export function isOurWebhookName(name: string): boolean {
  return name.endsWith(`.${WEBHOOK_NAME_SUFFIX}`);
}

function clientConfig(target: WebhookTarget, revision: string): JsonObject {
  if ('url' in target) {
    const url = new URL(target.url);
    url.pathname = revisionPath(url.pathname, revision);
    return { url: url.toString() };
  }
  const { service } = target;
  return {
    service: {
      name: service.name,
      namespace: service.namespace,
      path: revisionPath(service.path ?? DEFAULT_INJECT_PATH, revision),
      port: service.port ?? 443,
    },
  };
}

function excludedNamespaces(spec: WebhookConfigSpec): string[] {
  const names = [spec.operatorNamespace, ...(spec.excludedNamespaces ?? IGNORED_NAMESPACES)];
  return [...new Set(names)];
}

function validateSpec(spec: WebhookConfigSpec): void {
  const problem = (message: string): never => {
    throw new Error(`webhook configuration: ${message}`);
  };
  const revisions = spec.revisions ?? [DEFAULT_REVISION];
  if (revisions.length === 0) problem('revisions must name at least one revision');
  for (const revision of revisions) {
    if (!dnsLabel.test(revision) || revision.length > 63)
      problem(`revision "${revision}" is not a DNS label (lower-case letters, digits, '-', at most 63)`);
  }
  if (new Set(revisions).size !== revisions.length)
    problem(`revisions list a revision twice: ${revisions.join(', ')}`);
  for (const [tag, revision] of Object.entries(spec.tags ?? {})) {
    if (!dnsLabel.test(tag) || tag.length > 63) problem(`tag "${tag}" is not a DNS label`);
    if (revisions.includes(tag)) problem(`tag "${tag}" has the name of a revision; Istio forbids this too`);
    if (!revisions.includes(revision))
      problem(
        `tag "${tag}" points at revision "${revision}", which is not among the revisions ${revisions.join(', ')}`,
      );
  }
  if (!dnsLabel.test(spec.operatorNamespace))
    problem(`operatorNamespace "${spec.operatorNamespace}" is not a namespace name`);
  for (const ns of spec.excludedNamespaces ?? []) {
    if (!dnsLabel.test(ns)) problem(`excludedNamespaces entry "${ns}" is not a namespace name`);
  }
  // The spec often comes from flags or a custom resource: check the enumerations at run time too.
  const failurePolicy: string | undefined = spec.failurePolicy;
  if (failurePolicy !== undefined && !['Fail', 'Ignore'].includes(failurePolicy))
    problem(`failurePolicy must be Fail or Ignore, got "${failurePolicy}"`);
  const reinvocationPolicy: string | undefined = spec.reinvocationPolicy;
  if (reinvocationPolicy !== undefined && !['Never', 'IfNeeded'].includes(reinvocationPolicy))
    problem(`reinvocationPolicy must be Never or IfNeeded, got "${reinvocationPolicy}"`);
  const timeout = spec.timeoutSeconds;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 1 && timeout <= 30))
    problem(`timeoutSeconds must be an integer from 1 to 30 (the API server's limits), got ${timeout}`);
  if ('url' in spec.target) {
    let url: URL;
    try {
      url = new URL(spec.target.url);
    } catch {
      return problem(`url "${spec.target.url}" is not an absolute URL`);
    }
    // The API server's own validation rules for clientConfig.url.
    if (url.protocol !== 'https:') problem(`url "${spec.target.url}" must use https`);
    if (url.username !== '' || url.password !== '')
      problem(`url "${spec.target.url}" must not carry user info`);
    if (url.search !== '' || url.hash !== '')
      problem(`url "${spec.target.url}" must not have a query or fragment`);
  } else {
    const { service } = spec.target;
    if (!dnsLabel.test(service.name)) problem(`service name "${service.name}" is not a DNS label`);
    if (!dnsLabel.test(service.namespace))
      problem(`service namespace "${service.namespace}" is not a namespace name`);
    if (service.path !== undefined && !service.path.startsWith('/'))
      problem(`service path "${service.path}" must start with /`);
    const port = service.port;
    if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535))
      problem(`service port must be from 1 to 65535, got ${port}`);
  }
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
