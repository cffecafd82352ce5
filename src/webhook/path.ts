// Proxy environment overrides carried in the webhook's URL path, as istiod reads them
// (`parseInjectEnvs`). A MutatingWebhookConfiguration for a remote cluster points at
// `/inject/cluster/<id>/net/<network>` so the injected proxies learn where they run.
//
// Forms accepted:
// - `/inject/k1/v1/k2/v2...`: key/value segments; one trailing `/` is ignored; `--slash--` inside a
//   value stands for `/` (a value cannot contain a raw `/`); a key left without a value is dropped;
// - `/inject/:ENV:k1=v1:ENV:k2=v2` (deprecated): `NAME=value` pairs; the value may be empty and may
//   contain `/`; a pair with an empty name or without `=` is dropped.
// In both, `cluster` becomes ISTIO_META_CLUSTER_ID, `net` becomes ISTIO_META_NETWORK and any other key
// is upper-cased into an environment variable name.
//
// The path given is the decoded one (percent-escapes resolved), as Go's `URL.Path` is.

export interface InjectPathParams {
  readonly params: Readonly<Record<string, string>>;
  /** What was dropped and why, for a log line; empty when everything was used. */
  readonly warnings: readonly string[];
}

/** URL keys with a meaning of their own; every other key is upper-cased. */
const urlKeyToEnv: ReadonlyMap<string, string> = new Map([
  ['cluster', 'ISTIO_META_CLUSTER_ID'],
  ['net', 'ISTIO_META_NETWORK'],
]);

const deprecatedPrefix = ':ENV:';

export function parseInjectPath(path: string): InjectPathParams {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  // "/inject/rest": everything after the second slash; no rest means plain "/inject".
  const secondSlash = trimmed.indexOf('/', trimmed.indexOf('/') + 1);
  const rest = trimmed.indexOf('/') === -1 || secondSlash === -1 ? undefined : trimmed.slice(secondSlash + 1);
  const warnings: string[] = [];
  const pairs: [string, string][] = [];

  if (rest?.startsWith(deprecatedPrefix) === true) {
    for (const entry of rest.split(deprecatedPrefix).slice(1)) {
      const equals = entry.indexOf('=');
      if (equals <= 0) {
        warnings.push(
          `ignored path entry "${deprecatedPrefix}${entry}": want NAME=value with a non-empty NAME`,
        );
        continue;
      }
      pairs.push([entry.slice(0, equals), entry.slice(equals + 1)]);
    }
  } else if (rest !== undefined) {
    const segments = rest.split('/');
    for (let i = 0; i < segments.length; i += 2) {
      const key = segments[i]!;
      const value = segments[i + 1];
      if (value === undefined) {
        warnings.push(`ignored path key "${key}": it has no value (odd number of segments)`);
        break;
      }
      pairs.push([key, value.replaceAll('--slash--', '/')]);
    }
  }

  const params: Record<string, string> = {};
  for (const [key, value] of pairs) {
    const name = urlKeyToEnv.get(key) ?? key.toUpperCase();
    if (name === '') {
      warnings.push(`ignored path value "${value}": its key is empty`);
      continue;
    }
    // defineProperty, not assignment: a key can never reach an object's prototype this way.
    Object.defineProperty(params, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return { params, warnings };
}
