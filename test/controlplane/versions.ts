// The pinned control-plane versions (versions.json, the one place they are written down), the Go modules
// that build each binary, and where the built binaries live.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface PinnedVersions {
  /** k8s.io/kubernetes tag, e.g. v1.36.3. Every k8s.io staging module is pinned to the matching v0.x.y. */
  readonly kubernetes: string;
  /** go.etcd.io/etcd/server/v3 tag; must be the version the Kubernetes release lists in its go.mod. */
  readonly etcd: string;
  /** sigs.k8s.io/kwok tag. */
  readonly kwok: string;
}

export type BinaryName =
  'etcd' | 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'kubectl' | 'kwok';

/** One Go module directory under test/controlplane/go and the binaries built from it. */
export interface GoModuleSpec {
  readonly dir: string;
  /** The module whose version versions.json pins, and which key of versions.json holds it. */
  readonly pinnedModule: string;
  readonly versionKey: keyof PinnedVersions;
}

export interface BinarySpec {
  readonly name: BinaryName;
  readonly module: GoModuleSpec;
  /** Go package path of the main package. */
  readonly packagePath: string;
  /** Arguments that print the binary's version, and the text that output must contain. */
  readonly versionArgs: readonly string[];
  readonly expectedVersionText: (versions: PinnedVersions) => string;
}

export const controlPlaneDir = import.meta.dirname;
export const goModulesDir = join(controlPlaneDir, 'go');

/** Environment variable that moves the binary cache (default ~/.cache/mesh-injector/controlplane). */
export const cacheDirEnv = 'MESH_INJECTOR_CONTROLPLANE_DIR';

// Three modules rather than one: etcd and kwok each build with the dependency versions their own release
// chose, instead of whatever minimal version selection would pick across the Kubernetes module graph.
export const goModules = {
  kubernetes: {
    dir: join(goModulesDir, 'kubernetes'),
    pinnedModule: 'k8s.io/kubernetes',
    versionKey: 'kubernetes',
  },
  etcd: { dir: join(goModulesDir, 'etcd'), pinnedModule: 'go.etcd.io/etcd/server/v3', versionKey: 'etcd' },
  kwok: { dir: join(goModulesDir, 'kwok'), pinnedModule: 'sigs.k8s.io/kwok', versionKey: 'kwok' },
} as const satisfies Record<string, GoModuleSpec>;

const kubernetesVersionText = (v: PinnedVersions): string => `Kubernetes ${v.kubernetes}`;

export const binaries: readonly BinarySpec[] = [
  {
    name: 'etcd',
    module: goModules.etcd,
    packagePath: 'go.etcd.io/etcd/server/v3',
    versionArgs: ['--version'],
    expectedVersionText: (v) => `etcd Version: ${v.etcd.replace(/^v/, '')}`,
  },
  {
    name: 'kube-apiserver',
    module: goModules.kubernetes,
    packagePath: 'k8s.io/kubernetes/cmd/kube-apiserver',
    versionArgs: ['--version'],
    expectedVersionText: kubernetesVersionText,
  },
  {
    name: 'kube-controller-manager',
    module: goModules.kubernetes,
    packagePath: 'k8s.io/kubernetes/cmd/kube-controller-manager',
    versionArgs: ['--version'],
    expectedVersionText: kubernetesVersionText,
  },
  {
    name: 'kube-scheduler',
    module: goModules.kubernetes,
    packagePath: 'k8s.io/kubernetes/cmd/kube-scheduler',
    versionArgs: ['--version'],
    expectedVersionText: kubernetesVersionText,
  },
  {
    name: 'kubectl',
    module: goModules.kubernetes,
    packagePath: 'k8s.io/kubernetes/cmd/kubectl',
    versionArgs: ['version', '--client'],
    expectedVersionText: (v) => `Client Version: ${v.kubernetes}`,
  },
  {
    name: 'kwok',
    module: goModules.kwok,
    packagePath: 'sigs.k8s.io/kwok/cmd/kwok',
    versionArgs: ['--version'],
    expectedVersionText: (v) => v.kwok.replace(/^v/, ''),
  },
];

export function readPinnedVersions(path: string = join(controlPlaneDir, 'versions.json')): PinnedVersions {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof raw !== 'object' || raw === null) throw new Error(`${path}: expected a JSON object`);
  const record = raw as Record<string, unknown>;
  const field = (key: keyof PinnedVersions): string => {
    const value = record[key];
    if (typeof value !== 'string' || !/^v\d+\.\d+\.\d+$/.test(value)) {
      throw new Error(`${path}: "${key}" must be a release tag like v1.2.3, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  return { kubernetes: field('kubernetes'), etcd: field('etcd'), kwok: field('kwok') };
}

/** v1.36.3 -> v0.36.3: the tag k8s.io staging modules (client-go, apimachinery, ...) carry for a release. */
export function stagingVersion(kubernetesVersion: string): string {
  const match = /^v1\.(\d+\.\d+)$/.exec(kubernetesVersion);
  if (!match) throw new Error(`not a Kubernetes 1.x release tag: ${kubernetesVersion}`);
  return `v0.${match[1]!}`;
}

/** Root of the cache, without the version directory. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const override = env[cacheDirEnv];
  if (override !== undefined && override !== '') return override;
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache');
  return join(base, 'mesh-injector', 'controlplane');
}

/** Directory holding one Kubernetes version's binaries, build stamp and kwok stages. */
export function versionDir(versions: PinnedVersions, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), versions.kubernetes);
}

export function binDir(versions: PinnedVersions, env: NodeJS.ProcessEnv = process.env): string {
  return join(versionDir(versions, env), 'bin');
}

/** kwok's node and pod stages, assembled from the pinned kwok module's own stage files at build time. */
export function kwokStagesPath(versions: PinnedVersions, env: NodeJS.ProcessEnv = process.env): string {
  return join(versionDir(versions, env), 'kwok-stages.yaml');
}
