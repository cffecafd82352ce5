// The flags that choose the injector's config, shared by every command that injects offline.
import { loadInjectorSettings } from '../inject/settings.ts';
import type { InjectorSettings } from '../inject/injector.ts';

/** parseArgs option specs for the config flags (istioctl's names). */
export const injectorConfigOptions = {
  injectConfigFile: { type: 'string' },
  meshConfigFile: { type: 'string' },
  valuesFile: { type: 'string' },
  revision: { type: 'string', short: 'r' },
  'native-sidecars': { type: 'boolean', default: false },
} as const;

/** Help lines for the config flags. */
export const injectorConfigHelp = `      --injectConfigFile FILE istio-sidecar-injector ConfigMap, its config YAML, or a bare sidecar template
      --meshConfigFile FILE   istio ConfigMap or mesh config YAML
      --valuesFile FILE       istio-sidecar-injector ConfigMap or values JSON/YAML
  -r, --revision REV          revision to inject as (default: the default revision)
      --native-sidecars       render the proxy as a native sidecar (init container, restartPolicy Always)`;

export interface InjectorConfigFlags {
  readonly injectConfigFile?: string | undefined;
  readonly meshConfigFile?: string | undefined;
  readonly valuesFile?: string | undefined;
  readonly revision?: string | undefined;
  readonly 'native-sidecars'?: boolean | undefined;
}

/** Loads the settings the flags name; unset flags use the project defaults. */
export function settingsFromFlags(flags: InjectorConfigFlags): InjectorSettings {
  return loadInjectorSettings({
    ...(flags.injectConfigFile === undefined ? {} : { injectConfigFile: flags.injectConfigFile }),
    ...(flags.meshConfigFile === undefined ? {} : { meshConfigFile: flags.meshConfigFile }),
    ...(flags.valuesFile === undefined ? {} : { valuesFile: flags.valuesFile }),
    ...(flags.revision === undefined ? {} : { revision: flags.revision }),
    nativeSidecars: flags['native-sidecars'] ?? false,
  });
}
