// Which revision a namespace's pods should carry, resolved the way `istioctl x injector list` does: through the
// MutatingWebhookConfigurations themselves. The namespace label names a revision or a revision *tag*; the MWC
// whose namespace selector matches the namespace's labels says (with its own `istio.io/rev` label) which revision
// really injects there. Reading the webhooks rather than trusting the label is what makes tags work, and it also
// catches the case the label asks for a revision nobody serves (shown as `MISSING/<rev>`, as istioctl does).
import { Label, labelsOf } from '../inject/annotations.ts';
import { namespaceInjection, type NamespaceInjectionVia } from '../inject/decide.ts';
import {
  compileLabelSelector,
  LabelSelectorError,
  selectorMatches,
  type CompiledLabelSelector,
} from '../inject/selector.ts';
import { isJsonObject, type JsonObject } from '../inject/types.ts';

/** The label Istio puts on a revision tag's MWC, naming the tag. */
export const TAG_LABEL = 'istio.io/tag';

/** One webhook of an MWC: its name and (validated) namespace selector. */
export interface InjectorWebhook {
  readonly name: string;
  readonly namespaceSelector: CompiledLabelSelector | undefined;
  /** Why the selector could not be read, when it could not. */
  readonly selectorProblem?: string;
}

/** The parts of a MutatingWebhookConfiguration revision resolution reads (small enough to cache). */
export interface InjectorWebhookConfig {
  readonly name: string;
  /** The MWC's `istio.io/rev` label: the revision its webhooks inject. */
  readonly revision: string;
  /** The MWC's `istio.io/tag` label, when it is a revision tag's configuration. */
  readonly tag: string | undefined;
  readonly webhooks: readonly InjectorWebhook[];
}

/**
 * Reads an MWC into the view revision resolution needs; undefined for MWCs without an `istio.io/rev` label
 * (not an injector's). Malformed selectors are kept as problems rather than thrown: one bad MWC must not stop
 * the others from resolving.
 */
export function injectorWebhookConfig(mwc: JsonObject): InjectorWebhookConfig | undefined {
  const labels = labelsOf(mwc);
  const revision = labels[Label.revision];
  if (revision === undefined || revision === '') return undefined;
  const metadata = isJsonObject(mwc.metadata) ? mwc.metadata : {};
  const name = typeof metadata.name === 'string' ? metadata.name : '';
  const list = Array.isArray(mwc.webhooks) ? mwc.webhooks : [];
  const webhooks = list.filter(isJsonObject).map((hook, i): InjectorWebhook => {
    const hookName = typeof hook.name === 'string' ? hook.name : `webhooks[${i}]`;
    try {
      return {
        name: hookName,
        namespaceSelector: compileLabelSelector(hook.namespaceSelector, `${hookName}.namespaceSelector`),
      };
    } catch (err) {
      if (!(err instanceof LabelSelectorError)) throw err;
      return { name: hookName, namespaceSelector: undefined, selectorProblem: err.message };
    }
  });
  const tag = labels[TAG_LABEL];
  return { name, revision, tag: tag === undefined || tag === '' ? undefined : tag, webhooks };
}

export type RevisionProblem = 'NoInjectorWebhook' | 'ConflictingWebhooks';

export interface RevisionResolution {
  /** The namespace's labels ask for injection. */
  readonly enabled: boolean;
  /** Which label decided (`none` when neither is set). */
  readonly via: NamespaceInjectionVia;
  /** What the label asks for: `default` for istio-injection=enabled, else the istio.io/rev value (maybe a tag). */
  readonly requested: string | undefined;
  /** The revision that injects the namespace, from the matching MWC; undefined when none matches. */
  readonly revision: string | undefined;
  /** The MWC the revision came from. */
  readonly webhookConfiguration: string | undefined;
  /** Set when something keeps the namespace from being injected as asked. */
  readonly problem: RevisionProblem | undefined;
  /** One sentence for status and `check`. */
  readonly message: string;
}

// A webhook that selects namespaces by opt-in: it requires one of the injection labels to have given values.
// The object-level and `auto` webhooks only say DoesNotExist/NotIn and do not count, as in istioctl's listing.
function optInKeys(selector: CompiledLabelSelector): ReadonlySet<string> {
  const keys = new Set<string>();
  for (const req of selector.requirements) {
    if (req.operator === 'In' && (req.key === Label.namespaceInjection || req.key === Label.revision)) {
      keys.add(req.key);
    }
  }
  return keys;
}

interface Match {
  readonly config: InjectorWebhookConfig;
  /** The webhook selects on the label that decided the namespace's injection (preferred). */
  readonly onDecidingLabel: boolean;
}

function labelOf(via: NamespaceInjectionVia): string {
  return via === 'istio-injection' ? Label.namespaceInjection : Label.revision;
}

/**
 * Resolves the revision for a namespace with `namespaceLabels`, given the cluster's injector MWCs. `istio-injection`
 * wins over `istio.io/rev` (Istio's rule): it decides whether injection is wanted at all, and a webhook selecting
 * on it is preferred. Among matching MWCs the first by name wins; others naming a different revision are reported.
 */
export function resolveNamespaceRevision(
  namespaceLabels: Readonly<Record<string, string>>,
  configs: readonly InjectorWebhookConfig[],
): RevisionResolution {
  const ns = namespaceInjection(namespaceLabels);
  const base = { enabled: ns.enabled, via: ns.via, requested: ns.revision };
  if (!ns.enabled || ns.revision === undefined) {
    const message =
      ns.via === 'none'
        ? `neither ${Label.namespaceInjection} nor ${Label.revision} is set`
        : `the ${ns.via} label opts the namespace out of injection`;
    return { ...base, revision: undefined, webhookConfiguration: undefined, problem: undefined, message };
  }
  const deciding = labelOf(ns.via);
  const matches: Match[] = [];
  for (const config of [...configs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    let best: Match | undefined;
    for (const hook of config.webhooks) {
      const selector = hook.namespaceSelector;
      if (selector === undefined) continue;
      const keys = optInKeys(selector);
      if (keys.size === 0 || !selectorMatches(selector, namespaceLabels)) continue;
      const onDecidingLabel = keys.has(deciding);
      if (best === undefined || (onDecidingLabel && !best.onDecidingLabel))
        best = { config, onDecidingLabel };
    }
    if (best !== undefined) matches.push(best);
  }
  const preferred = matches.some((m) => m.onDecidingLabel)
    ? matches.filter((m) => m.onDecidingLabel)
    : matches;
  const chosen = preferred[0];
  const label = `${deciding}=${ns.via === 'istio-injection' ? 'enabled' : ns.revision}`;
  if (chosen === undefined) {
    return {
      ...base,
      revision: undefined,
      webhookConfiguration: undefined,
      problem: 'NoInjectorWebhook',
      message:
        `no injector webhook selects the namespace (label ${label}): no MutatingWebhookConfiguration labelled ` +
        `${Label.revision} has a namespaceSelector matching it, so new pods get no sidecar`,
    };
  }
  const { revision, name } = chosen.config;
  const others = preferred
    .slice(1)
    .filter((m) => m.config.revision !== revision)
    .map((m) => `${m.config.name} (revision ${m.config.revision})`);
  const viaTag = revision !== ns.revision ? ` through tag ${ns.revision}` : '';
  if (others.length > 0) {
    return {
      ...base,
      revision,
      webhookConfiguration: name,
      problem: 'ConflictingWebhooks',
      message:
        `label ${label} is matched by ${name} (revision ${revision})${viaTag} and also by ${others.join(', ')}; ` +
        'the API server calls all of them, so pods may be injected twice',
    };
  }
  return {
    ...base,
    revision,
    webhookConfiguration: name,
    problem: undefined,
    message: `label ${label} resolves to revision ${revision}${viaTag} (MutatingWebhookConfiguration ${name})`,
  };
}

/** The REVISION column of `check`, as istioctl prints it: the revision, or `MISSING/<label value>`. */
export function revisionDisplay(resolution: RevisionResolution): string {
  if (!resolution.enabled) return resolution.via === 'none' ? '' : 'disabled';
  if (resolution.revision !== undefined) return resolution.revision;
  return resolution.via === 'istio-injection'
    ? `MISSING/${Label.namespaceInjection}`
    : `MISSING/${resolution.requested ?? ''}`;
}

/**
 * Maps a revision or tag (as a namespace or pod label names it) to the revision that injects it, for the pod
 * classifier: the namespace's own request resolves as `resolution` says; other names through tag MWCs.
 */
export function revisionResolver(
  resolution: RevisionResolution,
  configs: readonly InjectorWebhookConfig[],
): (revisionOrTag: string) => string {
  const tags = new Map<string, string>();
  for (const config of configs) if (config.tag !== undefined) tags.set(config.tag, config.revision);
  return (name) => {
    if (name === resolution.requested && resolution.revision !== undefined) return resolution.revision;
    return tags.get(name) ?? name;
  };
}
