// The injection golden suite: every directory under test/fixtures/golden/ is one case (see harness.ts for the
// layout). kube-inject cases run the CLI in-process; webhook cases run the Injector on a pod shaped as the API
// server sends it, apply the returned JSON patch to that pod, and check that the patched pod is the injected
// one. Every case that injects is then injected again from its own output and must come back unchanged.
//
// Refresh: REFRESH_GOLDEN=1 ./node_modules/.bin/node --test test/unit/inject/golden/golden.test.ts
// then review every changed out.yaml by hand against the reference and the seeds.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isJsonObject } from '../../../../src/inject/types.ts';
import {
  applyPatch,
  assertExpectedError,
  assertExpectedOutput,
  envValues,
  injectAsWebhook,
  kubeInjectArgs,
  loadCases,
  parseStream,
  proxyOf,
  relativeToCase,
  runCli,
  toYaml,
  webhookInjector,
  webhookNamespace,
  webhookPod,
  type GoldenCase,
} from './harness.ts';

const cases = loadCases();

async function runKubeInjectCase(c: GoldenCase): Promise<void> {
  const filename =
    c.spec.filename === undefined ? c.inputFile! : c.spec.filename.replace(/^\.\//, `${c.dir}/`);
  const run = await runCli(kubeInjectArgs(c, filename));
  if (c.errorFile !== undefined) {
    assert.equal(run.code, c.spec.exitCode, `${c.name}: exit code (stderr: ${run.stderr})`);
    // Nothing half-written: an error produces no output at all.
    assert.equal(run.stdout, '', `${c.name}: no output on error`);
    assertExpectedError(c, run.stderr);
    return;
  }
  assert.equal(run.code, 0, `${c.name}: exit code (stderr: ${run.stderr})`);
  const stderrLines = relativeToCase(c, run.stderr)
    .split('\n')
    .filter((l) => l !== '');
  assert.deepStrictEqual(stderrLines, [...c.spec.warnings], `${c.name}: stderr`);
  assertExpectedOutput(c, run.stdout);

  // Re-injection: the output fed back through kube-inject (from stdin) must come back the same.
  const again = await runCli(kubeInjectArgs(c, '-'), run.stdout);
  assert.equal(again.code, 0, `${c.name}: re-injection exit code (stderr: ${again.stderr})`);
  assertSameStream(c, again.stdout, run.stdout);
}

function assertSameStream(c: GoldenCase, actual: string, expected: string): void {
  assert.deepStrictEqual(
    parseStream(actual, `${c.name} re-injected output`),
    parseStream(expected, `${c.name} output`),
    `${c.name}: re-injecting the output changed it`,
  );
}

function runWebhookCase(c: GoldenCase): void {
  const pod = webhookPod(c);
  let injector;
  let result;
  try {
    injector = webhookInjector(c);
    result = injectAsWebhook(injector, c, pod);
  } catch (err) {
    if (c.errorFile === undefined) throw err;
    assert.ok(err instanceof Error, `${c.name}: throws an Error`);
    assertExpectedError(c, err.message);
    return;
  }
  assert.equal(c.errorFile, undefined, `${c.name}: expected an error, the pod was ${result.kind}`);
  if (c.spec.skip !== undefined) {
    assert.equal(result.kind, 'skipped', `${c.name}: should be skipped`);
    assert.equal(result.decision.reason, c.spec.skip, `${c.name}: skip reason`);
    return;
  }
  if (result.kind !== 'injected') assert.fail(`${c.name}: should be injected (${result.decision.message})`);
  assertExpectedOutput(c, toYaml(result.pod));

  // The admission response carries only the patch. The API server applies it to the pod it holds, which by then
  // has the request's namespace; managedFields are left out of the diff and must survive the patch untouched.
  const metadata = isJsonObject(pod.metadata) ? pod.metadata : {};
  const base = structuredClone(pod);
  if (isJsonObject(base.metadata) && base.metadata.namespace === undefined) {
    base.metadata.namespace = webhookNamespace(c, pod);
  }
  const patched = applyPatch(base, result.patch);
  assert.ok(isJsonObject(patched) && isJsonObject(patched.metadata), `${c.name}: patched pod`);
  assert.deepStrictEqual(patched.metadata.managedFields, metadata.managedFields, `${c.name}: managedFields`);
  Reflect.deleteProperty(patched.metadata, 'managedFields');
  assert.deepStrictEqual(patched, result.pod, `${c.name}: the patched pod is the injected pod`);
  const proxy = proxyOf(result.pod);
  assert.ok(proxy !== undefined, `${c.name}: injected pod has istio-proxy`);
  const env = envValues(proxy);
  for (const [name, value] of Object.entries(c.spec.proxyEnv)) {
    assert.equal(env[name], value, `${c.name}: istio-proxy env ${name}`);
  }

  // Reinvocation (reinvocationPolicy IfNeeded): the injected pod comes back unchanged, with an empty patch.
  const again = injectAsWebhook(injector, c, result.pod);
  if (again.kind !== 'injected') assert.fail(`${c.name}: the injected pod was not re-injected`);
  assert.deepStrictEqual(again.pod, result.pod, `${c.name}: re-injecting changed the pod`);
  assert.deepStrictEqual(again.patch, [], `${c.name}: re-injection patch`);
}

describe('injection golden cases', () => {
  it('has at least 60 cases, each with a description', () => {
    assert.ok(cases.length >= 60, `only ${cases.length} golden cases`);
  });

  for (const c of cases) {
    it(`${c.name} (${c.spec.mode}): ${c.spec.description}`, async () => {
      if (c.spec.mode === 'webhook') runWebhookCase(c);
      else await runKubeInjectCase(c);
    });
  }

  it('every input file is read by its case', () => {
    for (const c of cases) {
      if (c.inputFile !== undefined)
        assert.ok(readFileSync(c.inputFile, 'utf8').trim() !== '', `${c.name}: empty input`);
    }
  });
});
