// The injector config (Istio's `istio-sidecar-injector` ConfigMap, key `config`): policy, selectors, templates.
//
// Accepted in every shape Istio users have: the ConfigMap manifest, the `config` YAML on its own, or a bare
// template (which becomes the `sidecar` template, as `istioctl kube-inject --injectConfigFile` treats it).
// Unknown keys are errors, not silently ignored: a misspelt `neverInjectSelecter` must not pass unnoticed.
import { ConfigError } from './mesh.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './types.ts';
import { parseYaml, YamlError } from './yaml.ts';

export type InjectionPolicy = 'enabled' | 'disabled';

/** The parsed injector config, with raw (unparsed) template texts. */
export interface InjectorConfig {
  readonly policy: InjectionPolicy;
  readonly alwaysInjectSelector: readonly JsonObject[];
  readonly neverInjectSelector: readonly JsonObject[];
  readonly injectedAnnotations: Readonly<Record<string, string>>;
  readonly templates: Readonly<Record<string, string>>;
  readonly defaultTemplates: readonly string[];
  readonly aliases: Readonly<Record<string, readonly string[]>>;
}

const knownKeys = new Set([
  'policy',
  'alwaysInjectSelector',
  'neverInjectSelector',
  'injectedAnnotations',
  'template',
  'templates',
  'defaultTemplates',
  'aliases',
]);

function stringList(source: string, field: string, value: JsonValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ConfigError(source, field, 'want a list of strings');
  }
  return value as string[];
}

function stringMap(source: string, field: string, value: JsonValue | undefined): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) throw new ConfigError(source, field, 'want a map of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      throw new ConfigError(source, `${field}.${k}`, `want a string, got ${typeof v}`);
    out[k] = v;
  }
  return out;
}

function selectorList(source: string, field: string, value: JsonValue | undefined): JsonObject[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ConfigError(source, field, 'want a list of label selectors');
  return value.map((entry, i) => {
    if (!isJsonObject(entry)) throw new ConfigError(source, `${field}[${i}]`, 'want a label selector map');
    for (const key of Object.keys(entry)) {
      if (key !== 'matchLabels' && key !== 'matchExpressions') {
        throw new ConfigError(
          source,
          `${field}[${i}].${key}`,
          'unknown field (want matchLabels, matchExpressions)',
        );
      }
    }
    return entry;
  });
}

function policyOf(source: string, value: JsonValue | undefined): InjectionPolicy {
  if (value === undefined || value === null || value === '') return 'enabled';
  if (value === 'enabled' || value === 'disabled') return value;
  throw new ConfigError(source, 'policy', `want enabled or disabled, got ${JSON.stringify(value)}`);
}

function configFromMap(source: string, map: JsonObject): InjectorConfig {
  for (const key of Object.keys(map)) {
    if (!knownKeys.has(key)) {
      throw new ConfigError(source, key, `unknown field (known: ${[...knownKeys].join(', ')})`);
    }
  }
  const templates = stringMap(source, 'templates', map.templates);
  // Istio's chart sets the legacy `template` key to a deliberate error for old istiods; a string there is
  // only a real template when nothing else defines `sidecar`.
  if (typeof map.template === 'string' && templates.sidecar === undefined && map.templates === undefined) {
    templates.sidecar = map.template;
  }
  const aliases: Record<string, string[]> = {};
  const rawAliases = map.aliases;
  if (rawAliases !== undefined && rawAliases !== null) {
    if (!isJsonObject(rawAliases)) throw new ConfigError(source, 'aliases', 'want a map of template lists');
    for (const [name, list] of Object.entries(rawAliases)) {
      aliases[name] = stringList(source, `aliases.${name}`, list);
    }
  }
  const defaultTemplates = stringList(source, 'defaultTemplates', map.defaultTemplates);
  return {
    policy: policyOf(source, map.policy),
    alwaysInjectSelector: selectorList(source, 'alwaysInjectSelector', map.alwaysInjectSelector),
    neverInjectSelector: selectorList(source, 'neverInjectSelector', map.neverInjectSelector),
    injectedAnnotations: stringMap(source, 'injectedAnnotations', map.injectedAnnotations),
    templates,
    defaultTemplates: defaultTemplates.length > 0 ? defaultTemplates : ['sidecar'],
    aliases,
  };
}

function bareTemplate(text: string): InjectorConfig {
  return {
    policy: 'enabled',
    alwaysInjectSelector: [],
    neverInjectSelector: [],
    injectedAnnotations: {},
    templates: { sidecar: text },
    defaultTemplates: ['sidecar'],
    aliases: {},
  };
}

function looksLikeConfig(map: JsonObject): boolean {
  return Object.keys(map).some((k) => knownKeys.has(k));
}

/** Parses the `config` YAML text (or a bare template). */
export function parseInjectorConfigText(text: string, source: string): InjectorConfig {
  let document: unknown;
  try {
    document = parseYaml(text, source);
  } catch (err) {
    // Template text is rarely valid YAML (`{{ if }}` lines); when it contains actions treat it as a template.
    if (err instanceof YamlError && text.includes('{{')) return bareTemplate(text);
    throw err;
  }
  if (isJsonObject(document) && looksLikeConfig(document)) return configFromMap(source, document);
  if (text.trim() === '') throw new ConfigError(source, '', 'the injector config is empty');
  return bareTemplate(text);
}

/**
 * Reads an injector config file: an `istio-sidecar-injector` ConfigMap manifest (its `data.config`), the config
 * YAML itself, or a bare template.
 */
export function parseInjectorConfig(text: string, source: string): InjectorConfig {
  let document: unknown;
  try {
    document = parseYaml(text, source);
  } catch {
    return parseInjectorConfigText(text, source);
  }
  if (isJsonObject(document) && document.kind === 'ConfigMap') {
    const data = document.data;
    const config = isJsonObject(data) ? data.config : undefined;
    if (typeof config !== 'string') {
      throw new ConfigError(source, 'data.config', 'the ConfigMap has no injector config under data.config');
    }
    return parseInjectorConfigText(config, `${source} (data.config)`);
  }
  return parseInjectorConfigText(text, source);
}
