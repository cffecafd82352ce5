// The function map injection templates are parsed with: sprig's text functions with Istio's helpers on
// top, as istiod builds it (`template.New("inject").Funcs(sprig.TxtFuncMap()).Funcs(InjectionFuncmap)`),
// so Istio's `indent`, `contains`, `env` and `omit` replace sprig's.
//
// The template engine caches parsed templates per function-map object, so the same options always give
// back the same FuncMap.
import type { FuncMap } from '../../template/funcs.ts';
import { createIstioFuncMap } from './istio.ts';
import { UNSUPPORTED_SPRIG_FUNCTIONS, createSprigFuncMap } from './sprig.ts';

export { ISTIO_HELPER_NAMES } from './istio.ts';
export { UNSUPPORTED_SPRIG_FUNCTIONS } from './sprig.ts';
export { goJsonMarshal, goJsonDecode, GoJsonError, GoJsonSyntaxError, type GoJsonOptions } from './gojson.ts';
export { goYamlMarshal } from './goyaml.ts';

export interface InjectionFuncOptions {
  /**
   * What the `env` helper (and sprig's `expandenv`) reads: istiod reads its own process environment there;
   * mesh-injector reads this map, so injection does not depend on how the injector was started. Default
   * empty.
   */
  readonly env?: Readonly<Record<string, string>>;
}

const CACHE_LIMIT = 32;
const cache = new Map<string, FuncMap>();

function cacheKey(env: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(env)
      .sort()
      .map((k) => [k, env[k]]),
  );
}

/** The FuncMap for injection templates; equal options give the identical object. */
export function injectionFuncMap(options: InjectionFuncOptions = {}): FuncMap {
  const env = options.env ?? {};
  const key = cacheKey(env);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const envMap = new Map(Object.entries(env));
  const funcs: FuncMap = Object.freeze({ ...createSprigFuncMap(envMap), ...createIstioFuncMap(envMap) });
  cache.set(key, funcs);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return funcs;
}

/**
 * Why a function name is not available, for a template whose parse failed with `function "X" not
 * defined`: the reason for a sprig function mesh-injector leaves out on purpose, undefined otherwise.
 */
export function unsupportedFunctionReason(name: string): string | undefined {
  return Object.hasOwn(UNSUPPORTED_SPRIG_FUNCTIONS, name) ? UNSUPPORTED_SPRIG_FUNCTIONS[name] : undefined;
}
