// The injector `values`: the slice of Helm values Istio's `istio-sidecar-injector` ConfigMap carries under
// `values`, which templates read as `.Values` by their JSON keys.
//
// The project ships its own defaults (config/injector/values.json: the seeds' resource figures, Istio's chart
// layout). A user's values are laid over them, so a partial values file still renders the default template; keys the user sets always win.
import { defaultInjectorFiles } from './defaults.ts';
import { ConfigError, mergeProto } from './mesh.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './types.ts';
import { parseYaml } from './yaml.ts';

/** The project's default values (config/injector/values.json), in the Istio chart's layout. */
export function defaultValues(): JsonObject {
  const parsed = JSON.parse(defaultInjectorFiles().values) as unknown;
  if (!isJsonObject(parsed)) throw new Error('config/injector/values.json must hold a JSON object');
  return parsed;
}

/**
 * Reads values: JSON or YAML, either the values map itself or an `istio-sidecar-injector` ConfigMap manifest
 * holding it under `data.values`. The result is the project defaults with the given values laid over them.
 */
export function parseValues(text: string, source: string): JsonObject {
  const document = parseYaml(text, source);
  if (document === undefined) return defaultValues();
  if (!isJsonObject(document)) throw new ConfigError(source, '', 'the values must be a JSON or YAML map');
  let values: JsonObject = document;
  if (document.kind === 'ConfigMap') {
    const data = document.data;
    const raw = isJsonObject(data) ? data.values : undefined;
    if (typeof raw !== 'string') {
      throw new ConfigError(source, 'data.values', 'the ConfigMap has no values under data.values');
    }
    const inner = parseYaml(raw, `${source} (data.values)`);
    if (inner === undefined) return defaultValues();
    if (!isJsonObject(inner)) throw new ConfigError(source, 'data.values', 'the values must be a JSON map');
    values = inner;
  }
  return mergeProto(defaultValues(), values);
}

/** Reads `path` (dot-separated JSON keys) from the values; `undefined` when any step is missing. */
export function valueAt(values: JsonObject, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = values;
  for (const key of path.split('.')) {
    if (!isJsonObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

/** A boolean value, accepting Helm's habit of writing booleans as strings. */
export function boolValue(values: JsonObject, path: string, fallback: boolean): boolean {
  const v = valueAt(values, path);
  if (typeof v === 'boolean') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return fallback;
}

/** A string value; numbers are printed the way Helm renders them. */
export function stringValue(values: JsonObject, path: string, fallback: string): string {
  const v = valueAt(values, path);
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return fallback;
}
