// The Dockerfile's structure (no Docker engine here to build it): the three stages, what the runtime image holds,
// who it runs as and what it runs; and a .dockerignore that keeps the build context to what is copied.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDockerfile, runs, stagesOf } from './dockerfile.ts';
import { configDir, repoRoot } from './kustomize.ts';

const text = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const instructions = parseDockerfile(text);
const stages = stagesOf(instructions);
const runtime = stages.at(-1)!;
const args = Object.fromEntries(
  instructions
    .filter((i) => i.keyword === 'ARG')
    .map((i) => i.args.split('='))
    .map(([name, value]) => [name ?? '', value ?? '']),
);

function resolve(base: string): string {
  return base.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? '');
}

describe('Dockerfile', () => {
  it('has a build stage, a production-dependencies stage and the runtime stage', () => {
    assert.deepEqual(
      stages.map((s) => s.name),
      ['build', 'production-deps', undefined],
    );
  });

  it('builds with every dependency: npm ci, then npm run build', () => {
    const build = stages[0]!;
    assert.deepEqual(runs(build), ['npm ci --no-audit --no-fund', 'npm run build']);
    assert.match(resolve(build.base), /^node:24-/);
  });

  it('installs the runtime dependencies afresh from the lockfile, without dev or optional ones', () => {
    const [install, ...rest] = runs(stages[1]!);
    assert.deepEqual(rest, []);
    assert.match(install ?? '', /^npm ci\b/);
    for (const flag of ['--omit=dev', '--omit=optional', '--ignore-scripts'])
      assert.ok(install?.split(/\s+/).includes(flag), `npm ci without ${flag}`);
    const copies = stages[1]!.instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    assert.deepEqual(copies, ['package.json package-lock.json ./']);
  });

  it('runs on a Node 24 runtime image with no shell steps', () => {
    assert.equal(resolve(runtime.base), 'gcr.io/distroless/nodejs24-debian12:nonroot');
    assert.deepEqual(runs(runtime), []);
  });

  it('copies only dist/, node_modules/, package.json, config/ and crds/ into the runtime image', () => {
    const copied = runtime.instructions
      .filter((i) => i.keyword === 'COPY')
      .map((i) => {
        const words = i.args.split(/\s+/);
        const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length) ?? 'context';
        const sources = words.filter((w) => !w.startsWith('--')).slice(0, -1);
        return `${from}:${sources.join(',')}`;
      })
      .sort();
    assert.deepEqual(copied, [
      'build:/src/dist/',
      'context:config/',
      'context:crds/',
      'context:package.json',
      'production-deps:/src/node_modules/',
    ]);
    assert.ok(!runtime.instructions.some((i) => i.keyword === 'ADD'), 'ADD in the runtime stage');
  });

  it('runs as the non-root UID the Deployment asks for', () => {
    const users = runtime.instructions.filter((i) => i.keyword === 'USER').map((i) => i.args);
    assert.deepEqual(users, ['65532:65532']);
    const manager = readFileSync(join(configDir, 'manager', 'manager.yaml'), 'utf8');
    assert.match(manager, /^ {8}runAsUser: 65532$/m);
  });

  it("starts the CLI's operator command with node as PID 1, in exec form", () => {
    const entrypoints = instructions.filter((i) => i.keyword === 'ENTRYPOINT');
    assert.equal(entrypoints.length, 1);
    assert.deepEqual(JSON.parse(entrypoints[0]!.args), [
      '/nodejs/bin/node',
      '--max-semi-space-size=8',
      '/app/dist/cli/main.js',
      'operator',
    ]);
    const workdir = runtime.instructions.filter((i) => i.keyword === 'WORKDIR').map((i) => i.args);
    assert.deepEqual(workdir, ['/app']);
    assert.ok(
      !instructions.some((i) => i.keyword === 'CMD'),
      'a CMD would be appended to the operator flags',
    );
  });

  it('has no HEALTHCHECK: Kubernetes probes /healthz and /readyz', () => {
    assert.ok(!instructions.some((i) => i.keyword === 'HEALTHCHECK'));
  });

  it('sets NODE_ENV=production in the runtime image', () => {
    const env = runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args);
    assert.ok(env.includes('NODE_ENV=production'), JSON.stringify(env));
  });
});

describe('.dockerignore', () => {
  const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

  it('keeps local installs, build output, VCS data and tests out of the build context', () => {
    for (const entry of ['node_modules', 'dist', '.git', 'test', 'bench', '.env'])
      assert.ok(ignored.includes(entry), `.dockerignore lacks ${entry}`);
  });

  it('keeps everything the Dockerfile copies from the context', () => {
    const fromContext = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from='))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    assert.ok(fromContext.length > 0);
    for (const source of fromContext) {
      const top = source.replace(/\/$/, '').split('/')[0]!;
      assert.ok(!ignored.includes(top), `${source} is copied but ignored`);
    }
  });
});
