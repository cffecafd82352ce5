// Whether a pod gets a sidecar, and why: the decision the webhook logs, kube-inject warns with, and the operator's
// pod classifier reports. All three call the functions here, so they cannot disagree.
//
// Two layers decide, as in Istio:
//  1. the MutatingWebhookConfiguration's selectors pick which revision's webhook sees a pod at all
//     (namespace labels `istio-injection` / `istio.io/rev`, pod labels) - `namespaceInjection`, `selectPod`;
//  2. the webhook's policy check (`injectRequired`): hostNetwork, ignored namespaces, the pod's own opt-in/out,
//     `neverInjectSelector`, `alwaysInjectSelector`, then the config's `policy`.
import {
  Annotation,
  annotationsOf,
  ContainerName,
  DEFAULT_REVISION,
  IGNORED_NAMESPACES,
  Label,
  labelsOf,
  NamespaceInjectionValue,
  PodInjectValue,
} from './annotations.ts';
import { compileLabelSelector, isEmptySelector, LabelSelectorError, selectorMatches } from './selector.ts';
import { readInjectionStatus } from './status.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './types.ts';

/** Why `injectRequired` decided as it did. */
export type DecisionReason =
  | 'hostNetwork'
  | 'ignoredNamespace'
  | 'podOptIn'
  | 'podOptOut'
  | 'neverInjectSelector'
  | 'alwaysInjectSelector'
  | 'policyEnabled'
  | 'policyDisabled'
  | 'policyInvalid';

export interface InjectionDecision {
  readonly inject: boolean;
  readonly reason: DecisionReason;
  /** One sentence for logs and warnings, naming the pod. */
  readonly message: string;
  /** Problems that did not change the outcome but deserve a log line (bad opt-in value, bad selector). */
  readonly warnings: readonly string[];
}

/** The policy part of the injector config (`InjectorConfig` from config.ts fits). */
export interface InjectionPolicyConfig {
  /** `enabled` or `disabled`; anything else disables injection entirely, as in Istio. */
  readonly policy: string;
  readonly neverInjectSelector?: readonly JsonValue[];
  readonly alwaysInjectSelector?: readonly JsonValue[];
}

export interface DecideOptions {
  /** Namespaces never injected; Istio's four by default. */
  readonly ignoredNamespaces?: readonly string[];
  /** The namespace to assume when the pod has none (the AdmissionRequest's namespace). */
  readonly namespace?: string;
}

function metadataOf(pod: JsonObject): JsonObject {
  return isJsonObject(pod.metadata) ? pod.metadata : {};
}

function stringField(object: JsonObject, key: string): string {
  const value = object[key];
  return typeof value === 'string' ? value : '';
}

/** `namespace/name` for messages; a pod created by a controller may only have a generateName yet. */
export function podDisplayName(pod: JsonObject, namespace?: string): string {
  const meta = metadataOf(pod);
  const ns = stringField(meta, 'namespace') || namespace || '';
  const name = stringField(meta, 'name');
  const generateName = stringField(meta, 'generateName');
  const shown = name !== '' ? name : generateName !== '' ? `${generateName}<generated>` : '<unnamed>';
  return ns === '' ? shown : `${ns}/${shown}`;
}

interface PodChoice {
  /** true/false when the pod says so explicitly; undefined when the default applies. */
  readonly explicit: boolean | undefined;
  readonly source: 'label' | 'annotation' | undefined;
  readonly warning: string | undefined;
}

// The label wins over the annotation when both are present, even if the label is empty.
function podChoice(pod: JsonObject): PodChoice {
  const labels = labelsOf(pod);
  const annotations = annotationsOf(pod);
  let value: string | undefined;
  let source: PodChoice['source'];
  if (Object.hasOwn(labels, Label.inject)) {
    value = labels[Label.inject];
    source = 'label';
  } else if (Object.hasOwn(annotations, Annotation.inject)) {
    value = annotations[Annotation.inject];
    source = 'annotation';
  }
  if (value === PodInjectValue.enabled) return { explicit: true, source, warning: undefined };
  if (value === PodInjectValue.disabled) return { explicit: false, source, warning: undefined };
  if (value === undefined || value === '') return { explicit: undefined, source, warning: undefined };
  return {
    explicit: undefined,
    source,
    warning:
      `${Label.inject} ${source ?? 'label'} has value ${JSON.stringify(value)}; only "true" and "false" ` +
      'are understood (lowercase), so the default policy applies',
  };
}

/** Index of the first non-empty selector matching `labels`, or -1. Malformed selectors are skipped with a warning. */
function firstMatch(
  selectors: readonly JsonValue[] | undefined,
  field: string,
  labels: Readonly<Record<string, string>>,
  warnings: string[],
): number {
  if (selectors === undefined) return -1;
  for (const [i, raw] of selectors.entries()) {
    try {
      const selector = compileLabelSelector(raw, `${field}[${i}]`);
      if (!isEmptySelector(selector) && selectorMatches(selector, labels)) return i;
    } catch (error) {
      if (!(error instanceof LabelSelectorError)) throw error;
      warnings.push(`ignoring invalid ${error.message}`);
    }
  }
  return -1;
}

interface Verdict {
  readonly inject: boolean;
  readonly reason: DecisionReason;
  /** The cause, without the pod's name. */
  readonly why: string;
  readonly warnings: readonly string[];
}

function evaluate(pod: JsonObject, config: InjectionPolicyConfig, options: DecideOptions): Verdict {
  const warnings: string[] = [];
  const verdict = (inject: boolean, reason: DecisionReason, why: string): Verdict => ({
    inject,
    reason,
    why,
    warnings,
  });

  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  if (spec.hostNetwork === true) {
    // The init container's iptables rules would land in the node's network namespace, not the pod's.
    return verdict(false, 'hostNetwork', 'hostNetwork is enabled, so traffic capture would rewire the node');
  }
  const namespace = stringField(metadataOf(pod), 'namespace') || options.namespace || '';
  if ((options.ignoredNamespaces ?? IGNORED_NAMESPACES).includes(namespace)) {
    return verdict(false, 'ignoredNamespace', `namespace ${namespace} is never injected`);
  }

  const choice = podChoice(pod);
  if (choice.warning !== undefined) warnings.push(choice.warning);
  const labels = labelsOf(pod);
  let never = -1;
  let always = -1;
  if (choice.explicit === undefined) {
    never = firstMatch(config.neverInjectSelector, 'neverInjectSelector', labels, warnings);
    if (never < 0) always = firstMatch(config.alwaysInjectSelector, 'alwaysInjectSelector', labels, warnings);
  }

  const { policy } = config;
  if (policy !== 'enabled' && policy !== 'disabled') {
    return verdict(
      false,
      'policyInvalid',
      `injector policy ${JSON.stringify(policy)} is neither "enabled" nor "disabled", so injection is off`,
    );
  }
  if (choice.explicit !== undefined) {
    const source = `${Label.inject} ${choice.source ?? 'label'}`;
    return choice.explicit
      ? verdict(true, 'podOptIn', `the pod's ${source} is "true"`)
      : verdict(false, 'podOptOut', `the pod's ${source} is "false"`);
  }
  if (never >= 0) {
    return verdict(false, 'neverInjectSelector', `the pod's labels match neverInjectSelector[${never}]`);
  }
  if (always >= 0) {
    return verdict(true, 'alwaysInjectSelector', `the pod's labels match alwaysInjectSelector[${always}]`);
  }
  return policy === 'enabled'
    ? verdict(true, 'policyEnabled', 'the injector policy is "enabled" and the pod does not opt out')
    : verdict(false, 'policyDisabled', 'the injector policy is "disabled" and the pod does not opt in');
}

/**
 * Istio's `injectRequired`: should this pod be injected by the webhook that received it? Checks, in order,
 * hostNetwork, ignored namespaces, the pod's `sidecar.istio.io/inject` label (else annotation), the never and
 * then always inject selectors, and finally the policy (an invalid policy disables injection even for pods that
 * opt in). Namespace labels are not looked at here: they choose which webhook sees the pod (see `selectPod`).
 */
export function injectRequired(
  pod: JsonObject,
  config: InjectionPolicyConfig,
  options: DecideOptions = {},
): InjectionDecision {
  const { inject, reason, why, warnings } = evaluate(pod, config, options);
  const message = `pod ${podDisplayName(pod, options.namespace)}: ${inject ? 'inject' : 'skip'}: ${why}`;
  return { inject, reason, message, warnings };
}

/** Which namespace label asked for (or against) injection. */
export type NamespaceInjectionVia = 'istio-injection' | 'istio.io/rev' | 'none';

export interface NamespaceInjection {
  readonly enabled: boolean;
  /** The revision (or revision tag) the namespace asks for; undefined when not enabled. */
  readonly revision: string | undefined;
  readonly via: NamespaceInjectionVia;
}

/**
 * What a namespace asks for, following the selectors of Istio's MutatingWebhookConfiguration:
 * `istio-injection=enabled` means the default revision and wins over `istio.io/rev`; any other
 * `istio-injection` value opts the namespace out (even with `istio.io/rev` set); `istio.io/rev=<rev>` asks for
 * that revision or tag (an empty value matches no webhook). No label: `via: 'none'`, only pod labels can opt in.
 */
export function namespaceInjection(namespaceLabels: Readonly<Record<string, string>>): NamespaceInjection {
  const injection = namespaceLabels[Label.namespaceInjection];
  if (injection !== undefined) {
    const enabled = injection === NamespaceInjectionValue.enabled;
    return { enabled, revision: enabled ? DEFAULT_REVISION : undefined, via: 'istio-injection' };
  }
  const revision = namespaceLabels[Label.revision];
  if (revision !== undefined) {
    return revision === ''
      ? { enabled: false, revision: undefined, via: 'istio.io/rev' }
      : { enabled: true, revision, via: 'istio.io/rev' };
  }
  return { enabled: false, revision: undefined, via: 'none' };
}

export type PodSelection =
  | {
      readonly selected: true;
      readonly revision: string;
      /** Which MWC entry picked the pod: the namespace label, or the pod's own labels. */
      readonly via: 'namespace' | 'podRevisionLabel' | 'podInjectLabel';
    }
  | {
      readonly selected: false;
      readonly reason: 'namespaceOptedOut' | 'namespaceNotEnabled' | 'podOptOut';
      readonly message: string;
    };

/**
 * Which revision's webhook the API server would call for a pod with these labels, per the MWC entries:
 * a namespace selection needs the pod label `sidecar.istio.io/inject` to not be "false"; in a namespace with
 * neither label, a pod opts in with label `istio.io/rev=<rev>` or with `sidecar.istio.io/inject=true` (default
 * revision). Only the label counts here; the annotation is seen later by `injectRequired`.
 */
export function selectPod(
  namespace: NamespaceInjection,
  podLabels: Readonly<Record<string, string>>,
): PodSelection {
  const injectLabel = podLabels[Label.inject];
  const labelOptOut: PodSelection = {
    selected: false,
    reason: 'podOptOut',
    message: `the pod's ${Label.inject} label is "false"`,
  };
  if (namespace.via !== 'none') {
    if (!namespace.enabled || namespace.revision === undefined) {
      return {
        selected: false,
        reason: 'namespaceOptedOut',
        message: `the namespace's ${namespace.via} label opts it out of injection`,
      };
    }
    if (injectLabel === PodInjectValue.disabled) return labelOptOut;
    return { selected: true, revision: namespace.revision, via: 'namespace' };
  }
  const podRevisionLabel = podLabels[Label.revision];
  if (podRevisionLabel !== undefined && podRevisionLabel !== '') {
    if (injectLabel === PodInjectValue.disabled) return labelOptOut;
    return { selected: true, revision: podRevisionLabel, via: 'podRevisionLabel' };
  }
  if (podRevisionLabel === undefined && injectLabel === PodInjectValue.enabled) {
    return { selected: true, revision: DEFAULT_REVISION, via: 'podInjectLabel' };
  }
  return {
    selected: false,
    reason: 'namespaceNotEnabled',
    message: `neither the namespace (${Label.namespaceInjection}, ${Label.revision}) nor the pod's labels opt in`,
  };
}

interface SidecarStatusNames {
  readonly containers: readonly string[];
  readonly revision: string | undefined;
}

// A hand-edited or unreadable status degrades to "nothing recorded" rather than failing the classification.
function readSidecarStatus(pod: JsonObject): SidecarStatusNames | undefined {
  const read = readInjectionStatus(pod);
  if (read === undefined) return undefined;
  if (!read.ok) return { containers: [], revision: undefined };
  const { initContainers, containers, revision } = read.status;
  return { containers: [...initContainers, ...containers], revision: revision === '' ? undefined : revision };
}

function containerNames(pod: JsonObject): Set<string> {
  const spec = isJsonObject(pod.spec) ? pod.spec : {};
  const out = new Set<string>();
  for (const list of [spec.initContainers, spec.containers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) if (isJsonObject(c) && typeof c.name === 'string') out.add(c.name);
  }
  return out;
}

/**
 * Whether the pod carries an injected sidecar: it has `sidecar.istio.io/status` and at least one container the
 * status names is present (or, for a status that names none, an `istio-proxy` container). An `istio-proxy`
 * container alone is not proof: users declare one to customise injection before anything was injected.
 */
export function hasSidecar(pod: JsonObject): boolean {
  const status = readSidecarStatus(pod);
  if (status === undefined) return false;
  const present = containerNames(pod);
  if (status.containers.length === 0) return present.has(ContainerName.proxy);
  return status.containers.some((name) => present.has(name));
}

/**
 * The revision that injected the pod: annotation `istio.io/rev`, else label `istio.io/rev`, else `revision`
 * in `sidecar.istio.io/status`. Undefined when none is recorded. Only meaningful for a pod with a sidecar.
 */
export function podRevision(pod: JsonObject): string | undefined {
  const fromAnnotation = annotationsOf(pod)[Annotation.revision];
  if (fromAnnotation !== undefined && fromAnnotation !== '') return fromAnnotation;
  const fromLabel = labelsOf(pod)[Label.revision];
  if (fromLabel !== undefined && fromLabel !== '') return fromLabel;
  return readSidecarStatus(pod)?.revision;
}

export type PodState = 'injected' | 'missing' | 'stale' | 'excluded';

export type ClassificationReason =
  | 'current'
  | 'sidecarMissing'
  | 'revisionMismatch'
  | 'namespaceOptedOut'
  | 'namespaceNotEnabled'
  | DecisionReason;

export interface PodClassification {
  readonly state: PodState;
  readonly reason: ClassificationReason;
  readonly message: string;
  /** The revision that should have injected the pod, when injection is wanted. */
  readonly wantedRevision: string | undefined;
  /** The revision whose sidecar the pod carries, when it has one. */
  readonly podRevision: string | undefined;
}

export interface ClassifierConfig extends InjectionPolicyConfig {
  /** Maps a revision tag to the revision it points at (as the MWCs say); identity when absent. */
  readonly resolveRevision?: (revisionOrTag: string) => string;
  readonly ignoredNamespaces?: readonly string[];
}

/**
 * The operator's view of one pod: `injected` (sidecar of the wanted revision), `missing` (should have one, has
 * none), `stale` (sidecar of another revision, or a sidecar nobody wants any more), `excluded` (no sidecar and
 * none wanted). `namespace` should come from `namespaceInjection` of the pod's namespace.
 *
 * A running pod carries the `istio.io/rev` label its injection added, which would look like an object-level opt-in;
 * for a pod with a sidecar that label is therefore not taken as an opt-in (so sidecars left behind after a
 * namespace loses its label show up as stale).
 */
export function classifyPod(
  pod: JsonObject,
  namespace: NamespaceInjection,
  config: ClassifierConfig,
): PodClassification {
  const who = podDisplayName(pod);
  const sidecar = hasSidecar(pod);
  const actual = sidecar ? (podRevision(pod) ?? DEFAULT_REVISION) : undefined;
  const resolve = config.resolveRevision ?? ((r: string) => r);

  const labels = labelsOf(pod);
  if (sidecar) Reflect.deleteProperty(labels, Label.revision);
  const selection = selectPod(namespace, labels);

  let wanted: string | undefined;
  let notWanted: { reason: ClassificationReason; message: string } | undefined;
  if (!selection.selected) {
    notWanted = { reason: selection.reason, message: selection.message };
  } else {
    const verdict = evaluate(pod, config, { ignoredNamespaces: config.ignoredNamespaces });
    if (verdict.inject) wanted = resolve(selection.revision);
    else notWanted = { reason: verdict.reason, message: verdict.why };
  }

  const result = (state: PodState, reason: ClassificationReason, message: string): PodClassification => ({
    state,
    reason,
    message: `pod ${who}: ${message}`,
    wantedRevision: wanted,
    podRevision: actual,
  });
  if (notWanted !== undefined) {
    return sidecar
      ? result('stale', notWanted.reason, `has a sidecar (revision ${actual ?? ''}) but ${notWanted.message}`)
      : result('excluded', notWanted.reason, notWanted.message);
  }
  const want = wanted ?? DEFAULT_REVISION;
  if (!sidecar)
    return result('missing', 'sidecarMissing', `wants a sidecar from revision ${want} but has none`);
  if (actual === want) return result('injected', 'current', `has a sidecar from revision ${want}`);
  return result(
    'stale',
    'revisionMismatch',
    `has a sidecar from revision ${actual ?? ''} but revision ${want} is wanted`,
  );
}
