// The value model: how JavaScript values stand in for the Go values a text/template sees.
//
// Go templates are typed: `1000000` from JSON is a float64 and prints as `1e+06`, `index` of a missing
// `map[string]string` key is "", a struct is never empty, `eq 1 1.0` is an error. This module is the
// contract between the engine and whoever builds template data (the injector builds a Go-named view):
//
//   JavaScript value                      Go value
//   ------------------------------------  ------------------------------------------------------------
//   undefined, or a key that is absent    no value at all (an invalid reflect.Value): prints `<no value>`
//   null                                  a nil interface{} (JSON null); `.x.y` through it is an error
//   boolean                               bool
//   bigint                                int (int64). Integer constants, `len`, range indexes are bigint
//   number                                float64 (JSON numbers are float64 in Go)
//   string                                string (`len` counts UTF-8 bytes, as Go does)
//   Array                                 []interface{}
//   plain object (any unmarked object)    map[string]interface{} (own enumerable keys, sorted by key for
//                                         range and printing; a key whose value is undefined is absent)
//   goTypedMap / goStringMap(object)      map[string]T with a zero value: `index` of a missing key and
//                                         missingkey=zero give the zero value ("" for map[string]string).
//                                         As in Go, `.Labels.missing` is still `<no value>` under the
//                                         default missingkey, and `eq .Labels.missing ""` is false
//   goStruct(typeName, object)            a struct (or, with {pointer: true}, a non-nil pointer to one):
//                                         fields are its properties (getters run on access, with the
//                                         struct as `this`), functions on it (own or inherited, e.g. class
//                                         methods) are methods callable from the template; names starting
//                                         with a lower-case letter are unexported; an unknown field is
//                                         "can't evaluate field X in type T"; a field holding undefined
//                                         is nil; never empty in if/with
//   goNilPointer(typeName, methods?)      a nil *T: falsy, prints `<nil>`, field access is
//                                         "nil pointer evaluating *T.X", methods (e.g. nil-safe protobuf
//                                         getters) can still be called
//   goNamed(typeName, value, methods)     a named non-struct type with methods, e.g. a protobuf enum
//                                         (an int32 with a String method that fmt uses for printing)
//   function                              a func value: not called by field access (use `call`), and a
//                                         plain object's function-valued key is just a value
//
// Methods receive evaluated arguments like template functions (see funcs.ts, withSignature for Go arity
// and type checks); throwing is a Go error result. A method returning null returns a nil interface; to
// return a typed nil pointer (so that chained nil-safe getters work), return a goNilPointer.
//
// Marking is done in place with a non-enumerable symbol property (JSON.stringify and object spread ignore
// it), so plain data costs nothing: nothing is wrapped or copied up front, and a view can mark objects
// lazily as templates reach them.
//
// Printing of structs follows fmt's %v: `{a b}` with field values in property order (own enumerable
// non-function properties), `%+v` adds names, a pointer prints as `&{...}` inside fmt and as `{...}` from
// an action. Go prints the address of a pointer nested inside another value; this engine prints
// `0xc000010000` there instead, since JS objects have no addresses. Whether a struct is comparable (for
// `eq`) is judged from its field values, the only type information a JS struct has.

const GO_TYPE: unique symbol = Symbol('mesh-injector.goType');

/** Type information attached to a marked object. */
export type GoTypeInfo =
  | { readonly kind: 'struct'; readonly typeName: string; readonly pointer: boolean }
  | { readonly kind: 'map'; readonly typeName: string; readonly zero: unknown }
  | {
      readonly kind: 'nilPointer';
      readonly typeName: string;
      readonly methods: Readonly<Record<string, GoMethod>>;
    };

/** A method as data providers write it: `this` is the receiver. */
export type GoMethod = (...args: never[]) => unknown;

interface Marked {
  [GO_TYPE]?: GoTypeInfo;
}

function mark<T extends object>(target: T, info: GoTypeInfo): T {
  Object.defineProperty(target, GO_TYPE, { value: info, enumerable: false, configurable: true });
  return target;
}

/** The Go type information of a marked object, if any. */
export function goTypeInfo(value: object): GoTypeInfo | undefined {
  return (value as Marked)[GO_TYPE];
}

/**
 * Marks `fields` (in place) as a Go struct named `typeName` (e.g. `v1.ObjectMeta`); with `pointer`, as a
 * non-nil `*typeName`. Returns the same object.
 */
export function goStruct<T extends object>(typeName: string, fields: T, options?: { pointer?: boolean }): T {
  const pointer = options?.pointer === true;
  return mark(fields, { kind: 'struct', typeName: pointer ? '*' + typeName : typeName, pointer });
}

/** Marks `entries` (in place) as a Go `map[string]T` whose missing keys read as `zero`. */
export function goTypedMap<T extends object>(entries: T, typeName: string, zero: unknown): T {
  return mark(entries, { kind: 'map', typeName, zero });
}

/** Marks `entries` (in place) as a Go `map[string]string` (labels, annotations): missing keys are "". */
export function goStringMap<T extends object>(entries: T): T {
  return goTypedMap(entries, 'map[string]string', '');
}

/** A nil pointer to struct `typeName` (printed as `*typeName`), optionally with nil-safe methods. */
export function goNilPointer(typeName: string, methods: Readonly<Record<string, GoMethod>> = {}): object {
  return Object.freeze(
    mark(Object.create(null) as object, { kind: 'nilPointer', typeName: '*' + typeName, methods }),
  );
}

/** A value of a named non-struct Go type (such as a protobuf enum) that carries methods. */
export class GoNamed {
  readonly typeName: string;
  readonly value: unknown;
  readonly methods: Readonly<Record<string, GoMethod>>;

  constructor(typeName: string, value: unknown, methods: Readonly<Record<string, GoMethod>> = {}) {
    this.typeName = typeName;
    this.value = value;
    this.methods = methods;
  }
}

/** A value of named type `typeName` with underlying `value` (bigint, number, string, boolean) and methods. */
export function goNamed(
  typeName: string,
  value: unknown,
  methods: Readonly<Record<string, GoMethod>> = {},
): GoNamed {
  return new GoNamed(typeName, value, methods);
}

/** A complex128 constant (`1+2i` in a template). Only constants produce these. */
export class GoComplex {
  readonly re: number;
  readonly im: number;

  constructor(re: number, im: number) {
    this.re = re;
    this.im = im;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Kinds, as reflect.Kind sees them.

export const Kind = {
  Invalid: 0,
  Nil: 1, // nil interface
  Bool: 2,
  Int: 3,
  Float: 4,
  Complex: 5,
  String: 6,
  Slice: 7,
  Map: 8,
  Struct: 9,
  Pointer: 10, // pointer to struct; see isNilPointer
  Func: 11,
  Unknown: 12,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** The Go kind of a value; a GoNamed value has the kind of its underlying value. */
export function kindOf(value: unknown): Kind {
  switch (typeof value) {
    case 'undefined':
      return Kind.Invalid;
    case 'string':
      return Kind.String;
    case 'number':
      return Kind.Float;
    case 'bigint':
      return Kind.Int;
    case 'boolean':
      return Kind.Bool;
    case 'function':
      return Kind.Func;
    case 'object': {
      if (value === null) return Kind.Nil;
      if (Array.isArray(value)) return Kind.Slice;
      const info = (value as Marked)[GO_TYPE];
      if (info === undefined) {
        if (value instanceof GoNamed) return kindOf(value.value);
        if (value instanceof GoComplex) return Kind.Complex;
        return Kind.Map;
      }
      if (info.kind === 'map') return Kind.Map;
      if (info.kind === 'struct') return info.pointer ? Kind.Pointer : Kind.Struct;
      return Kind.Pointer;
    }
    default:
      return Kind.Unknown;
  }
}

/** True for a nil struct pointer made by goNilPointer. */
export function isNilPointer(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Marked)[GO_TYPE]?.kind === 'nilPointer';
}

/** The Go type name, as reflect.Type.String() prints it (`map[string]interface {}`, `*v1.Pod`). */
export function goTypeName(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return '<nil>';
    case 'string':
      return 'string';
    case 'number':
      return 'float64';
    case 'bigint':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'function':
      return 'func(...interface {}) interface {}';
    case 'object': {
      if (value === null) return '<nil>';
      if (Array.isArray(value)) return '[]interface {}';
      const info = (value as Marked)[GO_TYPE];
      if (info !== undefined) return info.typeName;
      if (value instanceof GoNamed) return value.typeName;
      if (value instanceof GoComplex) return 'complex128';
      return 'map[string]interface {}';
    }
    default:
      return typeof value;
  }
}

/** The zero value of a map's element type (nil interface for plain objects). */
export function mapZero(map: object): unknown {
  const info = (map as Marked)[GO_TYPE];
  return info?.kind === 'map' ? info.zero : null;
}

/** Looks a key up in a map (plain or typed); undefined when absent. */
export function mapGet(map: object, key: string): unknown {
  return Object.hasOwn(map, key) ? (map as Record<string, unknown>)[key] : undefined;
}

/** The keys of a map in Go's sorted order, skipping keys whose value is undefined. */
export function sortedKeys(map: object): string[] {
  const record = map as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined);
  return keys.sort(compareStrings);
}

/**
 * Go's string order: byte order of UTF-8, which is code point order. JS compares UTF-16 code units, which
 * agrees except that surrogates (characters above U+FFFF) sort before U+E000..U+FFFF; shifting code units at
 * or above U+D800 fixes that without decoding.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

function mapIsEmpty(map: object): boolean {
  const record = map as Record<string, unknown>;
  for (const k in record) {
    if (Object.hasOwn(record, k) && record[k] !== undefined) return false;
  }
  return true;
}

/** The number of entries of a map. */
export function mapLength(map: object): number {
  const record = map as Record<string, unknown>;
  let n = 0;
  for (const k in record) {
    if (Object.hasOwn(record, k) && record[k] !== undefined) n++;
  }
  return n;
}

/**
 * Go template truthiness (text/template IsTrue): false, 0, nil, and empty strings, slices and maps are
 * false; structs are always true; a non-nil pointer or function is true.
 */
export function isTrue(value: unknown): boolean {
  switch (typeof value) {
    case 'undefined':
      return false;
    case 'boolean':
      return value;
    case 'string':
      return value.length > 0;
    case 'number':
      return value !== 0;
    case 'bigint':
      return value !== 0n;
    case 'function':
      return true;
    case 'object': {
      if (value === null) return false;
      if (Array.isArray(value)) return value.length > 0;
      const info = (value as Marked)[GO_TYPE];
      if (info !== undefined) {
        if (info.kind === 'map') return !mapIsEmpty(value);
        return info.kind === 'struct';
      }
      if (value instanceof GoNamed) return isTrue(value.value);
      if (value instanceof GoComplex) return value.re !== 0 || value.im !== 0;
      return !mapIsEmpty(value);
    }
    default:
      return true;
  }
}

/** What structMember returns when a struct has no such field or method. */
export const NOT_FOUND: unique symbol = Symbol('not found');

/**
 * Method lookup for a value that can have methods (struct, nil pointer, named); undefined if none. Getters
 * are not run: a getter is a field.
 */
export function lookupMethod(receiver: object, name: string): GoMethod | undefined {
  if (receiver instanceof GoNamed)
    return Object.hasOwn(receiver.methods, name) ? receiver.methods[name] : undefined;
  const info = (receiver as Marked)[GO_TYPE];
  if (info === undefined) return undefined;
  if (info.kind === 'nilPointer') return Object.hasOwn(info.methods, name) ? info.methods[name] : undefined;
  if (info.kind !== 'struct' || !isExported(name)) return undefined;
  const desc = findProperty(receiver, name);
  return typeof desc?.value === 'function' ? (desc.value as GoMethod) : undefined;
}

/** A property descriptor found on an object or its prototype chain, never on Object.prototype. */
function findProperty(object: object, name: string): PropertyDescriptor | undefined {
  let holder: object | null = object;
  while (holder !== null && holder !== Object.prototype) {
    const desc = Object.getOwnPropertyDescriptor(holder, name);
    if (desc !== undefined) return desc;
    holder = Object.getPrototypeOf(holder) as object | null;
  }
  return undefined;
}

/**
 * Looks a field or method up on a struct, through its prototype chain but never Object.prototype: returns
 * the property's value (a function is a method) or NOT_FOUND. A getter runs once, with the struct as
 * `this`, so lazy views work.
 */
export function structMember(struct: object, name: string): unknown {
  if (Object.hasOwn(struct, name)) return (struct as Record<string, unknown>)[name];
  let holder = Object.getPrototypeOf(struct) as object | null;
  while (holder !== null && holder !== Object.prototype) {
    if (Object.hasOwn(holder, name)) return (struct as Record<string, unknown>)[name];
    holder = Object.getPrototypeOf(holder) as object | null;
  }
  return NOT_FOUND;
}

/** Go exports identifiers that start with an upper-case letter. */
export function isExported(name: string): boolean {
  const c = name.charCodeAt(0);
  if (c < 0x80) return c >= 0x41 && c <= 0x5a;
  return /^\p{Lu}/u.test(name);
}

/** The fields of a struct for printing: own enumerable, non-function properties in order. */
export function structFields(struct: object): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const key of Object.keys(struct)) {
    const value: unknown = (struct as Record<string, unknown>)[key];
    if (typeof value !== 'function') out.push([key, value === undefined ? null : value]);
  }
  return out;
}
