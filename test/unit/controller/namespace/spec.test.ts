import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_SPEC,
  parseDuration,
  parseMeshInjectionSpec,
} from '../../../../src/controller/namespace/spec.ts';

describe('parseDuration', () => {
  const cases: [string, number | undefined][] = [
    ['0', 0],
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['250ms', 250],
    ['2h3m4s5ms', 7_384_005],
    ['', undefined],
    ['10', undefined],
    ['s', undefined],
    ['10x', undefined],
    ['-1s', undefined],
    ['1s ', undefined],
    ['1us', undefined],
  ];
  for (const [text, want] of cases) {
    it(`${JSON.stringify(text)} -> ${String(want)}`, () => {
      assert.equal(parseDuration(text), want);
    });
  }
});

describe('parseMeshInjectionSpec', () => {
  it('gives the defaults for an absent or empty spec', () => {
    assert.deepEqual(parseMeshInjectionSpec(undefined), { spec: DEFAULT_SPEC, problems: [] });
    assert.deepEqual(parseMeshInjectionSpec({}), { spec: DEFAULT_SPEC, problems: [] });
  });

  it('reads every field', () => {
    const { spec, problems } = parseMeshInjectionSpec({
      restartPolicy: 'Manual',
      maxConcurrentRestarts: 5,
      restartInterval: '1m',
      excludeWorkloads: [{ kind: 'Deployment', name: 'db' }],
      allowBarePodDeletion: true,
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(spec, {
      restartPolicy: 'Manual',
      maxConcurrentRestarts: 5,
      restartIntervalMs: 60_000,
      excludeWorkloads: [{ kind: 'Deployment', name: 'db' }],
      allowBarePodDeletion: true,
    });
  });

  const bad: [string, Record<string, unknown>, RegExp, keyof typeof DEFAULT_SPEC][] = [
    [
      'an unknown restartPolicy',
      { restartPolicy: 'Always' },
      /^spec\.restartPolicy: "Always"/,
      'restartPolicy',
    ],
    [
      'maxConcurrentRestarts 0',
      { maxConcurrentRestarts: 0 },
      /^spec\.maxConcurrentRestarts: 0 /,
      'maxConcurrentRestarts',
    ],
    [
      'a fractional maxConcurrentRestarts',
      { maxConcurrentRestarts: 1.5 },
      /maxConcurrentRestarts/,
      'maxConcurrentRestarts',
    ],
    [
      'a bad restartInterval',
      { restartInterval: 'soon' },
      /^spec\.restartInterval: "soon"/,
      'restartIntervalMs',
    ],
    [
      'a non-boolean allowBarePodDeletion',
      { allowBarePodDeletion: 'yes' },
      /allowBarePodDeletion/,
      'allowBarePodDeletion',
    ],
  ];
  for (const [name, raw, problem, field] of bad) {
    it(`falls back to the default for ${name} and names the field`, () => {
      const got = parseMeshInjectionSpec(raw as never);
      assert.equal(got.problems.length, 1);
      assert.match(got.problems[0] ?? '', problem);
      assert.deepEqual(got.spec[field], DEFAULT_SPEC[field]);
    });
  }

  it('drops malformed excludeWorkloads entries, naming each', () => {
    const got = parseMeshInjectionSpec({
      excludeWorkloads: [{ kind: 'Deployment', name: 'ok' }, { kind: 'Service', name: 'x' }, { kind: 'Job' }],
    });
    assert.deepEqual(got.spec.excludeWorkloads, [{ kind: 'Deployment', name: 'ok' }]);
    assert.equal(got.problems.length, 2);
    assert.match(got.problems[0] ?? '', /^spec\.excludeWorkloads\[1\]/);
    assert.match(got.problems[1] ?? '', /^spec\.excludeWorkloads\[2\]/);
  });

  it('uses the defaults when spec is not an object', () => {
    const got = parseMeshInjectionSpec('Rolling');
    assert.deepEqual(got.spec, DEFAULT_SPEC);
    assert.match(got.problems[0] ?? '', /^spec: want an object/);
  });
});
