// The whole path for one pod, as the `iptables` CLI command shows it: pod settings -> init container args and
// env -> what istio-iptables makes of them -> rules and a summary. Also reads an init container that is already
// in a manifest, so an injected pod can be explained from its own args.
import { initContainerPlan, type CaptureInput, type InitContainerPlan } from './args.ts';
import type { CaptureConfig } from './config.ts';
import { explainCapture } from './explain.ts';
import { parseCaptureArgs } from './parse.ts';
import { renderRules, type RenderedRules } from './rules.ts';

export interface CapturePlanOptions {
  /** The pod's resolv.conf nameservers (DNS capture targets them); unknown before the pod runs. */
  readonly dnsServers?: readonly string[] | undefined;
  /** Write IPv6 rules (the pod has an IPv6 address); defaults to `--dual-stack`. */
  readonly ipv6?: boolean | undefined;
}

export type CapturePlan =
  | {
      readonly captured: true;
      readonly initContainer: InitContainerPlan;
      readonly config: CaptureConfig;
      readonly rules: RenderedRules;
      readonly summary: readonly string[];
    }
  | { readonly captured: false; readonly summary: readonly string[] };

/**
 * Plans traffic capture for a pod from its annotations, the injector values and the mesh settings. The init
 * container's env (the proxy metadata) is read as istio-iptables reads its environment, so
 * `ISTIO_META_DNS_CAPTURE` and friends take effect.
 */
export function planCapture(input: CaptureInput, options: CapturePlanOptions = {}): CapturePlan {
  const initContainer = initContainerPlan(input);
  if (initContainer === undefined) {
    return {
      captured: false,
      summary: [
        'Interception: NONE (no init container, no traffic capture; traffic reaches the proxy only if sent to it)',
      ],
    };
  }
  const env = Object.fromEntries(initContainer.env.map((e) => [e.name, e.value]));
  const config = parseCaptureArgs(initContainer.args, { ...options, env });
  return {
    captured: true,
    initContainer,
    config,
    rules: renderRules(config),
    summary: explainCapture(config),
  };
}

/** The parts of a container (a `V1Container` fits) that carry istio-iptables' arguments and environment. */
export interface CaptureContainer {
  readonly name?: string | undefined;
  readonly command?: readonly string[] | undefined;
  readonly args?: readonly string[] | undefined;
  readonly env?:
    | readonly {
        readonly name: string;
        readonly value?: string | undefined;
        /** Ignored: a downward-API or secret value cannot be known offline. */
        readonly valueFrom?: unknown;
      }[]
    | undefined;
}

/**
 * Reads an istio-iptables init container from a manifest (`istio-init`, or `istio-validation` under CNI): its
 * `command` + `args`, and the literal `value`s of its env (`valueFrom` entries cannot be known offline).
 */
export function captureConfigFromContainer(
  container: CaptureContainer,
  options: CapturePlanOptions = {},
): CaptureConfig {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
  }
  return parseCaptureArgs(argv, { ...options, env });
}
