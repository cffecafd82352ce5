// Views of the mesh config and ProxyConfig as the protoc-gen-go structs Istio's templates address:
// `.ProxyConfig.InterceptionMode.String`, `.ProxyConfig.HoldApplicationUntilProxyStarts.GetValue`,
// `.ProxyConfig.GetTracing.GetTlsSettings.GetCaCertificates`, `.MeshConfig.DefaultConfig.StatusPort`.
//
// What a view presents, following protoc-gen-go:
// - messages are non-nil pointers (`*v1alpha1.ProxyConfig`); an absent message field is a typed nil pointer
//   whose getters still work, so getter chains never fail;
// - Go names come from proto names (`mesh_id` -> `MeshId`, no initialism rewriting);
// - every field has a nil-safe `GetX` method; a oneof is one field named after the oneof (`.ClusterName`)
//   holding a wrapper struct (`*v1alpha1.ProxyConfig_ServiceCluster`), or nil; its members are reached
//   through their getters (`.GetServiceCluster`);
// - enums are named int32 values whose String method gives the name, so they print as `REDIRECT`;
// - wrapper types (`BoolValue`, `Int32Value`...) are nil when absent, else a struct with `Value`/`GetValue`;
// - durations are `*durationpb.Duration` with `Seconds`, `Nanos`, `GetSeconds`, `GetNanos` and `AsDuration`
//   (a time.Duration that prints as `45s`);
// - int32/int64/uint32 are Go ints (bigint), double is float64 (number); maps are Go maps.
//
// JSON keys the schema does not know (fields added upstream later, or messages kept opaque) are still
// presented, under their Go-cased name, with types guessed from the JSON, and serialised as written.
//
// toJSON() gives the message as protojson writes it (declaration order, camelCase names, zero values left
// out); the ProxyConfig view's toProtoJSON() gives the text Istio's `protoToJSON` produces: the fields
// equal to Istio's defaults blanked first (`cleanProxyConfig`), so an all-default config gives `{}`.
import { goNamed, goNilPointer, goStruct, type GoMethod, type GoNamed } from '../../template/index.ts';
import { defaultProxyConfig } from '../mesh.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../types.ts';
import {
  EMPTY_OBJECT,
  NIL_SLICE,
  NIL_STRING_MAP,
  VIEW_CACHE,
  VIEW_JSON,
  cached,
  goDurationString,
  goJSONEscape,
  nilPointer,
  parseDurationNanos,
  protoDurationString,
  sortedKeysOf,
  stringMapOf,
  toGoInt,
  toGoString,
  typedMapOf,
  type ViewBase,
} from './go.ts';
import { kubeGoJSON, kubeView } from './kube.ts';
import { ENUMS, MESSAGES } from './proto-schema.ts';

// --- names -----------------------------------------------------------------------------------------------

/** protoc-gen-go's GoCamelCase: `mesh_id` -> `MeshId`, `mesh_mTLS` -> `MeshMTLS`, `k8s_sa` -> `K8SSa`. */
export function goCamelCase(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '_' && i + 1 < name.length && /[a-z]/.test(name[i + 1]!)) continue;
    if (c === '_') {
      out += i === 0 ? 'X' : '_';
      continue;
    }
    if (/[0-9]/.test(c)) {
      out += c;
      continue;
    }
    out += c.toUpperCase();
    while (i + 1 < name.length && /[a-z]/.test(name[i + 1]!)) out += name[++i]!;
  }
  return out;
}

/** protoc's JSON name: underscores dropped, the letter after each capitalised. */
function jsonName(protoName: string): string {
  return protoName.replace(/_([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
}

/** The Go type of a message or enum: `ProxyConfig.ProxyStatsMatcher` -> `v1alpha1.ProxyConfig_ProxyStatsMatcher`. */
function goTypeName(name: string): string {
  const match = /^networking\.(v1\w+)\.(.+)$/.exec(name);
  if (match !== null) return `${match[1]}.${match[2]!.replaceAll('.', '_')}`;
  return `v1alpha1.${name.replaceAll('.', '_')}`;
}

// --- the compiled schema ---------------------------------------------------------------------------------

type Scalar = 'string' | 'bool' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'double' | 'float' | 'bytes';

const WRAPPERS: Readonly<Record<string, Scalar>> = {
  BoolValue: 'bool',
  Int32Value: 'int32',
  UInt32Value: 'uint32',
  Int64Value: 'int64',
  UInt64Value: 'uint64',
  DoubleValue: 'double',
  FloatValue: 'float',
  StringValue: 'string',
};

type ProtoType =
  | { readonly kind: 'scalar'; readonly scalar: Scalar }
  | { readonly kind: 'enum'; readonly enum: string }
  | { readonly kind: 'message'; readonly message: string }
  | { readonly kind: 'duration' }
  | { readonly kind: 'wrapper'; readonly wrapper: string; readonly scalar: Scalar }
  | { readonly kind: 'kube'; readonly type: string };

interface ProtoField {
  readonly proto: string;
  readonly json: string;
  readonly go: string;
  readonly type: ProtoType;
  readonly repeated: boolean;
  readonly map: boolean;
  readonly oneof: string | undefined;
}

interface ProtoMessage {
  readonly name: string;
  readonly goName: string;
  readonly opaque: boolean;
  readonly fields: readonly ProtoField[];
  /** Fields by JSON name and by proto name (protojson accepts both). */
  readonly byName: ReadonlyMap<string, ProtoField>;
  /** Oneof groups by proto name, members in declaration order. */
  readonly oneofs: ReadonlyMap<string, readonly ProtoField[]>;
}

function parseType(message: string, text: string): ProtoType {
  if (Object.hasOwn(WRAPPERS, text)) return { kind: 'wrapper', wrapper: text, scalar: WRAPPERS[text]! };
  if (text === 'Duration') return { kind: 'duration' };
  if (text.startsWith('enum:')) {
    const name = text.slice('enum:'.length);
    if (!Object.hasOwn(ENUMS, name)) throw new Error(`view: ${message}: no enum ${name}`);
    return { kind: 'enum', enum: name };
  }
  if (text.startsWith('k8s:')) return { kind: 'kube', type: text.slice('k8s:'.length) };
  if (['string', 'bool', 'int32', 'uint32', 'int64', 'uint64', 'double', 'float', 'bytes'].includes(text)) {
    return { kind: 'scalar', scalar: text as Scalar };
  }
  if (!Object.hasOwn(MESSAGES, text)) throw new Error(`view: ${message}: no message ${text}`);
  return { kind: 'message', message: text };
}

function compileMessage(name: string): ProtoMessage {
  const spec = Object.hasOwn(MESSAGES, name) ? MESSAGES[name] : undefined;
  if (spec === undefined) throw new Error(`view: no proto message ${name}`);
  const fields = (spec.fields ?? []).map((line): ProtoField => {
    const match = /^(\w+) (\[\]|map:)?(\S+)(?: @(\w+))?$/.exec(line);
    if (match === null) throw new Error(`view: ${name}: bad field "${line}"`);
    const proto = match[1]!;
    return {
      proto,
      json: jsonName(proto),
      go: goCamelCase(proto),
      type: parseType(name, match[3]!),
      repeated: match[2] === '[]',
      map: match[2] === 'map:',
      oneof: match[4],
    };
  });
  const byName = new Map<string, ProtoField>();
  const oneofs = new Map<string, ProtoField[]>();
  for (const field of fields) {
    byName.set(field.json, field);
    byName.set(field.proto, field);
    if (field.oneof !== undefined) oneofs.set(field.oneof, [...(oneofs.get(field.oneof) ?? []), field]);
  }
  return { name, goName: goTypeName(name), opaque: spec.opaque === true, fields, byName, oneofs };
}

const compiledMessages = new Map<string, ProtoMessage>();

function protoMessage(name: string): ProtoMessage {
  let message = compiledMessages.get(name);
  if (message === undefined) {
    message = compileMessage(name);
    compiledMessages.set(name, message);
  }
  return message;
}

/** A field's JSON value, under its JSON name or its proto name; undefined for absent or null. */
function rawOf(json: JsonObject, field: ProtoField): JsonValue | undefined {
  const value = json[field.json] ?? (field.proto === field.json ? undefined : json[field.proto]);
  return value === null ? undefined : value;
}

// --- enums, durations, wrappers ----------------------------------------------------------------------------

const enumValues = new Map<string, GoNamed>();

function enumNumber(enumName: string, raw: JsonValue | undefined): number {
  const values = ENUMS[enumName]!;
  if (typeof raw === 'string') return values.find(([n]) => n === raw)?.[1] ?? -1;
  return typeof raw === 'number' && Number.isInteger(raw) ? raw : 0;
}

function enumName(enumName: string, value: number): string | undefined {
  return ENUMS[enumName]!.find(([, v]) => v === value)?.[0];
}

/** An enum value as Go sees it: a named int32 whose String method gives the name. */
function enumValue(enum_: string, raw: JsonValue | undefined): GoNamed {
  const number = enumNumber(enum_, raw);
  // An unknown name keeps its text (protojson would have rejected it) so it still prints as written;
  // an unknown number prints as the number, as Go's String does.
  const label = number === -1 ? toGoString(raw) : (enumName(enum_, number) ?? String(number));
  const key = `${enum_}\u0000${number}\u0000${label}`;
  let value = enumValues.get(key);
  if (value === undefined) {
    value = goNamed(goTypeName(enum_), BigInt(number === -1 ? 0 : number), { String: () => label });
    enumValues.set(key, value);
  }
  return value;
}

/** A time.Duration: nanoseconds that print as Go prints them. */
function timeDuration(nanos: bigint): GoNamed {
  return goNamed('time.Duration', nanos, {
    String: () => goDurationString(nanos),
    Nanoseconds: () => nanos,
    Milliseconds: () => nanos / 1_000_000n,
    Seconds: () => Number(nanos) / 1e9,
  });
}

const DURATION_NANOS: unique symbol = Symbol('mesh-injector.durationNanos');

/** A non-nil `*durationpb.Duration`. */
class Duration {
  readonly Seconds: bigint;
  readonly Nanos: bigint;
  readonly [DURATION_NANOS]: bigint;

  constructor(nanos: bigint) {
    this[DURATION_NANOS] = nanos;
    this.Seconds = nanos / 1_000_000_000n;
    this.Nanos = nanos % 1_000_000_000n;
  }

  GetSeconds(): bigint {
    return this.Seconds;
  }

  GetNanos(): bigint {
    return this.Nanos;
  }

  AsDuration(): GoNamed {
    return timeDuration(this[DURATION_NANOS]);
  }

  /** prototext, as protobuf messages print. */
  String(): string {
    const parts = [];
    if (this.Seconds !== 0n) parts.push(`seconds:${this.Seconds}`);
    if (this.Nanos !== 0n) parts.push(`nanos:${this.Nanos}`);
    return parts.join(' ');
  }

  toJSON(): string {
    return protoDurationString(this[DURATION_NANOS]);
  }
}
goStruct('durationpb.Duration', Duration.prototype, { pointer: true });

const NIL_DURATION = goNilPointer('durationpb.Duration', {
  GetSeconds: () => 0n,
  GetNanos: () => 0n,
  AsDuration: () => timeDuration(0n),
});

/**
 * Go's text for a duration value as `formatDuration` prints it (`d.AsDuration().String()`): `45s` for a
 * duration view, `0s` for a nil one; undefined for anything that is not a duration.
 */
export function formatDurationValue(value: unknown): string | undefined {
  if (value instanceof Duration) return goDurationString(value[DURATION_NANOS]);
  if (value === NIL_DURATION) return '0s';
  return undefined;
}

function durationOf(raw: JsonValue | undefined): Duration | undefined {
  const nanos = typeof raw === 'string' ? parseDurationNanos(raw) : undefined;
  return nanos === undefined ? undefined : new Duration(nanos);
}

function scalarZero(scalar: Scalar): unknown {
  switch (scalar) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    case 'double':
    case 'float':
      return 0;
    default:
      return 0n;
  }
}

function scalarValue(scalar: Scalar, raw: JsonValue | undefined): unknown {
  switch (scalar) {
    case 'string':
    case 'bytes':
      return toGoString(raw);
    case 'bool':
      return raw === true;
    case 'double':
    case 'float':
      return typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : 0;
    default:
      return toGoInt(raw) ?? 0n;
  }
}

const wrapperClasses = new Map<string, new (value: unknown) => object>();
const nilWrappers = new Map<string, object>();

function wrapperClass(wrapper: string): new (value: unknown) => object {
  let cls = wrapperClasses.get(wrapper);
  if (cls === undefined) {
    // `Value` is an own field so the struct prints as Go's does; GetValue is the nil-safe getter.
    cls = class {
      readonly Value: unknown;
      constructor(value: unknown) {
        this.Value = value;
      }
      GetValue(): unknown {
        return this.Value;
      }
      toJSON(): unknown {
        return this.Value;
      }
    };
    goStruct(`wrapperspb.${wrapper}`, cls.prototype, { pointer: true });
    wrapperClasses.set(wrapper, cls);
  }
  return cls;
}

function nilWrapper(wrapper: string, scalar: Scalar): object {
  let nil = nilWrappers.get(wrapper);
  if (nil === undefined) {
    const zero = scalarZero(scalar);
    nil = goNilPointer(`wrapperspb.${wrapper}`, { GetValue: () => zero });
    nilWrappers.set(wrapper, nil);
  }
  return nil;
}

// --- message views -----------------------------------------------------------------------------------------

const PROTO_MESSAGE: unique symbol = Symbol('mesh-injector.protoMessage');

/** Base of every message view; Go fields are getters, Go methods functions, on per-message subclasses. */
class ProtoView implements ViewBase {
  declare readonly [PROTO_MESSAGE]: ProtoMessage;
  readonly [VIEW_JSON]: JsonObject;
  [VIEW_CACHE]: Map<string, unknown> | undefined = undefined;

  constructor(json: JsonObject) {
    this[VIEW_JSON] = json;
    const message = this[PROTO_MESSAGE];
    for (const key of Object.keys(json)) {
      if (!message.byName.has(key) && json[key] !== null) defineLenientField(this, message, key);
    }
  }

  /** The message as protojson writes it. */
  toJSON(): JsonObject {
    return canonicalMessage(this[PROTO_MESSAGE], this[VIEW_JSON]);
  }

  /** The text Istio's `protoToJSON` template function gives (ProxyConfig defaults blanked first). */
  toProtoJSON(): string {
    return protoJSONText(this[PROTO_MESSAGE].name, this[VIEW_JSON]);
  }
}

type ViewClass = new (json: JsonObject) => ProtoView;
const messageClasses = new Map<string, ViewClass>();
const nilMessages = new Map<string, object>();

/** The value of a present field (not a oneof member); `raw` is neither undefined nor null. */
function elementValue(type: ProtoType, raw: JsonValue): unknown {
  switch (type.kind) {
    case 'scalar':
      return scalarValue(type.scalar, raw);
    case 'enum':
      return enumValue(type.enum, raw);
    case 'message':
      return isJsonObject(raw) ? protoView(type.message, raw) : nilMessage(type.message);
    case 'duration':
      return durationOf(raw) ?? NIL_DURATION;
    case 'wrapper': {
      const inner = isJsonObject(raw) ? raw.value : raw;
      return new (wrapperClass(type.wrapper))(scalarValue(type.scalar, inner));
    }
    case 'kube':
      return isJsonObject(raw) ? kubeView(type.type, raw, { pointer: true }) : nilPointer(`v1.${type.type}`);
  }
}

function zeroValue(field: ProtoField): unknown {
  if (field.repeated) return NIL_SLICE;
  if (field.map) return field.type.kind === 'scalar' ? NIL_STRING_MAP : emptyMessageMap(field);
  const type = field.type;
  switch (type.kind) {
    case 'scalar':
      return scalarZero(type.scalar);
    case 'enum':
      return enumValue(type.enum, 0);
    case 'message':
      return nilMessage(type.message);
    case 'duration':
      return NIL_DURATION;
    case 'wrapper':
      return nilWrapper(type.wrapper, type.scalar);
    case 'kube':
      return nilPointer(`v1.${type.type}`);
  }
}

function mapTypeName(field: ProtoField): string {
  const type = field.type;
  return type.kind === 'message' ? `map[string]*${goTypeName(type.message)}` : 'map[string]string';
}

function emptyMessageMap(field: ProtoField): object {
  const type = field.type;
  return typedMapOf({}, mapTypeName(field), type.kind === 'message' ? nilMessage(type.message) : null);
}

/** The Go value of a field of a non-nil message. */
function fieldValue(view: ProtoView, field: ProtoField): unknown {
  const raw = rawOf(view[VIEW_JSON], field);
  if (raw === undefined) return zeroValue(field);
  const type = field.type;
  if (field.repeated) {
    return Array.isArray(raw)
      ? cached(view, field.go, () => raw.map((item) => elementValue(type, item)))
      : NIL_SLICE;
  }
  if (field.map) {
    if (!isJsonObject(raw)) return zeroValue(field);
    if (type.kind === 'scalar') return cached(view, field.go, () => stringMapOf(raw));
    return cached(view, field.go, () => {
      const entries: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(raw))
        if (item !== null) entries[key] = elementValue(type, item);
      return typedMapOf(entries, mapTypeName(field), zeroValue({ ...field, map: false }));
    });
  }
  if (type.kind === 'scalar' || type.kind === 'enum') return elementValue(type, raw);
  return cached(view, field.go, () => elementValue(type, raw));
}

/** The member of a oneof that is set, if any: the first one present, in declaration order. */
function oneofCase(json: JsonObject, members: readonly ProtoField[]): ProtoField | undefined {
  return members.find((member) => rawOf(json, member) !== undefined);
}

/** protoc-gen-go's oneof wrapper type; `_` is appended when a nested type already has the name. */
function oneofWrapperType(message: ProtoMessage, member: ProtoField): string {
  const name = `${message.name}.${member.go}`;
  const taken = Object.hasOwn(MESSAGES, name) || Object.hasOwn(ENUMS, name);
  return `${message.goName}_${member.go}${taken ? '_' : ''}`;
}

function oneofValue(view: ProtoView, message: ProtoMessage, members: readonly ProtoField[]): unknown {
  const member = oneofCase(view[VIEW_JSON], members);
  if (member === undefined) return null; // an unset oneof is a nil interface
  return cached(view, `oneof:${member.go}`, () =>
    goStruct(oneofWrapperType(message, member), { [member.go]: fieldValue(view, member) }, { pointer: true }),
  );
}

function defineLenientField(view: ProtoView, message: ProtoMessage, key: string): void {
  const goName = goCamelCase(key);
  Object.defineProperty(view, goName, {
    get: () =>
      cached(view, `lenient:${key}`, () =>
        lenientValue(`${message.goName}_${goName}`, view[VIEW_JSON][key]!),
      ),
    enumerable: false,
    configurable: true,
  });
}

/** A value of a field the schema does not describe, typed from its JSON. */
function lenientValue(typeName: string, raw: JsonValue): unknown {
  if (typeof raw === 'number') return Number.isInteger(raw) ? BigInt(raw) : raw;
  if (Array.isArray(raw)) return raw.map((item) => lenientValue(typeName, item));
  if (isJsonObject(raw)) return opaqueView(typeName, raw);
  return raw;
}

const opaqueClasses = new Map<string, ViewClass>();

function opaqueView(goName: string, json: JsonObject): ProtoView {
  let cls = opaqueClasses.get(goName);
  if (cls === undefined) {
    const message: ProtoMessage = {
      name: goName,
      goName,
      opaque: true,
      fields: [],
      byName: new Map(),
      oneofs: new Map(),
    };
    cls = class extends ProtoView {};
    Object.defineProperty(cls.prototype, PROTO_MESSAGE, { value: message });
    goStruct(goName, cls.prototype, { pointer: true });
    opaqueClasses.set(goName, cls);
  }
  return new cls(json);
}

function receiverJSON(receiver: unknown): JsonObject | undefined {
  return receiver instanceof ProtoView ? receiver[VIEW_JSON] : undefined;
}

/** Getter methods shared by a message's views and its nil pointer. */
function getterMethods(message: ProtoMessage): Record<string, GoMethod> {
  const methods: Record<string, GoMethod> = {};
  for (const field of message.fields) {
    const oneofMembers = field.oneof === undefined ? undefined : message.oneofs.get(field.oneof)!;
    methods[`Get${field.go}`] = function (this: unknown): unknown {
      const json = receiverJSON(this);
      if (json === undefined) return zeroValue(field);
      if (oneofMembers !== undefined && oneofCase(json, oneofMembers) !== field) return zeroValue(field);
      return fieldValue(this as ProtoView, field);
    };
  }
  for (const [oneof, members] of message.oneofs) {
    methods[`Get${goCamelCase(oneof)}`] = function (this: unknown): unknown {
      return this instanceof ProtoView ? oneofValue(this, message, members) : null;
    };
  }
  return methods;
}

function nilMessage(name: string): object {
  let nil = nilMessages.get(name);
  if (nil === undefined) {
    const message = protoMessage(name);
    nil = goNilPointer(message.goName, getterMethods(message));
    nilMessages.set(name, nil);
  }
  return nil;
}

function messageClass(name: string): ViewClass {
  let cls = messageClasses.get(name);
  if (cls !== undefined) return cls;
  const message = protoMessage(name);
  cls = class extends ProtoView {};
  const proto = cls.prototype as object;
  Object.defineProperty(proto, PROTO_MESSAGE, { value: message });
  for (const field of message.fields) {
    if (field.oneof !== undefined) continue;
    Object.defineProperty(proto, field.go, {
      get(this: ProtoView) {
        return fieldValue(this, field);
      },
    });
  }
  for (const [oneof, members] of message.oneofs) {
    Object.defineProperty(proto, goCamelCase(oneof), {
      get(this: ProtoView) {
        return oneofValue(this, message, members);
      },
    });
  }
  for (const [method, fn] of Object.entries(getterMethods(message))) {
    Object.defineProperty(proto, method, { value: fn });
  }
  goStruct(message.goName, proto, { pointer: true });
  messageClasses.set(name, cls);
  return cls;
}

/**
 * A view of `json` as a non-nil pointer to the proto message `name` (`MeshConfig`, `ProxyConfig`, or a
 * nested message such as `Tracing`). Throws for a message the schema does not have.
 */
export function protoView(name: string, json: JsonObject): object {
  return new (messageClass(name))(json);
}

export function meshConfigView(json: JsonObject): object {
  return protoView('MeshConfig', json);
}

export function proxyConfigView(json: JsonObject): object {
  return protoView('ProxyConfig', json);
}

// --- protojson ---------------------------------------------------------------------------------------------

function withoutNulls(json: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(json)) if (value !== null) out[key] = value;
  return out;
}

function canonicalScalar(scalar: Scalar, raw: JsonValue): JsonValue {
  switch (scalar) {
    case 'string':
    case 'bytes':
      return toGoString(raw);
    case 'bool':
      return raw === true;
    case 'int64':
    case 'uint64':
      return String(toGoInt(raw) ?? 0n); // protojson writes 64-bit integers as strings
    case 'double':
    case 'float': {
      const n = typeof raw === 'number' ? raw : Number(raw);
      if (Number.isNaN(n)) return 'NaN';
      if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
      return n;
    }
    default:
      return Number(toGoInt(raw) ?? 0n);
  }
}

function canonicalElement(type: ProtoType, raw: JsonValue): JsonValue {
  switch (type.kind) {
    case 'scalar':
      return canonicalScalar(type.scalar, raw);
    case 'enum': {
      const number = enumNumber(type.enum, raw);
      return number === -1 ? toGoString(raw) : (enumName(type.enum, number) ?? number);
    }
    case 'message':
      return canonicalMessage(protoMessage(type.message), isJsonObject(raw) ? raw : EMPTY_OBJECT);
    case 'duration': {
      const nanos = typeof raw === 'string' ? parseDurationNanos(raw) : undefined;
      return nanos === undefined ? raw : protoDurationString(nanos);
    }
    case 'wrapper':
      return canonicalScalar(type.scalar, isJsonObject(raw) ? (raw.value ?? null) : raw);
    case 'kube':
      return kubeGoJSON(type.type, isJsonObject(raw) ? raw : EMPTY_OBJECT);
  }
}

function isZero(type: ProtoType, value: JsonValue): boolean {
  if (type.kind === 'enum') return value === ENUMS[type.enum]!.find(([, v]) => v === 0)?.[0];
  if (type.kind !== 'scalar') return false; // messages, wrappers and durations have presence
  return value === '' || value === false || value === 0 || value === '0';
}

function canonicalField(field: ProtoField, raw: JsonValue, keepZero: boolean): JsonValue | undefined {
  if (field.repeated) {
    if (!Array.isArray(raw) || raw.length === 0) return undefined;
    return raw.filter((item) => item !== null).map((item) => canonicalElement(field.type, item));
  }
  if (field.map) {
    if (!isJsonObject(raw)) return undefined;
    const keys = sortedKeysOf(raw).filter((key) => raw[key] !== null);
    if (keys.length === 0) return undefined;
    const out: JsonObject = {};
    for (const key of keys) out[key] = canonicalElement(field.type, raw[key]!);
    return out;
  }
  const value = canonicalElement(field.type, raw);
  return !keepZero && isZero(field.type, value) ? undefined : value;
}

function canonicalMessage(message: ProtoMessage, json: JsonObject): JsonObject {
  if (message.opaque) return withoutNulls(json);
  const out: JsonObject = {};
  const setOneofs = new Set<string>();
  for (const field of message.fields) {
    const raw = rawOf(json, field);
    if (raw === undefined) continue;
    if (field.oneof !== undefined) {
      // A set oneof member is written even when it holds its zero value; only the first one counts.
      if (setOneofs.has(field.oneof)) continue;
      setOneofs.add(field.oneof);
    }
    const value = canonicalField(field, raw, field.oneof !== undefined);
    if (value !== undefined) out[field.json] = value;
  }
  for (const [key, value] of Object.entries(json)) {
    if (!message.byName.has(key) && value !== null) out[key] = value;
  }
  return out;
}

/** `json` as protojson writes the message `name`: declaration order, camelCase, zero values left out. */
export function protoJSON(name: string, json: JsonObject): JsonObject {
  return canonicalMessage(protoMessage(name), json);
}

// Istio's cleanProxyConfig: the fields blanked when they equal DefaultProxyConfig().
const CLEANED_PROXY_FIELDS = [
  'configPath',
  'binaryPath',
  'controlPlaneAuthPolicy',
  'serviceCluster',
  'drainDuration',
  'terminationDrainDuration',
  'discoveryAddress',
  'envoyMetricsService',
  'envoyAccessLogService',
  'tracing',
  'proxyAdminPort',
  'statNameLength',
  'statusPort',
  'concurrency',
] as const;

let canonicalDefaults: JsonObject | undefined;

function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A ProxyConfig as protojson writes it after Istio's cleanProxyConfig. */
export function cleanProxyConfigJSON(json: JsonObject): JsonObject {
  canonicalDefaults ??= protoJSON('ProxyConfig', defaultProxyConfig());
  const out = protoJSON('ProxyConfig', json);
  for (const key of CLEANED_PROXY_FIELDS) {
    if (out[key] !== undefined && jsonEqual(out[key], canonicalDefaults[key]))
      Reflect.deleteProperty(out, key);
  }
  return out;
}

/**
 * What Istio's `protoToJSON` gives for the message `name`: compact protojson with encoding/json's HTML
 * escaping; a ProxyConfig is cleaned of default-valued fields first.
 */
export function protoJSONText(name: string, json: JsonObject): string {
  // Most pods share one ProxyConfig object (the mesh's defaultConfig), so the text is kept per object;
  // configuration JSON is never modified once loaded.
  let texts = protoTexts.get(json);
  if (texts === undefined) {
    texts = new Map();
    protoTexts.set(json, texts);
  }
  let text = texts.get(name);
  if (text === undefined) {
    const object = name === 'ProxyConfig' ? cleanProxyConfigJSON(json) : protoJSON(name, json);
    text = goJSONEscape(JSON.stringify(object));
    texts.set(name, text);
  }
  return text;
}

const protoTexts = new WeakMap<JsonObject, Map<string, string>>();

/** `protoToJSON` of a template value: the text for a message view, undefined for anything else. */
export function protoToJSONText(value: unknown): string | undefined {
  return value instanceof ProtoView ? value.toProtoJSON() : undefined;
}
