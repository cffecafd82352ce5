// Laying rendered templates over a pod, as Istio's RunTemplate does after rendering.
//
// Each template's output (YAML text rendered, then parsed by the caller) is merged twice: onto the
// template pod, which starts empty and records what the templates inject, and onto the merged pod,
// which starts as the original, unstripped pod. Between the two, a user's istio-proxy declared among
// the containers follows a native-sidecar template into the init containers.
//
// Both merges share structure with their inputs instead of copying them (the injector freezes the pod and
// the parsed templates): most of what a template renders is new to the pod, and copying it twice was a fifth
// of an injection.
import { moveUserProxyToInitContainers } from '../overrides.ts';
import type { JsonObject } from '../types.ts';
import { findNonJson } from './json.ts';
import {
  StrategicMergeError,
  reusableParts,
  strategicMergeSharing,
  type ReusableParts,
} from './strategic.ts';

/** One template's output: its name and the parsed YAML it rendered (null for an empty document). */
export interface RenderedTemplate {
  readonly name: string;
  readonly output: unknown;
}

export interface TemplateMergeOptions {
  /**
   * Move a user's istio-proxy from the containers to the init containers when a template renders it as
   * a native sidecar (Istio gates this on ENABLE_NATIVE_SIDECARS). Default true.
   */
  readonly moveProxyForNativeSidecars?: boolean;
}

/**
 * Both pods may share parts with the original pod and with the rendered outputs: none of them may be modified
 * afterwards (copy what you change).
 */
export interface TemplateMergeResult {
  /** The original pod with every template merged in (never the original object itself). */
  readonly mergedPod: JsonObject;
  /** The templates merged onto an empty pod: exactly what was injected. */
  readonly templatePod: JsonObject;
}

/** A template rendered something that is not a pod fragment, or that cannot be merged onto the pod. */
export class TemplateMergeError extends Error {
  override readonly name = 'TemplateMergeError';
  readonly template: string;
  readonly reason: string;

  constructor(template: string, reason: string, options?: ErrorOptions) {
    super(`template "${template}": ${reason}`, options);
    this.template = template;
    this.reason = reason;
  }
}

/** Checks one template's parsed output and returns it as a pod fragment ({} for an empty document). */
export function templateOverlay(template: RenderedTemplate): JsonObject {
  const output = template.output;
  if (output === null || output === undefined) return {};
  if (typeof output !== 'object' || Array.isArray(output)) {
    const got = Array.isArray(output) ? 'a list' : `a ${typeof output}`;
    throw new TemplateMergeError(template.name, `rendered ${got}, want a mapping with pod fields`);
  }
  const problem = findNonJson(output);
  if (problem !== undefined) throw new TemplateMergeError(template.name, `rendered output: ${problem}`);
  return output as JsonObject;
}

/** Merges every rendered template, in order, onto the template pod and onto the original pod. */
export function mergeTemplates(
  originalPod: JsonObject,
  rendered: readonly RenderedTemplate[],
  options: TemplateMergeOptions = {},
): TemplateMergeResult {
  let mergedPod = originalPod;
  let templatePod: JsonObject = {};
  for (const template of rendered) {
    const overlay = templateOverlay(template);
    const reusable = reusableParts(overlay);
    templatePod = mergeOrExplain(template.name, 'the injected parts', templatePod, overlay, reusable);
    if (options.moveProxyForNativeSidecars !== false) {
      mergedPod = moveUserProxyToInitContainers(mergedPod, templatePod);
    }
    mergedPod = mergeOrExplain(template.name, 'the pod', mergedPod, overlay, reusable);
  }
  return { mergedPod: mergedPod === originalPod ? { ...originalPod } : mergedPod, templatePod };
}

function mergeOrExplain(
  template: string,
  onto: string,
  base: JsonObject,
  overlay: JsonObject,
  reusable: ReusableParts,
): JsonObject {
  try {
    return strategicMergeSharing(base, overlay, reusable);
  } catch (error) {
    if (!(error instanceof StrategicMergeError)) throw error;
    throw new TemplateMergeError(template, `cannot merge its output onto ${onto}: ${error.message}`, {
      cause: error,
    });
  }
}
