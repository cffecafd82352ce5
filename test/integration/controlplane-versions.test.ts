// versions.json is the one place the control-plane versions live: the Go modules must agree with it, and
// with what the pinned Kubernetes release itself lists.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { ControlPlaneBuildError, ensureControlPlaneBinaries } from '../controlplane/build.ts';
import { checkModulePins, parseGoMod } from '../controlplane/gomod.ts';
import type { GoModFile, PinCheckInput } from '../controlplane/gomod.ts';
import {
  binaries,
  binDir,
  cacheDirEnv,
  cacheRoot,
  goModules,
  readPinnedVersions,
  stagingVersion,
} from '../controlplane/versions.ts';

const versions = readPinnedVersions();

function moduleFile(dir: string): GoModFile {
  const path = join(dir, 'go.mod');
  return parseGoMod(readFileSync(path, 'utf8'), path);
}

function committedPins(): PinCheckInput {
  return {
    versions,
    stagingVersion: stagingVersion(versions.kubernetes),
    kubernetesModule: moduleFile(goModules.kubernetes.dir),
    etcdModule: moduleFile(goModules.etcd.dir),
    kwokModule: moduleFile(goModules.kwok.dir),
  };
}

function goCommand(): string {
  for (const candidate of [process.env.GO, 'go', '/usr/local/go/bin/go']) {
    if (candidate === undefined || candidate === '') continue;
    try {
      execFileSync(candidate, ['version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error('no go command found (the control plane build needs one too)');
}

describe('parseGoMod', () => {
  it('reads one-line directives, blocks, comments and replace targets', () => {
    const mod = parseGoMod(
      [
        'module example.com/m // the module',
        '',
        'go 1.26.0',
        'require a.example/x v1.2.3',
        'require (',
        '\tb.example/y v0.1.0 // indirect',
        ')',
        'replace c.example/z => c.example/z v0.36.3',
        'replace (',
        '\td.example/w => ./local',
        ')',
        'tool e.example/cmd/t',
      ].join('\n'),
    );
    assert.equal(mod.module, 'example.com/m');
    assert.equal(mod.go, '1.26.0');
    assert.deepEqual(
      [...mod.require],
      [
        ['a.example/x', 'v1.2.3'],
        ['b.example/y', 'v0.1.0'],
      ],
    );
    assert.deepEqual(mod.replace.get('c.example/z'), { path: 'c.example/z', version: 'v0.36.3' });
    assert.deepEqual(mod.replace.get('d.example/w'), { path: './local', version: undefined });
    assert.deepEqual(mod.tool, ['e.example/cmd/t']);
  });

  it('names the file and line of a malformed directive', () => {
    assert.throws(
      () => parseGoMod('module m\nrequire x\n', 'go/x/go.mod'),
      /go\/x\/go.mod:2: require: expected "path version"/,
    );
    assert.throws(() => parseGoMod('require (\n a v1\n', 'f'), /f: unterminated require \( block/);
  });
});

describe('version pins', () => {
  it('versions.json holds release tags and maps to the staging tag', () => {
    assert.match(versions.kubernetes, /^v1\.\d+\.\d+$/);
    assert.equal(stagingVersion('v1.36.3'), 'v0.36.3');
    assert.throws(() => stagingVersion('v2.0.0'), /not a Kubernetes 1.x release tag/);
  });

  it('the committed go.mod files agree with versions.json', () => {
    assert.deepEqual(checkModulePins(committedPins()), []);
    const kube = committedPins().kubernetesModule;
    assert.ok(kube.replace.size >= 30, 'every staging module has a replace line');
    assert.ok(kube.tool.includes('k8s.io/kubernetes/cmd/kube-apiserver'));
  });

  it('and with the go.mod of the pinned k8s.io/kubernetes release (staging modules, etcd version)', () => {
    const ref = `k8s.io/kubernetes@${versions.kubernetes}`;
    const out = execFileSync(goCommand(), ['mod', 'download', '-json', ref], {
      cwd: goModules.kubernetes.dir,
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=readonly', GOTOOLCHAIN: 'local' },
    });
    const { GoMod } = JSON.parse(out) as { GoMod: string };
    const upstream = parseGoMod(readFileSync(GoMod, 'utf8'), ref);
    assert.equal(upstream.require.get('go.etcd.io/etcd/server/v3'), versions.etcd);
    assert.deepEqual(checkModulePins({ ...committedPins(), upstreamKubernetes: upstream }), []);
  });

  it('reports each kind of disagreement in a sentence', () => {
    const pins = committedPins();
    const bumped = {
      ...pins,
      versions: { ...versions, kubernetes: 'v1.99.0', kwok: 'v9.9.9' },
      stagingVersion: 'v0.99.0',
    };
    const problems = checkModulePins(bumped);
    assert.ok(
      problems.includes(
        `go/kubernetes/go.mod requires k8s.io/kubernetes ${versions.kubernetes}, versions.json says v1.99.0`,
      ),
    );
    assert.ok(
      problems.includes(
        `go/kwok/go.mod requires sigs.k8s.io/kwok ${versions.kwok}, versions.json says v9.9.9`,
      ),
    );
    assert.ok(
      problems.some((p) => p.startsWith('go/kubernetes/go.mod replaces k8s.io/api with k8s.io/api v0.')),
    );

    const upstream = parseGoMod(
      'module k8s.io/kubernetes\nrequire go.etcd.io/etcd/server/v3 v3.0.0\nreplace k8s.io/new-staging => ./staging/src/k8s.io/new-staging\n',
    );
    const upstreamProblems = checkModulePins({ ...pins, upstreamKubernetes: upstream });
    assert.deepEqual(upstreamProblems, [
      'go/kubernetes/go.mod lacks a replace line for staging module k8s.io/new-staging',
      `versions.json pins etcd ${versions.etcd}, but Kubernetes ${versions.kubernetes} lists go.etcd.io/etcd/server/v3 v3.0.0`,
    ]);
  });
});

describe('binary cache location', () => {
  it('defaults under ~/.cache (or XDG_CACHE_HOME) and follows the override variable', () => {
    assert.equal(cacheRoot({ HOME: '/h', XDG_CACHE_HOME: '/xdg' }), '/xdg/mesh-injector/controlplane');
    assert.equal(cacheRoot({ [cacheDirEnv]: '/custom' }), '/custom');
    assert.equal(binDir(versions, { [cacheDirEnv]: '/custom' }), `/custom/${versions.kubernetes}/bin`);
  });
});

describe('build script', () => {
  it('finds the cache current and builds nothing on a second run', async () => {
    await ensureControlPlaneBinaries({ log: () => undefined });
    const lines: string[] = [];
    const again = await ensureControlPlaneBinaries({ log: (line) => lines.push(line) });
    assert.equal(again.built, false);
    assert.deepEqual(lines, []);
    assert.deepEqual(again.stamp.versions, versions);
    for (const binary of binaries) assert.ok(existsSync(join(again.binDir, binary.name)), binary.name);
    assert.ok(readFileSync(again.kwokStagesPath, 'utf8').includes('name: pod-ready'));
  });

  it('says which binary failed and why, and leaves no stamp or lock', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'mesh-injector-build-test-'));
    try {
      // A go command that works for everything but `go build`.
      const fakeGo = join(scratch, 'go');
      writeFileSync(
        fakeGo,
        `#!/bin/sh\nif [ "$1" = build ]; then echo "cmd/fake.go:1:1: fake compile error" >&2; exit 2; fi\nexec ${goCommand()} "$@"\n`,
      );
      chmodSync(fakeGo, 0o755);
      const cache = join(scratch, 'cache');
      await assert.rejects(
        ensureControlPlaneBinaries({
          env: { ...process.env, GO: fakeGo, [cacheDirEnv]: cache },
          log: () => undefined,
        }),
        (error: unknown) => {
          assert.ok(error instanceof ControlPlaneBuildError);
          assert.match(
            error.message,
            /^build etcd failed: .*go build .* exited with 2 .*end of its output:\ncmd\/fake.go:1:1: fake compile error$/s,
          );
          return true;
        },
      );
      const dir = join(cache, versions.kubernetes);
      assert.equal(existsSync(join(dir, 'stamp.json')), false);
      assert.equal(existsSync(join(dir, '.build.lock')), false);
      assert.equal(existsSync(join(dir, 'bin', 'etcd')), false);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
