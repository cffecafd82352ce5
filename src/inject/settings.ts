// Assembling the injector's settings from the texts users have: files given to `kube-inject`, or the data of the
// `istio-sidecar-injector` and `istio` ConfigMaps the webhook watches. Anything not given falls back to the
// project's defaults (config/injector/) and Istio's mesh defaults.
import { readFileSync } from 'node:fs';
import { parseInjectorConfig, parseInjectorConfigText } from './config.ts';
import { defaultInjectorFiles } from './defaults.ts';
import type { InjectorSettings } from './injector.ts';
import { ConfigError, defaultMeshConfig, parseMeshConfig } from './mesh.ts';
import { parseValues } from './values.ts';

export interface SettingsOptions {
  /** Injecting revision: "" or `default` for the default revision. */
  readonly revision?: string;
  readonly nativeSidecars?: boolean;
  readonly compliancePolicy?: string;
}

export interface SettingsFiles extends SettingsOptions {
  /** An `istio-sidecar-injector` ConfigMap, its `config` YAML, or a bare template. */
  readonly injectConfigFile?: string;
  /** An `istio` ConfigMap or the mesh YAML. */
  readonly meshConfigFile?: string;
  /** An `istio-sidecar-injector` ConfigMap or the values JSON/YAML. */
  readonly valuesFile?: string;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    const reason = err instanceof Error && 'code' in err ? String(err.code) : String(err);
    throw new ConfigError(path, '', `cannot read the ${what}: ${reason}`);
  }
}

function normaliseRevision(revision: string | undefined): string {
  return revision === undefined || revision === 'default' ? '' : revision;
}

/** Settings for `kube-inject`: each file given replaces the corresponding default. */
export function loadInjectorSettings(files: SettingsFiles): InjectorSettings {
  const defaults = defaultInjectorFiles();
  const configSource = files.injectConfigFile ?? 'default injector config (config/injector/config.yaml)';
  const config =
    files.injectConfigFile === undefined
      ? parseInjectorConfig(defaults.config, configSource)
      : parseInjectorConfig(readText(files.injectConfigFile, 'injector config'), files.injectConfigFile);
  const values =
    files.valuesFile === undefined
      ? parseValues('', 'default values')
      : parseValues(readText(files.valuesFile, 'values'), files.valuesFile);
  const mesh =
    files.meshConfigFile === undefined
      ? defaultMeshConfig()
      : parseMeshConfig(readText(files.meshConfigFile, 'mesh config'), files.meshConfigFile);
  return {
    config,
    values,
    mesh,
    revision: normaliseRevision(files.revision),
    nativeSidecars: files.nativeSidecars ?? false,
    source: configSource,
    ...(files.compliancePolicy === undefined ? {} : { compliancePolicy: files.compliancePolicy }),
  };
}

/** The data of the ConfigMaps the webhook reads; absent keys use the defaults. */
export interface ConfigMapTexts {
  /** `istio-sidecar-injector` data.config */
  readonly config?: string;
  /** `istio-sidecar-injector` data.values */
  readonly values?: string;
  /** `istio` data.mesh */
  readonly mesh?: string;
}

/** Settings from ConfigMap data; `source` names the ConfigMaps in errors (e.g. `istio-system/istio-sidecar-injector`). */
export function settingsFromConfigMaps(
  texts: ConfigMapTexts,
  sources: { readonly injector: string; readonly mesh: string },
  options: SettingsOptions,
): InjectorSettings {
  const defaults = defaultInjectorFiles();
  const config =
    texts.config === undefined
      ? parseInjectorConfig(defaults.config, 'default injector config')
      : parseInjectorConfigText(texts.config, `${sources.injector} data.config`);
  const values = parseValues(texts.values ?? '', `${sources.injector} data.values`);
  const mesh =
    texts.mesh === undefined ? defaultMeshConfig() : parseMeshConfig(texts.mesh, `${sources.mesh} data.mesh`);
  return {
    config,
    values,
    mesh,
    revision: options.revision ?? 'default',
    nativeSidecars: options.nativeSidecars ?? false,
    source: sources.injector,
    ...(options.compliancePolicy === undefined ? {} : { compliancePolicy: options.compliancePolicy }),
  };
}
