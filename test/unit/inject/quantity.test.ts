import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  QuantityError,
  canonicalQuantity,
  canonicalizePodQuantities,
  formatQuantity,
  parseQuantity,
  quantityToString,
} from '../../../src/inject/quantity.ts';
import type { JsonObject } from '../../../src/inject/types.ts';

describe('canonicalQuantity: the text the API server writes back', () => {
  const cases: [input: string | number, want: string][] = [
    // Decimal: largest multiple-of-3 exponent without a fraction.
    ['2000m', '2'],
    ['4000m', '4'],
    ['0.5', '500m'],
    ['1.5', '1500m'],
    ['1000M', '1G'],
    ['0.001', '1m'],
    ['1080m', '1080m'],
    ['1.08', '1080m'],
    ['0.000001', '1u'],
    ['1000000000n', '1'],
    // Binary: largest power of 1024 that divides, decimal below 1024 or for fractions.
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Mi', '512Ki'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    ['100.035Ki', '102435840m'],
    ['8Ki', '8Ki'],
    ['1024Ki', '1Mi'],
    ['9Ei', '9223372036854775807'],
    // Exponent notation keeps its family.
    ['1e3', '1e3'],
    ['1e14', '100e12'],
    ['1.3E+6', '1300e3'],
    ['1.1E-9', '2e-9'],
    ['1e21', '1e21'],
    // Rounding up to whole nano units.
    ['3.001n', '4n'],
    ['0.00000012345', '124n'],
    ['0.0000000001', '1n'],
    ['-0.0000000001', '-1n'],
    // Signs and zeros.
    ['-1024Mi', '-1Gi'],
    ['-1.5', '-1500m'],
    ['0', '0'],
    ['0m', '0'],
    ['-0', '0'],
    ['0Gi', '0'],
    // Text Kubernetes judges canonical is kept verbatim.
    ['100m', '100m'],
    ['128Mi', '128Mi'],
    ['1E3', '1E3'],
    ['+1', '+1'],
    ['01', '01'],
    ['1.', '1.'],
    ['5.444T', '5.444T'],
    ['12E', '12E'],
    // Kubernetes' scanner reads degenerate numbers as zero.
    ['Ki', '0'],
    ['.', '0'],
    // Numbers arrive from YAML.
    [1, '1'],
    [0.5, '500m'],
    [2048, '2048'],
    // Beyond the largest decimal suffix we write an exponent (Kubernetes drops the suffix).
    ['1000E', '1e21'],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} -> ${want}`, () => {
      assert.equal(canonicalQuantity(input), want);
    });
  }
});

describe('parseQuantity', () => {
  const cases: [input: string, mantissa: bigint, exponent: number, format: string][] = [
    ['50k', 50n, 3, 'DecimalSI'],
    ['1Ki', 1024n, 0, 'BinarySI'],
    ['7Mi', 7n * 1024n * 1024n, 0, 'BinarySI'],
    ['10.035M', 10035n, 3, 'DecimalSI'],
    ['1.2e3', 12n, 2, 'DecimalExponent'],
    ['-3m', -3n, -3, 'DecimalSI'],
    ['0.5Ki', 5120n, -1, 'BinarySI'],
    ['9223372036854775807Ki', (1n << 63n) - 1n, 0, 'BinarySI'],
    ['0.000000000001Ki', 2n, -9, 'DecimalSI'],
  ];
  for (const [input, mantissa, exponent, format] of cases) {
    it(`${input} is ${mantissa}e${exponent} (${format})`, () => {
      const q = parseQuantity(input);
      // Compare values, not representations: scale the two mantissas to a common exponent.
      const common = Math.min(q.exponent, exponent);
      assert.equal(
        q.mantissa * 10n ** BigInt(q.exponent - common),
        mantissa * 10n ** BigInt(exponent - common),
      );
      assert.equal(q.format, format);
    });
  }

  it('formatQuantity ignores the remembered text; quantityToString uses it', () => {
    const q = parseQuantity('1E3');
    assert.equal(q.verbatim, '1E3');
    assert.equal(formatQuantity(q), '1e3');
    assert.equal(quantityToString(q), '1E3');
    assert.equal(parseQuantity('2000m').verbatim, undefined);
  });

  it('huge exponents stay symbolic', () => {
    assert.equal(canonicalQuantity('1e999999999'), '1e999999999');
    assert.equal(canonicalQuantity('5e-999999999'), '1e-9');
  });
});

describe('parseQuantity errors say what is wrong', () => {
  const cases: [input: string, reason: RegExp][] = [
    ['', /empty string/],
    ['1.1.M', /unexpected "\." at offset 3/],
    ['1+1.0M', /unexpected "\." at offset 3/],
    ['0.1am', /unexpected "a" at offset 3/],
    ['aoeu', /unexpected "a" at offset 0/],
    [' 1', /unexpected " " at offset 0/],
    ['1 ', /unexpected " " at offset 1/],
    ['0.1mi', /unknown suffix "mi"/],
    ['1i', /unknown suffix "i"/],
    ['1e', /unknown suffix "e"/],
    ['100MB', /unexpected "B" at offset 4/],
    ['5kM', /unknown suffix "kM"/],
    ['-3.01e-', /malformed exponent "e-"/],
    ['1e9999999999', /exponent 9999999999 is out of range/],
  ];
  for (const [input, reason] of cases) {
    it(JSON.stringify(input), () => {
      assert.throws(
        () => parseQuantity(input),
        (error: unknown) => {
          assert.ok(error instanceof QuantityError);
          assert.equal(error.input, input);
          assert.match(error.reason, reason);
          assert.match(error.message, /^invalid quantity /);
          return true;
        },
      );
    });
  }

  it('rejects non-finite numbers', () => {
    assert.throws(() => canonicalQuantity(Number.POSITIVE_INFINITY), QuantityError);
  });
});

describe('canonicalizePodQuantities', () => {
  it('rewrites resources, overhead, sizeLimit and ephemeral claims; leaves other fields alone', () => {
    const pod: JsonObject = {
      metadata: { annotations: { 'sidecar.istio.io/proxyCPU': '2000m' } },
      spec: {
        overhead: { cpu: '250m', memory: '1024Ki' },
        resources: { limits: { cpu: 2 } },
        containers: [
          { name: 'a', resources: { requests: { cpu: '1000m', memory: '1024Mi' }, limits: { cpu: 0.5 } } },
        ],
        initContainers: [{ name: 'i', resources: {} }],
        volumes: [
          { name: 'e', emptyDir: { medium: 'Memory', sizeLimit: '1024Mi' } },
          {
            name: 'x',
            ephemeral: { volumeClaimTemplate: { spec: { resources: { requests: { storage: '1000Mi' } } } } },
          },
        ],
      },
    };
    const before = structuredClone(pod);
    assert.deepEqual(canonicalizePodQuantities(pod), {
      metadata: { annotations: { 'sidecar.istio.io/proxyCPU': '2000m' } },
      spec: {
        overhead: { cpu: '250m', memory: '1Mi' },
        resources: { limits: { cpu: '2' } },
        containers: [
          { name: 'a', resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '500m' } } },
        ],
        initContainers: [{ name: 'i', resources: {} }],
        volumes: [
          { name: 'e', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
          {
            name: 'x',
            ephemeral: { volumeClaimTemplate: { spec: { resources: { requests: { storage: '1000Mi' } } } } },
          },
        ],
      },
    });
    assert.deepEqual(pod, before);
  });

  it('names the field of a bad quantity', () => {
    const pod: JsonObject = {
      spec: { containers: [{ name: 'a' }, { name: 'b', resources: { limits: { memory: '1GB' } } }] },
    };
    assert.throws(
      () => canonicalizePodQuantities(pod),
      (error: unknown) => {
        assert.ok(error instanceof QuantityError);
        assert.equal(error.path, 'spec.containers[1].resources.limits.memory');
        assert.equal(
          error.message,
          'spec.containers[1].resources.limits.memory: invalid quantity "1GB": unexpected "B" at offset 2',
        );
        return true;
      },
    );
  });
});
