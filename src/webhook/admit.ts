// The webhook's Admit function: an AdmissionRequest for a pod, handed to the injector of the revision its
// MutatingWebhookConfiguration entry names.
//
// The revision travels in the webhook path (`/inject/rev/<revision>`, written by the MWC upkeep for non-default
// revisions); every other path parameter is proxy environment, as in Istio (`/inject/cluster/c1/net/n1`).
import { InjectionError, type Injector } from '../inject/injector.ts';
import type { Admit, AdmissionInput, AdmitResult, JsonPatchOperation } from './types.ts';

/** The path parameter (upper-cased by the path parser) that selects the revision. */
export const REVISION_PATH_PARAM = 'REV';

export interface InjectorAdmitOptions {
  /** The injector serving a revision; undefined when that revision has no valid config. */
  readonly injectorFor: (revision: string) => Injector | undefined;
  /** Whether to render native sidecars for this request; default: the injector's own setting. */
  readonly nativeSidecars?: () => boolean | undefined;
}

export function injectorAdmit(options: InjectorAdmitOptions): Admit {
  return (input: AdmissionInput): AdmitResult => {
    // The MWC only sends pod CREATEs; anything else is let through untouched rather than refused.
    if (input.kind.group !== '' || input.kind.kind !== 'Pod' || input.operation !== 'CREATE') {
      return { allowed: true, skipped: `not a pod creation (${input.operation} ${input.kind.kind})` };
    }
    const { [REVISION_PATH_PARAM]: revision = 'default', ...proxyEnvs } = input.pathParams;
    const injector = options.injectorFor(revision);
    if (injector === undefined) {
      return {
        allowed: false,
        message: `mesh-injector has no valid injector config for revision "${revision}"`,
      };
    }
    const nativeSidecars = options.nativeSidecars?.();
    try {
      const result = injector.inject({
        pod: input.object,
        namespace: input.namespace,
        proxyEnvs,
        mode: 'webhook',
        ...(nativeSidecars === undefined ? {} : { nativeSidecars }),
      });
      if (result.kind === 'skipped') return { allowed: true, skipped: result.decision.message };
      // fast-json-patch's compare() emits only add/remove/replace operations with JSON values from the pod.
      return { allowed: true, patch: result.patch as JsonPatchOperation[], warnings: result.warnings };
    } catch (err) {
      if (err instanceof InjectionError) return { allowed: false, message: err.message };
      throw err;
    }
  };
}
