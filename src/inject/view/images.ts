// The proxy images and inbound policy mode Istio computes in Go before rendering (`.ProxyImage`,
// `.ProxyInitImage`, `.InboundTrafficPolicyMode`), from the values, the effective ProxyConfig, the pod's
// annotations and the mesh config.
import { Annotation } from '../annotations.ts';
import { goSprint } from '../../template/index.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../types.ts';

/** Image variants Istio publishes; an existing one is replaced rather than stacked. */
const KNOWN_IMAGE_TYPES = ['distroless', 'debug'];

function objectAt(values: JsonObject, key: string): JsonObject {
  const value = values[key];
  return isJsonObject(value) ? value : {};
}

function text(value: JsonValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** `tag` with its image type: a known type suffix is stripped, then `-<type>` added unless type is `default`. */
export function tagWithImageType(tag: string, imageType: string): string {
  if (imageType === '') return tag;
  let base = tag;
  for (const known of KNOWN_IMAGE_TYPES) {
    if (base.endsWith(`-${known}`)) {
      base = base.slice(0, -(known.length + 1));
      break;
    }
  }
  return imageType === 'default' ? base : `${base}-${imageType}`;
}

function imageURL(hub: string, name: string, tag: string, imageType: string): string {
  // A name that is already a full image reference is used as written (the shipped templates do the same).
  if (name.includes('/')) return name;
  return `${hub}/${name}:${tagWithImageType(tag, imageType)}`;
}

export interface ProxyImages {
  readonly proxyImage: string;
  readonly proxyInitImage: string;
}

/**
 * `.ProxyImage` and `.ProxyInitImage` (Istio's ProxyImage/InitImage): `<global.hub>/<name>:<global.tag>[-<type>]`,
 * where name is `global.proxy.image` / `global.proxy_init.image` (default `proxyv2`) and type is the
 * ProxyConfig's `image.imageType` (when the ProxyConfig has an `image`), else `global.variant`; annotation
 * `sidecar.istio.io/proxyImageType`, when present, overrides both. The init image ignores the ProxyConfig.
 * A numeric tag prints as Go prints a float64 (a YAML `1.20` is `1.2`).
 */
export function proxyImages(
  values: JsonObject,
  proxyConfig: JsonObject,
  annotations: Readonly<Record<string, string>>,
): ProxyImages {
  const global = objectAt(values, 'global');
  const hub = text(global.hub);
  const tagValue = global.tag;
  const tag = tagValue === undefined || tagValue === null ? '' : goSprint(tagValue);
  const variant = text(global.variant);
  const annotated = Object.hasOwn(annotations, Annotation.proxyImageType)
    ? annotations[Annotation.proxyImageType]
    : undefined;

  const proxyImageConfig = proxyConfig.image;
  const proxyType =
    annotated ?? (isJsonObject(proxyImageConfig) ? text(proxyImageConfig.imageType) : variant);
  const initType = annotated ?? variant;

  const proxyName = text(objectAt(global, 'proxy').image) || 'proxyv2';
  const initName = text(objectAt(global, 'proxy_init').image) || 'proxyv2';
  return {
    proxyImage: imageURL(hub, proxyName, tag, proxyType),
    proxyInitImage: imageURL(hub, initName, tag, initType),
  };
}

/** `.InboundTrafficPolicyMode`: `localhost` when the mesh's inbound traffic policy is LOCALHOST. */
export function inboundTrafficPolicyMode(mesh: JsonObject): 'localhost' | 'passthrough' {
  const policy = mesh.inboundTrafficPolicy;
  const mode = isJsonObject(policy) ? policy.mode : undefined;
  return mode === 'LOCALHOST' || mode === 1 ? 'localhost' : 'passthrough';
}
