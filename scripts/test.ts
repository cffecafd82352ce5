// Runs the test tiers with node's own test runner and prints one combined "N passed, N failed" line.
//
// usage: node scripts/test.ts [tier...]      tiers: unit, integration, reliability (default: all)
//
// Each tier is one `node --test` run so that heavy tiers (a real control plane per file) can run with
// less concurrency than the unit tier. A tier whose folder holds no test files is reported, not skipped
// silently.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

interface Tier {
  readonly name: string;
  readonly dir: string;
  readonly concurrency: number;
  /** Scripts to run before the tier (e.g. building the control plane); a failure fails the run. */
  readonly prepare: readonly string[];
}

const root = join(import.meta.dirname, '..');
const tiers: readonly Tier[] = [
  // The unit tier renders the kustomize install with the pinned kubectl, so it needs the built binaries too.
  { name: 'unit', dir: 'test/unit', concurrency: 2, prepare: ['test/controlplane/build.ts'] },
  { name: 'integration', dir: 'test/integration', concurrency: 1, prepare: ['test/controlplane/build.ts'] },
  { name: 'reliability', dir: 'test/reliability', concurrency: 1, prepare: ['test/controlplane/build.ts'] },
];

function testFiles(dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f))
    .sort();
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !tiers.some((t) => t.name === w));
if (unknown.length > 0) {
  console.error(`unknown test tier(s): ${unknown.join(', ')}; known: ${tiers.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
const selected = tiers.filter((t) => wanted.length === 0 || wanted.includes(t.name));
const countsDir = mkdtempSync(join(tmpdir(), 'mesh-injector-test-'));
let passed = 0;
let failed = 0;
let exitCode = 0;

for (const tier of selected) {
  const files = testFiles(tier.dir);
  if (files.length === 0) {
    console.log(`\n== ${tier.name}: no test files in ${tier.dir}`);
    continue;
  }
  for (const script of tier.prepare) {
    if (!existsSync(join(root, script))) continue;
    const prep = spawnSync(process.execPath, [script], { cwd: root, stdio: 'inherit' });
    if (prep.status !== 0) {
      console.error(
        `\n== ${tier.name}: preparation step ${script} failed (exit ${prep.status ?? prep.signal})`,
      );
      process.exit(1);
    }
  }
  console.log(`\n== ${tier.name}: ${files.length} file(s)`);
  const countsFile = join(countsDir, `${tier.name}.json`);
  const run = spawnSync(
    process.execPath,
    [
      '--test',
      `--test-concurrency=${tier.concurrency}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${join(root, 'scripts/count-reporter.ts')}`,
      `--test-reporter-destination=${countsFile}`,
      ...files,
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, MESH_INJECTOR_TEST_TIER: tier.name } },
  );
  if (run.status !== 0) exitCode = 1;
  if (existsSync(countsFile)) {
    const counts = JSON.parse(readFileSync(countsFile, 'utf8')) as { passed: number; failed: number };
    passed += counts.passed;
    failed += counts.failed;
    console.log(`== ${tier.name}: ${counts.passed} passed, ${counts.failed} failed`);
  } else {
    console.log(`== ${tier.name}: the runner wrote no counts (${relative(root, countsFile)})`);
    exitCode = 1;
  }
}
rmSync(countsDir, { recursive: true, force: true });
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : exitCode);
