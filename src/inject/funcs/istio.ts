// Istio's injection template helpers (istio/istio pkg/kube/inject/template.go, createInjectionFuncmap).
//
// These sit on top of sprig in Istio's function map, so `indent`, `contains`, `env` and `omit` here win
// over sprig's. Their Go parameters are typed (`metav1.ObjectMeta`, `map[string]string`,
// `[]corev1.Container`, `*meshconfig.MeshConfig`, `proto.Message`); the template data presents those as
// Go-named views (goStruct objects with Go field names, goStringMap maps), and the readers below accept
// those views as well as the plain JSON the same objects have in a manifest (`annotations`, `ports`,
// `containerPort`), so a helper works on either.
//
// `env` reads the environment map the injector is configured with, never the process environment:
// injection must not change because of how the injector process was started.
import { ContainerName } from '../annotations.ts';
import { goSprint, goSprintf } from '../../template/fmt.ts';
import { withSignature, type FuncMap, type TemplateFunction } from '../../template/funcs.ts';
import {
  GoNamed,
  Kind,
  NOT_FOUND,
  goStringMap,
  goTypeInfo,
  goTypeName,
  isNilPointer,
  kindOf,
  lookupMethod,
  sortedKeys,
  structMember,
} from '../../template/values.ts';
import { GoJsonError, GoJsonSyntaxError, goJsonDecode, goJsonMarshal } from './gojson.ts';
import { formatDuration } from './gonum.ts';
import { replaceAll, splitDir, toLower, trimSpace } from './gostrings.ts';
import { goYamlMarshal } from './goyaml.ts';

const MAX_INDENT = 1n << 20n;

// ---------------------------------------------------------------------------------------------------------
// Reading Go-named views and plain JSON alike.

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !isNilPointer(value) && !(value instanceof GoNamed);
}

/**
 * A field of a struct view by its Go name (or its proto getter `Get<Name>`), or of plain JSON by its JSON
 * name; undefined when absent or when the value is nil.
 */
export function readField(value: unknown, goName: string, jsonName: string): unknown {
  if (isNilPointer(value)) {
    const getter = lookupMethod(value as object, 'Get' + goName);
    return getter === undefined ? undefined : Reflect.apply(getter, value, []);
  }
  if (!isObject(value)) return undefined;
  if (goTypeInfo(value)?.kind === 'struct') {
    const member = structMember(value, goName);
    if (typeof member === 'function') return Reflect.apply(member, value, []);
    if (member !== NOT_FOUND) return member;
    const getter = lookupMethod(value, 'Get' + goName);
    return getter === undefined ? undefined : Reflect.apply(getter, value, []);
  }
  return Object.hasOwn(value, jsonName) ? (value as Record<string, unknown>)[jsonName] : undefined;
}

function wrongType(expected: string, value: unknown): Error {
  return new Error(
    `wrong type for value; expected ${expected}; got ${value === null ? 'interface {}' : goTypeName(value)}`,
  );
}

/**
 * A `map[string]string` parameter (declared 'value'): a goStringMap, or a plain object whose values are
 * all strings (how a JSON map of strings arrives); no value is a nil map (null here). A nil interface and
 * other maps are rejected as Go rejects them.
 */
function stringMapArg(value: unknown): Readonly<Record<string, string>> | null {
  if (value === undefined) return null;
  if (value !== null && kindOf(value) === Kind.Map) {
    const info = goTypeInfo(value);
    const record = value as Record<string, unknown>;
    if (info?.typeName === 'map[string]string') return record as Record<string, string>;
    if (info === undefined && sortedKeys(value).every((k) => typeof record[k] === 'string')) {
      return record as Record<string, string>;
    }
  }
  throw wrongType('map[string]string', value);
}

function stringEntries(map: Readonly<Record<string, string>> | null): [string, string][] {
  return map === null ? [] : sortedKeys(map).map((k) => [k, map[k]!]);
}

/** A `[]corev1.Container` parameter: a list of container views or JSON containers; nil is empty. */
function containersArg(value: unknown): readonly unknown[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value;
  throw wrongType('[]v1.Container', value);
}

/** A JSON or Go number as a JS integer value (ports are int32 in Go). */
function integerText(value: unknown): string {
  if (typeof value === 'bigint') return BigInt.asIntN(32, value).toString();
  if (typeof value === 'number') return String(Math.trunc(value) | 0);
  if (value instanceof GoNamed) return integerText(value.value);
  return '0';
}

/** A string or a string-typed enum/named value (corev1.Protocol). */
function stringValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof GoNamed && typeof value.value === 'string') return value.value;
  return '';
}

function containerPorts(containers: readonly unknown[], include: (container: unknown) => boolean): string {
  const parts: string[] = [];
  for (const container of containers) {
    if (!include(container)) continue;
    const ports = readField(container, 'Ports', 'ports');
    if (!Array.isArray(ports)) continue;
    for (const port of ports as unknown[]) {
      const protocol = stringValue(readField(port, 'Protocol', 'protocol'));
      if (protocol === 'UDP' || protocol === 'SCTP') continue;
      parts.push(integerText(readField(port, 'ContainerPort', 'containerPort')));
    }
  }
  return parts.join(',');
}

/** The name of an enum value: its String method, a string, or the number itself. */
function enumName(value: unknown): string {
  if (value instanceof GoNamed) {
    const str = lookupMethod(value, 'String');
    return str === undefined ? enumName(value.value) : String(Reflect.apply(str, value, []));
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number') return String(value);
  return '';
}

// ---------------------------------------------------------------------------------------------------------
// The helpers, in Istio's order.

/** durationpb.Duration.AsDuration().String(); accepts {Seconds, Nanos} views, JSON, or the protojson string. */
function formatDurationArg(value: unknown): string {
  if (value === undefined || isNilPointer(value)) return '0s';
  if (typeof value === 'string') {
    const m = /^(-)?([0-9]+)(?:\.([0-9]{1,9}))?s$/.exec(value);
    if (m === null) throw wrongType('*durationpb.Duration', value);
    const nanos = BigInt(m[2]!) * 1_000_000_000n + BigInt((m[3] ?? '').padEnd(9, '0'));
    return formatDuration(m[1] === '-' ? -nanos : nanos);
  }
  if (!isObject(value)) throw wrongType('*durationpb.Duration', value);
  const toBig = (v: unknown): bigint =>
    typeof v === 'bigint'
      ? v
      : typeof v === 'number'
        ? BigInt(Math.trunc(v))
        : typeof v === 'string' && /^-?\d+$/.test(v)
          ? BigInt(v)
          : 0n;
  const seconds = toBig(readField(value, 'Seconds', 'seconds'));
  const nanos = toBig(readField(value, 'Nanos', 'nanos'));
  // AsDuration saturates at the int64 range.
  const max = (1n << 63n) - 1n;
  const total = seconds * 1_000_000_000n + nanos;
  return formatDuration(total > max ? max : total < -max - 1n ? -max - 1n : total);
}

function excludeInboundPort(port: unknown, excluded: string): string {
  const portText = trimSpace(goSprint(port === undefined ? null : port));
  if (portText === '' || portText === '0') return excluded;
  const out: string[] = [];
  for (const entry of excluded.split(',')) {
    if (entry === portText) return excluded;
    const trimmed = trimSpace(entry);
    if (trimmed !== '') out.push(trimmed);
  }
  out.push(portText);
  return out.join(',');
}

function annotation(meta: unknown, name: string, fallback: unknown): string {
  if (meta === undefined) throw new Error('invalid value; expected v1.ObjectMeta');
  if (isNilPointer(meta)) throw new Error('dereference of nil pointer of type v1.ObjectMeta');
  // A struct view, or (leniently) the plain JSON metadata of a manifest; any other value is Go's type error.
  if (!isObject(meta) || Array.isArray(meta) || goTypeInfo(meta)?.kind === 'map')
    throw wrongType('v1.ObjectMeta', meta);
  const annotations = stringMapArg(readField(meta, 'Annotations', 'annotations'));
  if (annotations !== null && Object.hasOwn(annotations, name) && annotations[name] !== undefined) {
    return annotations[name];
  }
  return goSprint(fallback === undefined ? null : fallback);
}

function toJSON(m: unknown): string {
  const map = stringMapArg(m);
  return map === null ? '{}' : goJsonMarshal(map);
}

function fromJSON(text: string): unknown {
  try {
    const result = goJsonDecode(text);
    return result.error === undefined ? result.value : '{}';
  } catch (err) {
    if (err instanceof GoJsonSyntaxError) return '{}';
    throw err;
  }
}

function structToJSON(value: unknown): string {
  if (value === null || value === undefined) return '{}';
  try {
    return goJsonMarshal(value);
  } catch (err) {
    if (err instanceof GoJsonError) return '{}';
    throw err;
  }
}

/**
 * protoToJSON: a value whose view knows its protobuf JSON (a `toProtoJSON()` method returning the text;
 * the ProxyConfig view applies Istio's cleanProxyConfig there) is used as is. Any other message (plain
 * JSON in proto field order) is written like jsonpb: keys in the order given, strings escaped as
 * encoding/json does. A nil message gives `{}`.
 */
function protoToJSON(message: unknown): string {
  if (message === undefined || isNilPointer(message)) return '{}';
  if (!isObject(message) || Array.isArray(message) || goTypeInfo(message)?.kind === 'map') {
    throw wrongType('protoreflect.ProtoMessage', message);
  }
  const own: unknown = (message as Record<string, unknown>).toProtoJSON;
  if (typeof own === 'function') return String(Reflect.apply(own, message, []));
  try {
    return goJsonMarshal(message, { keepKeyOrder: true });
  } catch (err) {
    if (err instanceof GoJsonError) return '{}';
    throw err;
  }
}

function toYaml(value: unknown): string {
  try {
    return goYamlMarshal(value === undefined ? null : value);
  } catch (err) {
    if (err instanceof GoJsonError) return '';
    throw err;
  }
}

/** Istio's indent: every line but the first gets `spaces` spaces (written with fmt's `% Ns` of ""). */
function indent(spaces: bigint, source: string): string {
  if (spaces > MAX_INDENT || spaces < -MAX_INDENT)
    throw new Error(`indent of ${String(spaces)} exceeds mesh-injector's limit of ${String(MAX_INDENT)}`);
  const pad = goSprintf(goSprintf('%% %ds', spaces), '');
  return replaceAll(source, '\n', '\n' + pad);
}

/** k8s.io/utils/strings.SplitQualifiedName: `ns/name` -> [ns, name]; no slash -> ["", name]. */
function splitQualifiedName(s: string): [string, string] {
  const parts = s.split('/');
  return parts.length < 2 ? ['', s] : [parts[0]!, parts[1]!];
}

function appendMultusNetwork(existing: string, network: string): string {
  if (existing === '') return network;
  const bracket = existing.lastIndexOf(']');
  if (bracket !== -1) {
    let networks: unknown;
    try {
      const decoded = goJsonDecode(existing);
      if (decoded.error !== undefined) return existing;
      networks = decoded.value;
    } catch {
      return existing;
    }
    // Go decodes into []map[string]any: anything but a list of objects (or nulls) is an error.
    if (
      !Array.isArray(networks) ||
      !networks.every((n) => n === null || (isObject(n) && !Array.isArray(n)))
    ) {
      return existing;
    }
    const [namespace, name] = splitQualifiedName(network);
    for (const net of networks as (Record<string, unknown> | null)[]) {
      if (net?.name === name && (net.namespace ?? '') === namespace) return existing;
    }
    const entry =
      namespace === '' ? `, {"name": "${name}"}` : `, {"name": "${name}", "namespace": "${namespace}"}`;
    return existing.slice(0, bracket) + entry + existing.slice(bracket);
  }
  for (const net of existing.split(',')) if (trimSpace(net) === network) return existing;
  return existing + ', ' + network;
}

function omit(dict: unknown, ...keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of stringEntries(stringMapArg(dict))) if (!keys.includes(k)) out[k] = v;
  return goStringMap(out);
}

function strdict(...kv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < kv.length; i += 2) out[kv[i]!] = i + 1 < kv.length ? kv[i + 1]! : '';
  return goStringMap(out);
}

function mergeMaps(...maps: unknown[]): Record<string, string> | null {
  if (maps.length === 0) return null;
  const out: Record<string, string> = {};
  for (const map of maps) for (const [k, v] of stringEntries(stringMapArg(map))) out[k] = v;
  return goStringMap(out);
}

/**
 * omitNil: drops nils from map[string]any and []any, recursively. A container is only rebuilt when
 * something under it was nil, and a rebuilt container that ends up empty becomes nil itself.
 */
export function omitNil(value: unknown): unknown {
  return omitNilInternal(value).value;
}

function omitNilInternal(value: unknown): { value: unknown; changed: boolean } {
  if (value === null || value === undefined) return { value: null, changed: true };
  if (Array.isArray(value)) {
    if (!value.some((v) => omitNilInternal(v).changed)) return { value, changed: false };
    const out = value.map(omitNil).filter((v) => v !== null);
    return { value: out.length === 0 ? null : out, changed: true };
  }
  if (kindOf(value) === Kind.Map && goTypeInfo(value) === undefined) {
    const record = value as Record<string, unknown>;
    const keys = sortedKeys(value);
    if (!keys.some((k) => omitNilInternal(record[k]).changed)) return { value, changed: false };
    const out: Record<string, unknown> = {};
    for (const k of keys) {
      const v = omitNil(record[k]);
      if (v !== null)
        Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
    return { value: Object.keys(out).length === 0 ? null : out, changed: true };
  }
  return { value, changed: false };
}

/** The tag and digest of an image reference (`nginx:1.21@sha256:...`). */
function imageTagDigest(image: string): [string, string] {
  let rest = image;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const colon = rest.lastIndexOf(':');
  return [colon > rest.lastIndexOf('/') ? rest.slice(colon + 1) : '', digest];
}

const OTEL_SEMANTIC_CONVENTIONS = 'OTEL_SEMANTIC_CONVENTIONS';

function otelResourceAttributes(
  mesh: unknown,
  annotationsIn: unknown,
  labelsIn: unknown,
  namespace: string,
  containersIn: unknown,
): string {
  if (mesh === null) throw wrongType('*v1alpha1.MeshConfig', mesh);
  const providers = readField(mesh, 'ExtensionProviders', 'extensionProviders');
  const enabled =
    Array.isArray(providers) &&
    (providers as unknown[]).some((provider) => {
      const otel = readField(provider, 'Opentelemetry', 'opentelemetry');
      if (otel === undefined || otel === null) return false;
      const mode = enumName(readField(otel, 'ServiceAttributeEnrichment', 'serviceAttributeEnrichment'));
      return mode === OTEL_SEMANTIC_CONVENTIONS || mode === '1';
    });
  if (!enabled) return '';
  const annotations = stringMapArg(annotationsIn) ?? {};
  const labels = stringMapArg(labelsIn) ?? {};
  const containers = containersArg(containersIn);
  const nonEmpty = (map: Readonly<Record<string, string>>, key: string): string | undefined =>
    Object.hasOwn(map, key) && map[key] !== '' ? map[key] : undefined;
  const attrs: string[] = [];

  const ns =
    nonEmpty(annotations, 'resource.opentelemetry.io/service.namespace') ??
    (namespace !== '' ? namespace : undefined);
  if (ns !== undefined) attrs.push('service.namespace=' + ns);

  let version =
    nonEmpty(annotations, 'resource.opentelemetry.io/service.version') ??
    nonEmpty(labels, 'app.kubernetes.io/version');
  if (version === undefined && containers.length === 1) {
    const [tag, digest] = imageTagDigest(stringValue(readField(containers[0], 'Image', 'image')));
    version =
      tag !== '' && digest !== ''
        ? `${tag}@${digest}`
        : digest !== ''
          ? digest
          : tag !== ''
            ? tag
            : undefined;
  }
  if (version !== undefined) attrs.push('service.version=' + version);

  const instance = nonEmpty(annotations, 'resource.opentelemetry.io/service.instance.id');
  if (instance !== undefined) attrs.push('service.instance.id=' + instance);
  else if (containers.length > 0) {
    const first = stringValue(readField(containers[0], 'Name', 'name'));
    attrs.push(`service.instance.id=${namespace}.$(POD_NAME).${first}`);
  }
  return attrs.join(',');
}

// ---------------------------------------------------------------------------------------------------------

const S = 'string' as const;
const A = 'any' as const;
/** A Go-typed parameter the helper checks itself (missing value and nil interface stay distinct). */
const V = 'value' as const;

function sig<F extends TemplateFunction>(params: readonly ('any' | 'value' | 'string' | 'int')[], fn: F): F {
  return withSignature({ params }, fn);
}

/** Istio's helpers; `env` backs the `env` helper (istiod's environment, here the injector's configuration). */
export function createIstioFuncMap(env: ReadonlyMap<string, string>): FuncMap {
  return Object.freeze({
    formatDuration: sig([V], formatDurationArg),
    isset: sig([V, S], (m: unknown, key: string) => {
      const map = stringMapArg(m);
      return map !== null && Object.hasOwn(map, key) && map[key] !== undefined;
    }),
    excludeInboundPort: sig([A, S], excludeInboundPort),
    includeInboundPorts: sig([V], (containers: unknown) =>
      containerPorts(containersArg(containers), () => true),
    ),
    kubevirtInterfaces: sig([S], (s: string) => s),
    excludeInterfaces: sig([S], (s: string) => s),
    applicationPorts: sig([V], (containers: unknown) =>
      containerPorts(
        containersArg(containers),
        (c) => stringValue(readField(c, 'Name', 'name')) !== ContainerName.proxy,
      ),
    ),
    annotation: sig([V, S, A], annotation),
    valueOrDefault: sig([A, A], (value: unknown, fallback: unknown) =>
      value === '' || value === null || value === undefined ? fallback : value,
    ),
    toJSON: sig([V], toJSON),
    fromJSON: sig([S], fromJSON),
    structToJSON: sig([A], structToJSON),
    protoToJSON: sig([V], protoToJSON),
    toYaml: sig([A], toYaml),
    indent: sig(['int', S], indent),
    directory: sig([S], splitDir),
    contains: sig([S, S], (needle: string, haystack: string) => haystack.includes(needle)),
    toLower: sig([S], toLower),
    appendMultusNetwork: sig([S, S], appendMultusNetwork),
    env: sig([S, S], (key: string, fallback: string) => {
      const value = env.get(key) ?? '';
      return value === '' ? fallback : value;
    }),
    omit: withSignature({ params: [V], variadic: S }, omit),
    strdict: withSignature({ params: [], variadic: S }, strdict),
    toJsonMap: withSignature({ params: [], variadic: V }, (...maps: unknown[]) =>
      goJsonMarshal(mergeMaps(...maps)),
    ),
    mergeMaps: withSignature(
      { params: [], variadic: V },
      (...maps: unknown[]) => mergeMaps(...maps) ?? goStringMap({}),
    ),
    omitNil: sig([A], omitNil),
    otelResourceAttributes: sig([V, V, V, S, V], otelResourceAttributes),
  } satisfies Record<string, TemplateFunction>);
}

/** The 26 helper names, as Istio registers them. */
export const ISTIO_HELPER_NAMES: readonly string[] = Object.freeze(
  Object.keys(createIstioFuncMap(new Map())),
);
