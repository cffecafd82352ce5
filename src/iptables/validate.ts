// Validation of the traffic-capture annotations, with the reasons and message shape of Istio's injector
// (`pkg/kube/inject/validate.go`): `invalid value '<v>' for annotation '<k>': <reason>`. The injector rejects a
// pod whose annotations fail here, so the wording users search for is kept, Go error texts included.
import { CaptureAnnotation } from './annotations.ts';
import { checkInterfaceName, parseCidr } from './net.ts';

/** Returns the reason a value is invalid, or `undefined` when it is fine. */
export type AnnotationCheck = (value: string) => string | undefined;

/** Go's `strconv.ParseUint(text, 10, bits)` error, or `undefined` when it parses. */
function parseUintError(text: string, bits: 16 | 32): string | undefined {
  if (!/^[0-9]+$/.test(text)) return `strconv.ParseUint: parsing ${JSON.stringify(text)}: invalid syntax`;
  if (BigInt(text) >= 1n << BigInt(bits)) {
    return `strconv.ParseUint: parsing ${JSON.stringify(text)}: value out of range`;
  }
  return undefined;
}

function portError(port: string): string | undefined {
  const error = parseUintError(port.trim(), 16);
  return error === undefined ? undefined : `failed parsing port '${port}': ${error}`;
}

/** Istio's port lists: trimmed, split on commas, every entry a port (its error is wrapped twice, as in Istio). */
function portListError(parameter: string, ports: string): string | undefined {
  const trimmed = ports.trim();
  if (trimmed === '') return undefined;
  for (const port of trimmed.split(',')) {
    const error = portError(port);
    if (error !== undefined) return `${parameter} invalid: failed parsing port '${port}': ${error}`;
  }
  return undefined;
}

function cidrListError(parameter: string, cidrs: string): string | undefined {
  if (cidrs === '') return undefined;
  for (const cidr of cidrs.split(',')) {
    const parsed = parseCidr(cidr);
    if (!parsed.ok) return `${parameter} invalid: failed parsing cidr '${cidr}': ${parsed.reason}`;
  }
  return undefined;
}

/** Interface lists end up inside iptables rules, so anything but plain interface names is refused. */
function interfaceListError(parameter: string, names: string): string | undefined {
  if (names === '') return undefined;
  for (const name of names.split(',')) {
    const checked = checkInterfaceName(name);
    if (!checked.ok) return `${parameter} invalid: ${checked.reason}`;
  }
  return undefined;
}

/** The checks by annotation name. `includeOutboundPorts` has none in Istio, and none here. */
export const trafficAnnotationChecks: ReadonlyMap<string, AnnotationCheck> = new Map<string, AnnotationCheck>(
  [
    [
      CaptureAnnotation.interceptionMode,
      (mode) =>
        ['REDIRECT', 'TPROXY', 'NONE'].includes(mode)
          ? undefined
          : `interceptionMode invalid, use REDIRECT,TPROXY,NONE: ${mode}`,
    ],
    [
      CaptureAnnotation.statusPort,
      // Istio's message names excludeInboundPorts here because the status port joins that list.
      (port) => {
        const error = portError(port);
        return error === undefined ? undefined : `excludeInboundPorts invalid: ${error}`;
      },
    ],
    [
      CaptureAnnotation.includeOutboundIPRanges,
      (ranges) => (ranges === '*' ? undefined : cidrListError('includeIPRanges', ranges)),
    ],
    [CaptureAnnotation.excludeOutboundIPRanges, (ranges) => cidrListError('excludeIPRanges', ranges)],
    [
      CaptureAnnotation.includeInboundPorts,
      (ports) => (ports === '*' ? undefined : portListError('includeInboundPorts', ports)),
    ],
    [CaptureAnnotation.excludeInboundPorts, (ports) => portListError('excludeInboundPorts', ports)],
    [CaptureAnnotation.excludeOutboundPorts, (ports) => portListError('excludeOutboundPorts', ports)],
    [CaptureAnnotation.excludeInterfaces, (names) => interfaceListError('excludeInterfaces', names)],
    [CaptureAnnotation.kubevirtInterfaces, (names) => interfaceListError('kubevirtInterfaces', names)],
    [
      CaptureAnnotation.rerouteVirtualInterfaces,
      (names) => interfaceListError('rerouteVirtualInterfaces', names),
    ],
  ],
);

/** Istio's message for one bad annotation. */
export function annotationErrorMessage(name: string, value: string, reason: string): string {
  return `invalid value '${value}' for annotation '${name}': ${reason}`;
}

/**
 * Checks every traffic-capture annotation present and returns one message per invalid value, sorted by
 * annotation name (Istio reports them in map order, which is random). Other annotations are ignored.
 */
export function validateTrafficAnnotations(annotations: Readonly<Record<string, string>>): string[] {
  const messages: string[] = [];
  for (const name of Object.keys(annotations).sort()) {
    const check = trafficAnnotationChecks.get(name);
    const value = annotations[name];
    if (check === undefined || value === undefined) continue;
    const reason = check(value);
    if (reason !== undefined) messages.push(annotationErrorMessage(name, value, reason));
  }
  return messages;
}
