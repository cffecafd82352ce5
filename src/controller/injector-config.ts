// The injector config each revision serves, from the ConfigMaps in the cluster, kept current without a restart.
//
// For revision `rev` the sources are, as in Istio, `istio-sidecar-injector-<rev>` (keys `config` and `values`) and
// `istio-<rev>` (key `mesh`) in the config namespace; the default revision uses the unsuffixed names. A revision
// without its own ConfigMap falls back to the unsuffixed one, and without that to the project's defaults, so a
// fresh install injects out of the box. A ConfigMap that does not produce a working injector (bad YAML, a template
// that does not parse, an unknown field) is rejected: the last good injector keeps serving and the caller is told,
// so it can raise an Event and a log line.
import type { Logger } from '../observability/logger.ts';
import { Injector } from '../inject/injector.ts';
import { settingsFromConfigMaps, type SettingsOptions } from '../inject/settings.ts';
import { isJsonObject, type JsonObject } from '../inject/types.ts';
import type { Informer } from '../kube/informer.ts';

export const DEFAULT_REVISION = 'default';

export interface ConfigMapNames {
  /** Base name of the injector ConfigMap; default `istio-sidecar-injector`. */
  readonly injector: string;
  /** Base name of the mesh ConfigMap; default `istio`. */
  readonly mesh: string;
}

export const defaultConfigMapNames: ConfigMapNames = { injector: 'istio-sidecar-injector', mesh: 'istio' };

/** The ConfigMap name for a revision: `<base>` for the default revision, else `<base>-<rev>`. */
export function revisionConfigMapName(base: string, revision: string): string {
  return revision === DEFAULT_REVISION || revision === '' ? base : `${base}-${revision}`;
}

/** One revision's sources as found in the cache: which ConfigMaps were used (for messages) and their data. */
export interface RevisionSources {
  readonly injector: { readonly name: string; readonly data: Readonly<Record<string, string>> } | undefined;
  readonly mesh: { readonly name: string; readonly data: Readonly<Record<string, string>> } | undefined;
}

/**
 * Picks a revision's ConfigMaps from those present: the revision's own, else the unsuffixed ones. Pure, so the
 * fallback rule is tested on its own.
 */
export function revisionSources(
  revision: string,
  names: ConfigMapNames,
  lookup: (name: string) => Readonly<Record<string, string>> | undefined,
): RevisionSources {
  const pick = (base: string): RevisionSources['injector'] => {
    for (const name of [revisionConfigMapName(base, revision), base]) {
      const data = lookup(name);
      if (data !== undefined) return { name, data };
    }
    return undefined;
  };
  return { injector: pick(names.injector), mesh: pick(names.mesh) };
}

export interface ConfigProblem {
  readonly revision: string;
  /** The ConfigMap(s) the bad config came from, `namespace/name`. */
  readonly configMaps: readonly string[];
  readonly message: string;
}

export interface InjectorConfigSourceOptions {
  readonly namespace: string;
  readonly revisions: readonly string[];
  readonly names?: ConfigMapNames;
  readonly settings: SettingsOptions;
  readonly logger: Logger;
  /** Told about every config that was rejected (the last good one keeps serving). */
  readonly onInvalid?: (problem: ConfigProblem) => void;
  /** Told about every successful (re)load, with a short description of what is served. */
  readonly onLoaded?: (revision: string, description: string) => void;
}

function dataOf(configMap: JsonObject): Readonly<Record<string, string>> {
  const data = configMap.data;
  if (!isJsonObject(data)) return {};
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(data)) if (typeof value === 'string') out[key] = value;
  return out;
}

/**
 * Holds one Injector per revision, rebuilt whenever the ConfigMaps behind it change. Feed it the informer of the
 * config namespace's ConfigMaps.
 */
export class InjectorConfigSource {
  readonly #options: InjectorConfigSourceOptions;
  readonly #names: ConfigMapNames;
  readonly #injectors = new Map<string, Injector>();
  /** The resourceVersions a revision's injector was built from, so unrelated ConfigMap events cost nothing. */
  readonly #builtFrom = new Map<string, string>();
  readonly #log: Logger;

  constructor(options: InjectorConfigSourceOptions) {
    if (options.revisions.length === 0) throw new Error('at least one revision must be served');
    this.#options = options;
    this.#names = options.names ?? defaultConfigMapNames;
    this.#log = options.logger.child({ component: 'injector-config' });
  }

  /** The injector serving `revision`, or undefined when none has loaded (and the revision is not served). */
  injectorFor(revision: string): Injector | undefined {
    return this.#injectors.get(revision === '' ? DEFAULT_REVISION : revision);
  }

  /** Revisions served. */
  get revisions(): readonly string[] {
    return this.#options.revisions;
  }

  /** Why the source is not ready (some revision has no injector yet), or undefined when it is. */
  notReady(): string | undefined {
    const missing = this.#options.revisions.filter((r) => !this.#injectors.has(r));
    return missing.length === 0
      ? undefined
      : `no valid injector config yet for revision(s) ${missing.join(', ')}`;
  }

  /** Rebuilds every revision whose ConfigMaps changed, from the informer's cache. Call on every ConfigMap event. */
  sync(configMaps: Pick<Informer, 'get'>): void {
    const namespace = this.#options.namespace;
    const lookup = (name: string): Readonly<Record<string, string>> | undefined => {
      const cm = configMaps.get(`${namespace}/${name}`);
      return cm === undefined ? undefined : dataOf(cm);
    };
    const versionOf = (name: string | undefined): string => {
      if (name === undefined) return '-';
      const cm = configMaps.get(`${namespace}/${name}`);
      const metadata = cm !== undefined && isJsonObject(cm.metadata) ? cm.metadata : {};
      return `${name}@${typeof metadata.resourceVersion === 'string' ? metadata.resourceVersion : ''}`;
    };
    for (const revision of this.#options.revisions) {
      const sources = revisionSources(revision, this.#names, lookup);
      const fingerprint = `${versionOf(sources.injector?.name)}|${versionOf(sources.mesh?.name)}`;
      if (this.#builtFrom.get(revision) === fingerprint) continue;
      this.#load(revision, sources, fingerprint);
    }
  }

  #load(revision: string, sources: RevisionSources, fingerprint: string): void {
    const namespace = this.#options.namespace;
    const injectorName =
      sources.injector === undefined ? 'defaults' : `${namespace}/${sources.injector.name}`;
    const meshName = sources.mesh === undefined ? 'defaults' : `${namespace}/${sources.mesh.name}`;
    const injectorData = sources.injector?.data ?? {};
    try {
      const settings = settingsFromConfigMaps(
        {
          ...(injectorData.config === undefined ? {} : { config: injectorData.config }),
          ...(injectorData.values === undefined ? {} : { values: injectorData.values }),
          ...(sources.mesh?.data.mesh === undefined ? {} : { mesh: sources.mesh.data.mesh }),
        },
        { injector: injectorName, mesh: meshName },
        { ...this.#options.settings, revision },
      );
      this.#injectors.set(revision, new Injector(settings));
      this.#builtFrom.set(revision, fingerprint);
      const description = `injector ${injectorName}, mesh ${meshName}`;
      this.#log.info({ revision, injector: injectorName, mesh: meshName }, 'injector config loaded');
      this.#options.onLoaded?.(revision, description);
    } catch (err) {
      // Remember the failure too, so the same bad ConfigMap is not re-parsed (and re-reported) on every event.
      this.#builtFrom.set(revision, fingerprint);
      const message = err instanceof Error ? err.message : String(err);
      const kept = this.#injectors.has(revision)
        ? 'the last good config keeps serving'
        : 'nothing is served yet';
      this.#log.error({ revision, err: message }, `invalid injector config rejected; ${kept}`);
      const configMaps = [injectorName, meshName].filter((n) => n !== 'defaults');
      this.#options.onInvalid?.({ revision, configMaps, message });
    }
  }
}
