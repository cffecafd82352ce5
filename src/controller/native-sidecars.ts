// Whether pods can get native sidecars (an init container with restartPolicy Always), from the nodes' kubelet
// versions, as Istio's ENABLE_NATIVE_SIDECARS=auto decides: every node's kubelet must be 1.33 or newer (a pod is
// usually not scheduled yet at admission, so it could land on any node). No nodes, or a version that does not
// parse, means no.
export type NativeSidecarMode = 'auto' | 'true' | 'false';

const minimumMinor = 33;

/** Parses `v1.33.2`, `v1.34.0-eks-1234` into [major, minor]; undefined when it is not a version. */
export function kubeletMinorVersion(version: string): [number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (match === null) return undefined;
  return [Number(match[1]), Number(match[2])];
}

export function nodesSupportNativeSidecars(kubeletVersions: readonly string[]): boolean {
  if (kubeletVersions.length === 0) return false;
  return kubeletVersions.every((version) => {
    const parsed = kubeletMinorVersion(version);
    return parsed !== undefined && (parsed[0] > 1 || (parsed[0] === 1 && parsed[1] >= minimumMinor));
  });
}

export function parseNativeSidecarMode(value: string): NativeSidecarMode {
  if (value === 'auto' || value === 'true' || value === 'false') return value;
  throw new Error(`invalid native sidecar mode "${value}": want auto, true or false`);
}
