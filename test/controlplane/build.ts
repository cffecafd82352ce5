// Builds the pinned control-plane binaries (etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
// kubectl, kwok) from the Go modules under test/controlplane/go into a cache outside the repository,
// once: a stamp records what was built from which inputs, so the next run only checks it.
//
// usage: node test/controlplane/build.ts [--force]
//
// Environment: MESH_INJECTOR_CONTROLPLANE_DIR moves the cache; GO names the go command (default: `go` on
// PATH, then /usr/local/go/bin/go). Concurrent runs (several test processes) wait for one builder.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { checkModulePins, parseGoMod } from './gomod.ts';
import type { GoModFile } from './gomod.ts';
import {
  binaries,
  binDir,
  controlPlaneDir,
  goModules,
  kwokStagesPath,
  readPinnedVersions,
  stagingVersion,
  versionDir,
} from './versions.ts';
import type { BinarySpec, GoModuleSpec, PinnedVersions } from './versions.ts';

/** Bump when the way binaries are built changes, so caches built the old way are rebuilt. */
const recipeVersion = 2;

/** kwok's own stage files (relative to its module root) that kwokctl also uses by default: nodes become
 * Ready at once and keep a Lease; pods become Ready at once, complete, and are deleted when asked. */
const kwokStageFiles = [
  'kustomize/stage/node/fast/node-initialize.yaml',
  'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'kustomize/stage/pod/fast/pod-ready.yaml',
  'kustomize/stage/pod/fast/pod-complete.yaml',
  'kustomize/stage/pod/fast/pod-delete.yaml',
];

export interface BuildOptions {
  /** Rebuild even when the stamp says the cache is current. */
  readonly force?: boolean;
  /** Where progress lines go; default console.log. */
  readonly log?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

export interface BuiltBinary {
  readonly name: string;
  readonly seconds: number;
  readonly bytes: number;
}

export interface BuildStamp {
  readonly fingerprint: string;
  readonly versions: PinnedVersions;
  readonly goVersion: string;
  readonly builtAt: string;
  readonly downloadSeconds: number;
  readonly totalSeconds: number;
  readonly binaries: readonly BuiltBinary[];
}

export interface ControlPlaneBinaries {
  readonly versions: PinnedVersions;
  readonly binDir: string;
  readonly kwokStagesPath: string;
  /** Whether this call built anything (false: the cache was current). */
  readonly built: boolean;
  readonly stamp: BuildStamp;
}

export class ControlPlaneBuildError extends Error {
  override readonly name = 'ControlPlaneBuildError';
}

/** Makes sure the cache holds binaries built from the current pins; builds them when it does not. */
export async function ensureControlPlaneBinaries(options: BuildOptions = {}): Promise<ControlPlaneBinaries> {
  const log =
    options.log ??
    ((line: string) => {
      console.log(line);
    });
  const env = options.env ?? process.env;
  const versions = readPinnedVersions();
  const modules = readModuleFiles();
  const problems = checkModulePins({
    versions,
    stagingVersion: stagingVersion(versions.kubernetes),
    ...modules,
  });
  if (problems.length > 0) {
    throw new ControlPlaneBuildError(`go.mod files disagree with versions.json:\n  ${problems.join('\n  ')}`);
  }
  const go = findGo(env);
  const goVersion = run(go, ['env', 'GOVERSION'], controlPlaneDir, env).trim();
  const fingerprint = inputFingerprint(goVersion);
  const dir = versionDir(versions, env);
  const bin = binDir(versions, env);
  const stages = kwokStagesPath(versions, env);
  const result = (stamp: BuildStamp, built: boolean): ControlPlaneBinaries => ({
    versions,
    binDir: bin,
    kwokStagesPath: stages,
    built,
    stamp,
  });

  const current = options.force === true ? undefined : currentStamp(dir, fingerprint, stages);
  if (current) return result(current, false);

  mkdirSync(bin, { recursive: true });
  const release = await acquireLock(join(dir, '.build.lock'), log);
  try {
    // Another process may have finished the same build while we waited for the lock.
    const built = options.force === true ? undefined : currentStamp(dir, fingerprint, stages);
    if (built) return result(built, false);
    const stamp = await build({ versions, go, goVersion, fingerprint, bin, stages, env, log });
    writeFileSync(join(dir, 'stamp.json'), JSON.stringify(stamp, null, 2) + '\n');
    return result(stamp, true);
  } finally {
    release();
  }
}

interface BuildContext {
  readonly versions: PinnedVersions;
  readonly go: string;
  readonly goVersion: string;
  readonly fingerprint: string;
  readonly bin: string;
  readonly stages: string;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
}

async function build(ctx: BuildContext): Promise<BuildStamp> {
  const { versions, log } = ctx;
  const started = performance.now();
  log(
    `controlplane: building Kubernetes ${versions.kubernetes}, etcd ${versions.etcd}, kwok ${versions.kwok} ` +
      `with ${ctx.goVersion} into ${ctx.bin}`,
  );
  const goEnv = buildEnv(ctx.env);

  // Downloading first, separately, so the log shows how much of a cold build is network and how much is compiling.
  const downloadStarted = performance.now();
  for (const module of Object.values(goModules)) {
    const packages = binaries.filter((b) => b.module === module).map((b) => b.packagePath);
    const t = performance.now();
    await runLogged(
      ctx.go,
      ['list', '-deps', ...packages],
      module.dir,
      goEnv,
      `download modules for ${packages.join(', ')}`,
    );
    log(`controlplane:   modules for ${module.pinnedModule} ready in ${seconds(t)} s`);
  }
  const downloadSeconds = Number(seconds(downloadStarted));

  // With the module cache filled, check the pins against k8s.io/kubernetes's own go.mod as well.
  const upstream = upstreamKubernetesModule(ctx, goEnv);
  const problems = checkModulePins({
    versions,
    stagingVersion: stagingVersion(versions.kubernetes),
    ...readModuleFiles(),
    upstreamKubernetes: upstream.goMod,
  });
  if (problems.length > 0) {
    throw new ControlPlaneBuildError(
      `pins disagree with Kubernetes ${versions.kubernetes}:\n  ${problems.join('\n  ')}`,
    );
  }

  const built: BuiltBinary[] = [];
  for (const spec of binaries) {
    const t = performance.now();
    const target = join(ctx.bin, spec.name);
    const partial = `${target}.partial-${process.pid}`;
    const ldflags = ['-s', '-w', ...versionLdflags(spec, versions, upstream.releaseTime)].join(' ');
    log(
      `controlplane:   building ${spec.name} (${spec.packagePath}@${versions[spec.module.versionKey]}) ...`,
    );
    try {
      await runLogged(
        ctx.go,
        ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', partial, spec.packagePath],
        spec.module.dir,
        goEnv,
        `build ${spec.name}`,
      );
      verifyVersion(spec, partial, versions);
      renameSync(partial, target);
    } finally {
      rmSync(partial, { force: true });
    }
    const bytes = statSync(target).size;
    built.push({ name: spec.name, seconds: Number(seconds(t)), bytes });
    log(`controlplane:   built ${spec.name} in ${seconds(t)} s (${(bytes / 1e6).toFixed(1)} MB)`);
  }

  writeKwokStages(ctx, goEnv);
  const totalSeconds = Number(seconds(started));
  const totalBytes = built.reduce((sum, b) => sum + b.bytes, 0);
  log(
    `controlplane: done in ${totalSeconds} s (download ${downloadSeconds} s), ${(totalBytes / 1e6).toFixed(1)} MB of binaries`,
  );
  return {
    fingerprint: ctx.fingerprint,
    versions,
    goVersion: ctx.goVersion,
    builtAt: new Date().toISOString(),
    downloadSeconds,
    totalSeconds,
    binaries: built,
  };
}

/** What `kube::version::ldflags` (hack/lib/version.sh) sets, so the binaries report the release they are. */
function versionLdflags(
  spec: BinarySpec,
  versions: PinnedVersions,
  releaseTime: string | undefined,
): string[] {
  if (spec.module !== goModules.kubernetes) return [];
  const [, major, minor] = /^v(\d+)\.(\d+)\./.exec(versions.kubernetes) ?? [];
  const values: Record<string, string> = {
    gitVersion: versions.kubernetes,
    gitMajor: major ?? '',
    gitMinor: minor ?? '',
    gitTreeState: 'clean',
    // The module proxy does not tell which commit a tag is; empty beats the "$Format:%H$" placeholder.
    gitCommit: '',
    // The release's own date (from the module proxy) keeps builds reproducible.
    buildDate: releaseTime ?? '1970-01-01T00:00:00Z',
  };
  return ['k8s.io/client-go/pkg/version', 'k8s.io/component-base/version'].flatMap((pkg) =>
    Object.entries(values).map(([key, value]) => `-X ${pkg}.${key}=${value}`),
  );
}

function verifyVersion(spec: BinarySpec, path: string, versions: PinnedVersions): void {
  const out = spawnSync(path, spec.versionArgs, { encoding: 'utf8', timeout: 30_000 });
  const text = `${out.stdout}${out.stderr}`;
  const expected = spec.expectedVersionText(versions);
  if (out.status !== 0 || !text.includes(expected)) {
    throw new ControlPlaneBuildError(
      `${spec.name} built but \`${spec.name} ${spec.versionArgs.join(' ')}\` printed ${JSON.stringify(text.trim())} ` +
        `(exit ${out.status ?? out.signal}), expected it to contain "${expected}"`,
    );
  }
}

function upstreamKubernetesModule(
  ctx: BuildContext,
  env: NodeJS.ProcessEnv,
): { goMod: GoModFile; releaseTime: string | undefined } {
  const ref = `k8s.io/kubernetes@${ctx.versions.kubernetes}`;
  const download = JSON.parse(
    run(ctx.go, ['mod', 'download', '-json', ref], goModules.kubernetes.dir, env),
  ) as {
    GoMod?: string;
    Info?: string;
    Error?: string;
  };
  if (download.GoMod === undefined) {
    throw new ControlPlaneBuildError(`go mod download ${ref}: ${download.Error ?? 'no go.mod path'}`);
  }
  let releaseTime: string | undefined;
  if (download.Info !== undefined) {
    const info = JSON.parse(readFileSync(download.Info, 'utf8')) as { Time?: string };
    releaseTime = info.Time?.replace(/\.\d+Z$/, 'Z');
  }
  const goMod = parseGoMod(readFileSync(download.GoMod, 'utf8'), `${ref} go.mod`);
  return { goMod, releaseTime };
}

function writeKwokStages(ctx: BuildContext, env: NodeJS.ProcessEnv): void {
  const kwokDir = run(
    ctx.go,
    ['list', '-m', '-f', '{{.Dir}}', 'sigs.k8s.io/kwok'],
    goModules.kwok.dir,
    env,
  ).trim();
  const documents = kwokStageFiles.map((file) => {
    const path = join(kwokDir, file);
    if (!existsSync(path)) {
      throw new ControlPlaneBuildError(
        `kwok ${ctx.versions.kwok} has no stage file ${file} (looked in ${kwokDir})`,
      );
    }
    return `# from sigs.k8s.io/kwok@${ctx.versions.kwok} ${file}\n${readFileSync(path, 'utf8').trim()}\n`;
  });
  writeFileSync(ctx.stages, documents.join('---\n'));
  ctx.log(`controlplane:   wrote kwok stages (${kwokStageFiles.length}) to ${ctx.stages}`);
}

function currentStamp(dir: string, fingerprint: string, stages: string): BuildStamp | undefined {
  const stampPath = join(dir, 'stamp.json');
  if (!existsSync(stampPath)) return undefined;
  let stamp: BuildStamp;
  try {
    stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as BuildStamp;
  } catch {
    return undefined;
  }
  if (stamp.fingerprint !== fingerprint || !existsSync(stages)) return undefined;
  const allThere = binaries.every((b) => existsSync(join(dir, 'bin', b.name)));
  return allThere ? stamp : undefined;
}

/** Hash of everything that decides what the binaries are: pins, module files, Go version, this recipe. */
function inputFingerprint(goVersion: string): string {
  const hash = createHash('sha256');
  hash.update(`recipe ${recipeVersion}\n${goVersion}\n`);
  hash.update(readFileSync(join(controlPlaneDir, 'versions.json')));
  for (const module of Object.values(goModules)) {
    for (const file of ['go.mod', 'go.sum']) {
      const path = join(module.dir, file);
      hash.update(`${path}\n`);
      if (existsSync(path)) hash.update(readFileSync(path));
    }
  }
  hash.update(kwokStageFiles.join('\n'));
  return hash.digest('hex');
}

function readModuleFiles(): { kubernetesModule: GoModFile; etcdModule: GoModFile; kwokModule: GoModFile } {
  const read = (module: GoModuleSpec): GoModFile => {
    const path = join(module.dir, 'go.mod');
    return parseGoMod(readFileSync(path, 'utf8'), path);
  };
  return {
    kubernetesModule: read(goModules.kubernetes),
    etcdModule: read(goModules.etcd),
    kwokModule: read(goModules.kwok),
  };
}

function findGo(env: NodeJS.ProcessEnv): string {
  const candidates = [env.GO, 'go', '/usr/local/go/bin/go'].filter(
    (c): c is string => c !== undefined && c !== '',
  );
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  throw new ControlPlaneBuildError(
    `no Go toolchain found (tried ${candidates.join(', ')}); install the Go version named in test/controlplane/go/*/go.mod (or newer) or set GO`,
  );
}

function buildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    // Static binaries, like the Kubernetes release builds; also keeps the build free of a C toolchain.
    CGO_ENABLED: '0',
    // go.sum is committed: a build never edits the module files, and a missing checksum is an error.
    GOFLAGS: '-mod=readonly',
    // Use the installed Go; never download another toolchain behind the user's back.
    GOTOOLCHAIN: 'local',
  };
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const out = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) {
    throw new ControlPlaneBuildError(
      `${command} ${args.join(' ')} (in ${cwd}) failed with exit ${out.status ?? out.signal}:\n${tail(out.stderr)}`,
    );
  }
  return out.stdout;
}

/** Runs a long step, keeping the end of its stderr for the error message. */
async function runLogged(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  what: string,
): Promise<void> {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-64 * 1024);
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => {
      resolve([c, s]);
    });
  });
  if (code !== 0) {
    throw new ControlPlaneBuildError(
      `${what} failed: ${command} ${args.join(' ')} exited with ${code ?? signal} (in ${cwd}); end of its output:\n${tail(stderr)}`,
    );
  }
}

/** A lock file holding the builder's pid; a lock whose process is gone is taken over. */
async function acquireLock(path: string, log: (line: string) => void): Promise<() => void> {
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(readFileSync(path, 'utf8').trim() || '0', 10);
    if (!isAlive(holder)) {
      rmSync(path, { force: true });
      continue;
    }
    if (!announced) {
      log(`controlplane: waiting for the build running in process ${holder} (${path})`);
      announced = true;
    }
    await sleep(1000);
  }
}

function isAlive(pid: number): boolean {
  if (!(pid > 0)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

if (import.meta.main) {
  const force = process.argv.includes('--force');
  try {
    const result = await ensureControlPlaneBinaries({ force });
    if (!result.built) {
      const { versions } = result;
      console.log(
        `controlplane: binaries for Kubernetes ${versions.kubernetes}, etcd ${versions.etcd}, kwok ${versions.kwok} ` +
          `are up to date in ${result.binDir}`,
      );
    }
  } catch (error) {
    console.error(error instanceof ControlPlaneBuildError ? `controlplane: ${error.message}` : error);
    process.exit(1);
  }
}
