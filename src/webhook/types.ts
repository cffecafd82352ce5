// The contract between the webhook server and the injector behind it.
//
// The server owns HTTP, TLS, the AdmissionReview envelope, time limits and metrics; the injector is
// one `Admit` function that sees a decoded request and says allow (with or without a patch) or deny.
// Keeping that seam a plain function lets tests drive the server with fakes and lets the same
// injector run behind other front ends.
import type { JsonObject, JsonPatchOperation } from '../inject/types.ts';

export type { JsonPatchOperation } from '../inject/types.ts';

export interface GroupVersionKind {
  /** "" for the core API group (Pods). */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** What the injector is asked about: the decoded admission request plus the webhook path's parameters. */
export interface AdmissionInput {
  readonly uid: string;
  /** The kind of `object` as the API server names it, e.g. `{ group: '', version: 'v1', kind: 'Pod' }`. */
  readonly kind: GroupVersionKind;
  /** request.namespace; a pod created by a controller often has no metadata.namespace, only this. */
  readonly namespace: string;
  /** request.name; empty for pods named by generateName. */
  readonly name: string;
  /** CREATE, UPDATE, DELETE or CONNECT. The MutatingWebhookConfiguration's rules decide which arrive. */
  readonly operation: string;
  /** The object being admitted (the pod), exactly as sent. */
  readonly object: JsonObject;
  readonly dryRun: boolean;
  /**
   * Environment overrides from the webhook path (`/inject/cluster/c1/net/n1` gives
   * `{ ISTIO_META_CLUSTER_ID: 'c1', ISTIO_META_NETWORK: 'n1' }`); see path.ts.
   */
  readonly pathParams: Readonly<Record<string, string>>;
  /**
   * Aborted when the server stops waiting (time limit reached). Work that awaits I/O can stop early;
   * its answer would be discarded anyway.
   */
  readonly signal: AbortSignal;
}

export interface AdmitAllowed {
  readonly allowed: true;
  /** Changes to the object; an absent or empty patch sends no patch. */
  readonly patch?: readonly JsonPatchOperation[];
  /** Shown to the client that created the object (kubectl prints them). */
  readonly warnings?: readonly string[];
  /** Set when the injector decided not to inject (policy); the reason is logged and counted as a skip. */
  readonly skipped?: string;
}

export interface AdmitDenied {
  readonly allowed: false;
  /** Why, for the person creating the pod; the API server includes it in its error. */
  readonly message: string;
  /** HTTP status code the API server reports for the refusal; it uses 400 when absent or below 400. */
  readonly code?: number;
}

export type AdmitResult = AdmitAllowed | AdmitDenied;

/** The injector. It may be synchronous; it may throw (the server answers `allowed: false`). */
export type Admit = (input: AdmissionInput) => AdmitResult | Promise<AdmitResult>;
