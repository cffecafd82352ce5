// Renders the config/ kustomize tree with the pinned kubectl's built-in kustomize, as `kubectl apply -k` would,
// and gives the tests typed access to what comes out.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { isJsonObject, type JsonObject } from '../../../src/inject/types.ts';
import { ensureControlPlaneBinaries } from '../../controlplane/build.ts';

const run = promisify(execFile);

export const repoRoot = join(import.meta.dirname, '..', '..', '..');
export const configDir = join(repoRoot, 'config');
export const operatorNamespace = 'mesh-injector-system';

let kubectl: Promise<string> | undefined;

/** The pinned kubectl (built with the control plane when the cache lacks it). */
export function kubectlPath(): Promise<string> {
  kubectl ??= ensureControlPlaneBinaries({
    log: (line) => {
      process.stderr.write(`${line}\n`);
    },
  }).then((binaries) => join(binaries.binDir, 'kubectl'));
  return kubectl;
}

/** The objects `kubectl kustomize <dir>` renders, in its output order. */
export async function render(dir: string): Promise<JsonObject[]> {
  const { stdout } = await run(await kubectlPath(), ['kustomize', dir], { maxBuffer: 64 * 1024 * 1024 });
  return loadAll(stdout).map((doc, index) => {
    if (!isJsonObject(doc)) throw new Error(`${dir}: document ${index} is not an object`);
    return doc;
  });
}

/**
 * Renders a throw-away overlay written next to nothing in the repo: `kustomization` may name config/ directories
 * as `{config}/default`, which becomes the relative path kustomize wants.
 */
export async function renderOverlay(kustomization: string): Promise<JsonObject[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-injector-overlay-'));
  try {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      kustomization.replaceAll('{config}', relative(dir, configDir)),
    );
    return await render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ObjectId {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export function idOf(object: JsonObject): ObjectId {
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  return {
    kind: typeof object.kind === 'string' ? object.kind : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : '',
    name: typeof metadata.name === 'string' ? metadata.name : '',
  };
}

/** `Kind namespace/name` (or `Kind name` when cluster-scoped), for sorted comparisons and messages. */
export function describeId(object: JsonObject): string {
  const { kind, namespace, name } = idOf(object);
  return namespace === '' ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
}

export function ofKind(objects: readonly JsonObject[], kind: string): JsonObject[] {
  return objects.filter((o) => o.kind === kind);
}

/** The one object of `kind` named `name`; throws naming what was there instead. */
export function find(objects: readonly JsonObject[], kind: string, name: string): JsonObject {
  const found = objects.filter((o) => o.kind === kind && idOf(o).name === name);
  if (found.length !== 1) {
    const present = ofKind(objects, kind).map(describeId).join(', ') || 'none';
    throw new Error(`want exactly one ${kind} ${name}, found ${found.length} (${kind}s: ${present})`);
  }
  return found[0]!;
}

/**
 * Rendered YAML seen through client-node's model types (its field names are the wire names). Mapped, so the
 * plain parsed object is not mistaken for an instance of the model class.
 */
export type Plain<T> = { [K in keyof T]: T[K] };

export function asDeployment(object: JsonObject): Plain<V1Deployment> {
  return object;
}

export function onlyContainer(deployment: Plain<V1Deployment>): V1Container {
  const containers = deployment.spec?.template.spec?.containers ?? [];
  if (containers.length !== 1) throw new Error(`want one container, found ${containers.length}`);
  return containers[0]!;
}

/** Plain `value` env entries of a container. */
export function envValues(container: V1Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of container.env ?? []) if (entry.value !== undefined) out[entry.name] = entry.value;
  return out;
}

/** Env entries read through the downward API: name -> fieldPath. */
export function envFieldRefs(container: V1Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of container.env ?? []) {
    const path = entry.valueFrom?.fieldRef?.fieldPath;
    if (path !== undefined) out[entry.name] = path;
  }
  return out;
}
