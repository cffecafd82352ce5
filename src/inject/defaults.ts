// The project's default injector config and values, shipped as files under config/injector/ so the same text is
// what kustomize installs into the cluster and what `kube-inject` uses without flags.
import { readFileSync } from 'node:fs';

// src/inject/ and dist/inject/ are both two levels below the package root, next to config/.
const directory = new URL('../../config/injector/', import.meta.url);

export const defaultConfigFile = new URL('config.yaml', directory);
export const defaultValuesFile = new URL('values.json', directory);

let cache: { config: string; values: string } | undefined;

/** The default config and values texts, read once. */
export function defaultInjectorFiles(): { readonly config: string; readonly values: string } {
  cache ??= {
    config: readFileSync(defaultConfigFile, 'utf8'),
    values: readFileSync(defaultValuesFile, 'utf8'),
  };
  return cache;
}
