// Go-named views of Kubernetes JSON: what Istio's templates see as `.ObjectMeta`, `.Spec`, `$c.Ports`...
//
// A view wraps one JSON object and presents it as the Go struct k8s.io/api would have unmarshaled it into:
// Go field names (`serviceAccountName` -> `.ServiceAccountName`, `httpGet` -> `.HTTPGet`), zero values for
// absent fields, nil pointers for absent pointer fields, int32/int64 as Go ints (bigint), embedded structs
// with promoted fields (`.HTTPGet` and `.ProbeHandler.HTTPGet` on a Probe), and an execution error for a
// field the Go type does not have. Fields are getters on a per-type prototype and nested views are built on
// first access and cached, so building a view costs one allocation and untouched fields cost nothing. The
// JSON is never written to.
//
// Deliberate simplifications, where Go's own behaviour is of no use to a template:
// - resource.Quantity values (and maps of them) are their text; an absent one is "";
// - metav1.Time values are their RFC 3339 text; an absent one is "";
// - a non-nil pointer to a scalar (*bool, *int64, *string) is the scalar itself, so `if` tests its value,
//   where Go would test the pointer;
// - printing a whole struct with `{{ . }}` shows `{}`: Go prints it through the protobuf-generated
//   String method, which is not reproduced.
//
// Each view's toJSON() gives the object encoding/json would write for the Go struct: Go field order,
// omitempty, `null` for nil fields without omitempty, sorted map keys, canonical quantities. Callers that
// need Go's exact bytes must still apply Go's HTML escaping (see goJSONEscape).
import { createRequire } from 'node:module';
import { goStruct } from '../../template/index.ts';
import { canonicalQuantity } from '../quantity.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../types.ts';
import {
  EMPTY_OBJECT,
  NIL_SLICE,
  VIEW_CACHE,
  VIEW_JSON,
  cached,
  nilPointer,
  sortedKeysOf,
  stringMapOf,
  toGoInt,
  toGoString,
  typedMapOf,
  type ViewBase,
} from './go.ts';
import { GO_INITIALISMS, KUBE_TYPES } from './kube-schema.ts';

type KubeKind =
  | 'string'
  | 'bool'
  | 'int'
  | 'time'
  | 'quantity'
  | 'intstr'
  | 'raw'
  | 'struct'
  | 'strings'
  | 'ints'
  | 'structs'
  | 'stringMap'
  | 'quantityMap';

/** One Go field of a Kubernetes type. */
export interface KubeField {
  /** JSON name; "" for an embedded struct inlined into its parent's JSON object. */
  readonly json: string;
  readonly go: string;
  readonly kind: KubeKind;
  readonly pointer: boolean;
  readonly omitEmpty: boolean;
  /** An anonymous (embedded) field: its fields are promoted. */
  readonly embedded: boolean;
  /** Go type (without package) of a struct field or of list elements; "" otherwise. */
  readonly struct: string;
  /** Width of an integer field or of integer list elements. */
  readonly bits: 32 | 64;
}

/** A Kubernetes Go type: `name` without package (`PodSpec`), fields in Go declaration order. */
export interface KubeType {
  readonly name: string;
  readonly goName: string;
  readonly fields: readonly KubeField[];
}

// --- client-node model metadata --------------------------------------------------------------------------

interface ModelAttribute {
  readonly baseName: string;
  readonly type: string;
  readonly format: string;
}

// The models are loaded one file at a time, when a view of that type is first built: the package's entry
// point loads every API group (hundreds of milliseconds), where a pod's views need about twenty small files.
const requireModel = createRequire(import.meta.url);

function isModelAttribute(value: unknown): value is ModelAttribute {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.baseName === 'string' && typeof v.type === 'string' && typeof v.format === 'string';
}

function modelAttributes(model: string): readonly ModelAttribute[] {
  const loaded: unknown = requireModel(`@kubernetes/client-node/dist/gen/models/${model}.js`);
  const cls = (loaded as Record<string, unknown>)[model] as { getAttributeTypeMap?: unknown } | undefined;
  const getMap = cls?.getAttributeTypeMap;
  const attributes: unknown = typeof getMap === 'function' ? (getMap as () => unknown).call(cls) : undefined;
  if (!Array.isArray(attributes) || !attributes.every(isModelAttribute)) {
    throw new Error(`view: client-node model ${model} has no attribute type map`);
  }
  return attributes;
}

/** The Go type a client-node model class stands for: `V1PodSpec` -> `PodSpec`. */
function goTypeOfModel(model: string): string {
  return model.replace(/^(?:CoreV1|V1)/, '');
}

// --- the compiled table ----------------------------------------------------------------------------------

const FIELD_TOKEN = /^([*%^]*)([A-Za-z][A-Za-z0-9]*)(!?)(?:=([A-Za-z][A-Za-z0-9]*))?$/;

function kindOfAttribute(
  attribute: ModelAttribute,
  quantity: boolean,
): Pick<KubeField, 'kind' | 'struct' | 'bits'> {
  const bits = attribute.format === 'int32' ? 32 : 64;
  const type = attribute.type;
  const list = /^Array<(.+)>$/.exec(type)?.[1];
  if (list !== undefined) {
    if (list === 'string') return { kind: 'strings', struct: '', bits };
    if (list === 'number') return { kind: 'ints', struct: '', bits };
    return { kind: 'structs', struct: goTypeOfModel(list), bits };
  }
  if (type.startsWith('{ [key: string]: string')) {
    return { kind: quantity ? 'quantityMap' : 'stringMap', struct: '', bits };
  }
  switch (type) {
    case 'string':
      return { kind: quantity ? 'quantity' : 'string', struct: '', bits };
    case 'boolean':
      return { kind: 'bool', struct: '', bits };
    case 'number':
      return { kind: 'int', struct: '', bits };
    case 'Date':
      return { kind: 'time', struct: '', bits };
    case 'IntOrString':
      return { kind: 'intstr', struct: '', bits };
    case 'any':
      return { kind: 'raw', struct: '', bits };
    default:
      return { kind: 'struct', struct: goTypeOfModel(type), bits };
  }
}

function capitalize(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

function compileType(name: string): KubeType {
  const spec = Object.hasOwn(KUBE_TYPES, name) ? KUBE_TYPES[name] : undefined;
  if (spec === undefined) throw new Error(`view: no Kubernetes type ${name}`);
  const attributes = new Map(modelAttributes(spec.model).map((a) => [a.baseName, a]));
  const fields = spec.fields
    .split(/\s+/)
    .filter((token) => token !== '')
    .map((token): KubeField => {
      if (token.startsWith('+')) {
        const struct = token.slice(1);
        return {
          json: '',
          go: struct,
          kind: 'struct',
          pointer: false,
          omitEmpty: false,
          embedded: true,
          struct,
          bits: 64,
        };
      }
      const match = FIELD_TOKEN.exec(token);
      const json = match?.[2] ?? '';
      const attribute = attributes.get(json);
      if (match === null || attribute === undefined) {
        throw new Error(`view: ${name} field "${token}" is not a field of client-node ${spec.model}`);
      }
      const flags = match[1]!;
      return {
        json,
        go: match[4] ?? GO_INITIALISMS[json] ?? capitalize(json),
        ...kindOfAttribute(attribute, flags.includes('%')),
        pointer: flags.includes('*'),
        omitEmpty: match[3] !== '!',
        embedded: flags.includes('^'),
      };
    });
  return { name, goName: `v1.${name}`, fields };
}

const compiledTypes = new Map<string, KubeType>();

/** The compiled Go description of a Kubernetes type (throws for a type the table does not have). */
export function kubeType(name: string): KubeType {
  let type = compiledTypes.get(name);
  if (type === undefined) {
    type = compileType(name);
    compiledTypes.set(name, type);
  }
  return type;
}

/** The Go types the view knows, by name without package. */
export function kubeTypeNames(): string[] {
  return Object.keys(KUBE_TYPES);
}

// --- views -----------------------------------------------------------------------------------------------

const KUBE_TYPE: unique symbol = Symbol('mesh-injector.kubeType');

/** Base of every Kubernetes view; the Go fields are getters on per-type subclasses. */
class KubeView implements ViewBase {
  declare readonly [KUBE_TYPE]: KubeType;
  readonly [VIEW_JSON]: JsonObject;
  [VIEW_CACHE]: Map<string, unknown> | undefined = undefined;

  constructor(json: JsonObject) {
    this[VIEW_JSON] = json;
  }

  /** The JSON encoding/json would write for this struct. */
  toJSON(): JsonObject {
    return marshalStruct(this[KUBE_TYPE], this[VIEW_JSON], {});
  }
}

type ViewClass = new (json: JsonObject) => KubeView;
type Getter = (this: KubeView) => unknown;

const viewClasses = new Map<string, { readonly value: ViewClass; readonly pointer: ViewClass }>();

/** A `intstr.IntOrString`: prints as its number or string, like Go (String has a pointer receiver). */
class IntOrString {
  readonly Type: bigint;
  readonly IntVal: bigint;
  readonly StrVal: string;

  constructor(value: JsonValue | undefined) {
    const isString = typeof value === 'string';
    this.Type = isString ? 1n : 0n;
    this.IntVal = isString ? 0n : (toGoInt(value) ?? 0n);
    this.StrVal = isString ? value : '';
  }

  String(): string {
    return this.Type === 1n ? this.StrVal : this.IntVal.toString();
  }

  toJSON(): JsonValue {
    return this.Type === 1n ? this.StrVal : Number(this.IntVal);
  }
}
goStruct('intstr.IntOrString', IntOrString.prototype);

const NIL_RESOURCE_LIST: object = Object.freeze(typedMapOf({}, 'v1.ResourceList', ''));

function quantityEntries(value: JsonValue | undefined): Record<string, string> {
  const entries: Record<string, string> = {};
  if (isJsonObject(value)) {
    for (const [key, item] of Object.entries(value)) entries[key] = toGoString(item);
  }
  return entries;
}

function fieldGetter(field: KubeField): Getter {
  const { json, go } = field;
  switch (field.kind) {
    case 'string':
    case 'time':
    case 'quantity': {
      const nilType =
        field.kind === 'string' ? 'string' : field.kind === 'time' ? 'v1.Time' : 'resource.Quantity';
      return function (this: KubeView) {
        const raw = this[VIEW_JSON][json];
        if (raw === undefined || raw === null) return field.pointer ? nilPointer(nilType) : '';
        return toGoString(raw);
      };
    }
    case 'bool':
      return function (this: KubeView) {
        const raw = this[VIEW_JSON][json];
        if (raw === undefined || raw === null) return field.pointer ? nilPointer('bool') : false;
        return raw === true;
      };
    case 'int':
      return function (this: KubeView) {
        const raw = this[VIEW_JSON][json];
        if ((raw === undefined || raw === null) && field.pointer) return nilPointer(`int${field.bits}`);
        return toGoInt(raw) ?? 0n;
      };
    case 'intstr':
      return function (this: KubeView) {
        return cached(this, go, () => new IntOrString(this[VIEW_JSON][json]));
      };
    case 'raw':
      return function (this: KubeView) {
        const raw = this[VIEW_JSON][json];
        return raw === undefined || raw === null ? nilPointer('v1.FieldsV1') : raw;
      };
    case 'struct':
      if (field.json === '') {
        // An inlined embedded struct shares its parent's JSON object.
        return function (this: KubeView) {
          return cached(this, go, () => kubeView(field.struct, this[VIEW_JSON]));
        };
      }
      return function (this: KubeView) {
        const raw = this[VIEW_JSON][json];
        if (!isJsonObject(raw)) {
          if (field.pointer) return nilPointer(`v1.${field.struct}`);
          return cached(this, go, () => kubeView(field.struct, EMPTY_OBJECT));
        }
        return cached(this, go, () => kubeView(field.struct, raw, { pointer: field.pointer }));
      };
    case 'strings':
      return function (this: KubeView) {
        const raw = this[VIEW_JSON][json];
        return Array.isArray(raw) ? cached(this, go, () => raw.map(toGoString)) : NIL_SLICE;
      };
    case 'ints':
      return function (this: KubeView) {
        const raw = this[VIEW_JSON][json];
        return Array.isArray(raw)
          ? cached(this, go, () => raw.map((item) => toGoInt(item) ?? 0n))
          : NIL_SLICE;
      };
    case 'structs':
      return function (this: KubeView) {
        const raw = this[VIEW_JSON][json];
        if (!Array.isArray(raw)) return NIL_SLICE;
        return cached(this, go, () =>
          raw.map((item) => kubeView(field.struct, isJsonObject(item) ? item : EMPTY_OBJECT)),
        );
      };
    case 'stringMap':
      return function (this: KubeView) {
        return cached(this, go, () => stringMapOf(this[VIEW_JSON][json]));
      };
    case 'quantityMap':
      return function (this: KubeView) {
        const raw = this[VIEW_JSON][json];
        if (!isJsonObject(raw)) return NIL_RESOURCE_LIST;
        return cached(this, go, () => typedMapOf(quantityEntries(raw), 'v1.ResourceList', ''));
      };
  }
}

/**
 * Every member name of a type with its getter: its own fields, then the fields promoted from embedded
 * structs (a shallower name wins, as in Go).
 */
function memberGetters(type: KubeType): Map<string, Getter> {
  const getters = new Map<string, Getter>();
  for (const field of type.fields) getters.set(field.go, fieldGetter(field));
  for (const field of type.fields) {
    if (!field.embedded) continue;
    const outer = fieldGetter(field);
    for (const name of memberGetters(kubeType(field.struct)).keys()) {
      if (getters.has(name)) continue;
      getters.set(name, function (this: KubeView) {
        return (outer.call(this) as Record<string, unknown>)[name];
      });
    }
  }
  return getters;
}

function classesOf(name: string): { readonly value: ViewClass; readonly pointer: ViewClass } {
  let classes = viewClasses.get(name);
  if (classes !== undefined) return classes;
  const type = kubeType(name);
  class ValueView extends KubeView {}
  Object.defineProperty(ValueView.prototype, KUBE_TYPE, { value: type });
  for (const [member, get] of memberGetters(type)) {
    Object.defineProperty(ValueView.prototype, member, { get, enumerable: false, configurable: false });
  }
  goStruct(type.goName, ValueView.prototype);
  class PointerView extends ValueView {}
  goStruct(type.goName, PointerView.prototype, { pointer: true });
  classes = { value: ValueView, pointer: PointerView };
  viewClasses.set(name, classes);
  return classes;
}

/**
 * A view of `json` as the Go type `v1.<typeName>` (e.g. `PodSpec`, `Container`, `ObjectMeta`); with
 * `pointer`, as a non-nil `*v1.<typeName>`. Throws for a type the view does not know.
 */
export function kubeView(
  typeName: string,
  json: JsonObject,
  options?: { readonly pointer?: boolean },
): object {
  const classes = classesOf(typeName);
  return options?.pointer === true ? new classes.pointer(json) : new classes.value(json);
}

// --- encoding/json ---------------------------------------------------------------------------------------

function quantityText(value: JsonValue): string {
  const text = toGoString(value);
  try {
    return canonicalQuantity(typeof value === 'number' ? value : text);
  } catch {
    return text;
  }
}

function marshalStruct(type: KubeType, json: JsonObject, out: JsonObject): JsonObject {
  for (const field of type.fields) {
    if (field.embedded && field.json === '') {
      marshalStruct(kubeType(field.struct), json, out);
      continue;
    }
    const value = marshalField(field, json[field.json]);
    if (value !== undefined) out[field.json] = value;
  }
  return out;
}

function marshalList(field: KubeField, raw: JsonValue[]): JsonValue[] {
  switch (field.kind) {
    case 'ints':
      return raw.map((item) => Number(toGoInt(item) ?? 0n));
    case 'structs':
      return raw.map((item) =>
        marshalStruct(kubeType(field.struct), isJsonObject(item) ? item : EMPTY_OBJECT, {}),
      );
    default:
      return raw.map(toGoString);
  }
}

/** The JSON encoding/json writes for one field; undefined when omitempty drops it. */
function marshalField(field: KubeField, raw: JsonValue | undefined): JsonValue | undefined {
  const present = raw !== undefined && raw !== null;
  if (field.pointer && !present) return field.omitEmpty ? undefined : null;
  const omitZero = field.omitEmpty && !field.pointer;
  switch (field.kind) {
    case 'string': {
      const text = present ? toGoString(raw) : '';
      return omitZero && text === '' ? undefined : text;
    }
    case 'bool':
      return omitZero && raw !== true ? undefined : raw === true;
    case 'int': {
      const n = Number(toGoInt(raw) ?? 0n);
      return omitZero && n === 0 ? undefined : n;
    }
    case 'time':
      // A zero metav1.Time marshals as null, and omitempty never drops a struct.
      return present ? toGoString(raw) : null;
    case 'quantity':
      return present ? quantityText(raw) : '0';
    case 'intstr':
      return typeof raw === 'string' ? raw : Number(toGoInt(raw) ?? 0n);
    case 'raw':
      return present ? raw : null;
    case 'struct':
      return marshalStruct(kubeType(field.struct), isJsonObject(raw) ? raw : EMPTY_OBJECT, {});
    case 'strings':
    case 'ints':
    case 'structs':
      if (!Array.isArray(raw)) return field.omitEmpty ? undefined : null;
      if (raw.length === 0) return field.omitEmpty ? undefined : [];
      return marshalList(field, raw);
    case 'stringMap':
    case 'quantityMap': {
      if (!isJsonObject(raw)) return field.omitEmpty ? undefined : null;
      const keys = sortedKeysOf(raw);
      if (keys.length === 0) return field.omitEmpty ? undefined : {};
      const out: JsonObject = {};
      for (const key of keys) {
        const item = raw[key]!;
        out[key] = field.kind === 'quantityMap' ? quantityText(item) : toGoString(item);
      }
      return out;
    }
  }
}

/** What encoding/json writes for `json` unmarshaled into the Go type `v1.<typeName>`. */
export function kubeGoJSON(typeName: string, json: JsonObject): JsonObject {
  return marshalStruct(kubeType(typeName), json, {});
}
