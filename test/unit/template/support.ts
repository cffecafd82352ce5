// Shared pieces of the template conformance suite: the case table format, the runner, the function map
// and the Go-typed fixtures the cases use.
//
// Every expected output and error message in the tables is Go's: the cases were written from the Go
// text/template and fmt documentation and sources, and checked against Go 1.26 running the same template,
// data (with the same Go types: int vs float64, map[string]string, the structs below) and functions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  TemplateError,
  goNamed,
  goNilPointer,
  goStruct,
  parse,
  withSignature,
  type FuncMap,
  type GoNamed,
  type MissingKey,
} from '../../../src/template/index.ts';
import { goSprint } from '../../../src/template/fmt.ts';

export interface Case {
  /** Test title. */
  readonly name: string;
  readonly tpl: string;
  readonly data?: unknown;
  /** Expected output. */
  readonly want?: string;
  /** Expected error message (parse or exec). */
  readonly err?: string;
  readonly missingKey?: MissingKey;
  readonly delims?: [string, string];
  /** Execute this named template instead of the top-level one. */
  readonly exec?: string;
  /** Name given to parse; default "t". */
  readonly tmplName?: string;
}

function throwBoom(): never {
  throw new Error('boom');
}

/** The function map every case is parsed with (mirrors the Go side of the check, function for function). */
export const FUNCS: FuncMap = {
  upper: withSignature({ params: ['string'] }, (s: string) => s.toUpperCase()),
  fail: withSignature({ params: [] }, throwBoom),
  add: withSignature({ params: ['int', 'int'] }, (a: bigint, b: bigint) => a + b),
  join: withSignature({ params: ['string'], variadic: 'any' }, (sep: string, ...items: unknown[]) =>
    items.map((item) => goSprint(item)).join(sep),
  ),
  nilfn: withSignature({ params: [] }, () => null),
  list: withSignature({ params: [], variadic: 'any' }, (...items: unknown[]) => items),
  dict: withSignature({ params: [], variadic: 'any' }, (...kv: unknown[]) => {
    const m: Record<string, unknown> = {};
    for (let i = 0; i + 1 < kv.length; i += 2) m[goSprint(kv[i])] = kv[i + 1];
    return m;
  }),
  echo: withSignature({ params: ['any'] }, (x: unknown) => x),
  strmap: withSignature({ params: [] }, () => stringMap({ a: '1' })),
  repeat: withSignature({ params: ['int', 'string'] }, (n: bigint, s: string) => s.repeat(Number(n))),
  half: withSignature({ params: ['float64'] }, (f: number) => f / 2),
  truth: withSignature({ params: ['bool'] }, (b: boolean) => String(!b)),
};

// --- Go-typed fixtures (the same types exist on the Go side) ----------------------------------------------

import { goStringMap } from '../../../src/template/index.ts';

export function stringMap(entries: Record<string, string>): Record<string, string> {
  return goStringMap({ ...entries });
}

export interface PersonFields {
  Name?: string;
  Age?: bigint;
  Email?: string;
  Tags?: unknown[] | null;
  Meta?: Record<string, unknown> | null;
}

/** main.Person{Name string; Age int; Email string; Tags []any; Meta map[string]any; secret string}. */
export function person(fields: PersonFields, options?: { pointer?: boolean }): object {
  const p = {
    Name: fields.Name ?? '',
    Age: fields.Age ?? 0n,
    Email: fields.Email ?? '',
    Tags: fields.Tags ?? [],
    Meta: fields.Meta ?? {},
    secret: '',
  };
  Object.setPrototypeOf(p, PERSON_METHODS);
  return goStruct('main.Person', p, options);
}

const PERSON_METHODS = {
  Greet: withSignature({ params: ['string'] }, function (this: { Name: string }, g: string) {
    return `${g}, ${this.Name}`;
  }),
  Fail: withSignature({ params: [] }, throwBoom),
  Nothing: withSignature({ params: [] }, () => null),
  Add: withSignature({ params: ['int', 'int'] }, (a: bigint, b: bigint) => a + b),
};

const MODE_NAMES = ['REDIRECT', 'TPROXY', 'NONE'];

/** main.Mode: an int32 enum with a String method. */
export function mode(n: number): GoNamed {
  return goNamed('main.Mode', BigInt(n), {
    String: () => MODE_NAMES[n] ?? `Mode(${n})`,
  });
}

function getValue(this: { Value?: boolean }): boolean {
  return this.Value ?? false;
}

/** *main.BoolValue{Value bool} with a nil-safe GetValue method. */
export function boolValue(value: boolean): object {
  return goStruct(
    'main.BoolValue',
    { Value: value, GetValue: withSignature({ params: [] }, getValue) },
    { pointer: true },
  );
}

export function nilBoolValue(): object {
  return goNilPointer('main.BoolValue', { GetValue: withSignature({ params: [] }, () => false) });
}

/** main.Pair{Key string; Val any}. */
export function pair(key: string, val: unknown): object {
  return goStruct('main.Pair', { Key: key, Val: val });
}

/** main.Stringy{V string} with String() = "<V>". */
export function stringy(v: string): object {
  return goStruct('main.Stringy', {
    V: v,
    String: withSignature({ params: [] }, function (this: { V: string }) {
      return `<${this.V}>`;
    }),
  });
}

/** main.Proxy{InterceptionMode Mode; Hold *BoolValue; Metadata map[string]string; StatusPort int32}. */
export function proxy(fields: {
  mode?: number;
  hold?: object;
  metadata?: Record<string, string>;
  statusPort?: bigint;
}): object {
  return goStruct('main.Proxy', {
    InterceptionMode: mode(fields.mode ?? 0),
    Hold: fields.hold ?? nilBoolValue(),
    Metadata: stringMap(fields.metadata ?? {}),
    StatusPort: fields.statusPort ?? 0n,
  });
}

// --- runner ----------------------------------------------------------------------------------------------

/** Runs one case and returns its output or its error. */
export function runCase(c: Case): { out?: string; err?: string; error?: unknown } {
  try {
    const options = {
      funcs: FUNCS,
      ...(c.missingKey !== undefined ? { missingKey: c.missingKey } : {}),
      ...(c.delims !== undefined ? { delims: c.delims } : {}),
    };
    const t = parse(c.tmplName ?? 't', c.tpl, options);
    const out = c.exec !== undefined ? t.executeTemplate(c.exec, c.data) : t.execute(c.data);
    return { out };
  } catch (error) {
    return { err: error instanceof Error ? error.message : String(error), error };
  }
}

/** Registers one test per case. */
export function runCases(title: string, cases: readonly Case[]): void {
  describe(title, () => {
    for (const c of cases) {
      it(c.name, () => {
        const result = runCase(c);
        if (c.err !== undefined) {
          assert.equal(result.err, c.err, `expected an error for ${JSON.stringify(c.tpl)}`);
          assert.ok(result.error instanceof TemplateError, 'errors are TemplateErrors');
        } else {
          assert.equal(result.err, undefined, `unexpected error for ${JSON.stringify(c.tpl)}`);
          assert.equal(result.out, c.want);
        }
      });
    }
  });
}
