// Template functions: what callers put in a FuncMap, and optional Go-style signatures.
//
// A template function receives evaluated argument values (see values.ts for the value model) and returns
// a value; throwing is Go's non-nil error result and fails the execution with
// `error calling NAME: <message>`. A plain JS function accepts any number of arguments of any type (like
// a Go `func(...interface{}) interface{}`), with nil (`null`) for missing values. withSignature gives a
// function Go's parameter checking: arity errors (`wrong number of args for NAME: want 2 got 1`) and
// typed parameters (`expected integer; found "a"`, `wrong type for value; expected string; got int`).

// never[] parameters let functions with typed parameters, e.g. (s: string) => string, be registered
// without casts; declare a signature to make the engine enforce those types.
export type TemplateFunction = (...args: never[]) => unknown;
export type FuncMap = Readonly<Record<string, TemplateFunction>>;

/**
 * Go parameter types the engine can check:
 * - 'any': interface{}; missing values arrive as null;
 * - 'value': reflect.Value; the raw value, undefined for "no value" and null for a nil interface;
 * - 'string', 'int' (bigint), 'float64' (number), 'bool': the value must have exactly that Go type,
 *   and constants are converted as Go converts them (`1` is a valid float64 argument).
 */
export type ParamType = 'any' | 'value' | 'string' | 'int' | 'float64' | 'bool';

export interface FunctionSignature {
  /** Types of the fixed parameters. */
  readonly params: readonly ParamType[];
  /** Type of each extra argument for a variadic function; absent for a fixed arity. */
  readonly variadic?: ParamType;
}

const signatures = new WeakMap<TemplateFunction, FunctionSignature>();

/** Attaches a Go signature to a function (returned unchanged) so calls are checked like Go's. */
export function withSignature<F extends TemplateFunction>(signature: FunctionSignature, fn: F): F {
  signatures.set(fn, signature);
  return fn;
}

export function signatureOf(fn: TemplateFunction): FunctionSignature | undefined {
  return signatures.get(fn);
}

/** Go's name for a parameter type, as it appears in error messages. */
export function paramTypeName(type: ParamType): string {
  switch (type) {
    case 'any':
      return 'interface {}';
    case 'value':
      return 'reflect.Value';
    default:
      return type;
  }
}

/** Go's goodName: function names must be identifiers. */
export function isValidFunctionName(name: string): boolean {
  return /^[\p{L}_][\p{L}\p{Nd}_]*$/u.test(name);
}
