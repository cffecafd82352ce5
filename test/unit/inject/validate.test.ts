import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AnnotationValidationError,
  checkAnnotations,
  parseGoBool,
  validateAnnotations,
  validatedAnnotations,
} from '../../../src/inject/validate.ts';

// One table per annotation: values Istio accepts, values it rejects (with a fragment of the reason).
const table: readonly {
  annotation: string;
  valid: readonly string[];
  invalid: readonly [string, RegExp][];
}[] = [
  {
    annotation: 'sidecar.istio.io/interceptionMode',
    valid: ['REDIRECT', 'TPROXY', 'NONE'],
    invalid: [
      ['redirect', /interceptionMode invalid, use REDIRECT,TPROXY,NONE: redirect/],
      ['', /interceptionMode invalid/],
    ],
  },
  {
    annotation: 'status.sidecar.istio.io/port',
    valid: ['15020', '0', '65535', ' 15021 ', '0080'],
    invalid: [
      ['65536', /failed parsing port '65536': .*value out of range/],
      ['-1', /invalid syntax/],
      ['http', /failed parsing port 'http'/],
    ],
  },
  {
    annotation: 'readiness.status.sidecar.istio.io/initialDelaySeconds',
    valid: ['0', '10', '4294967295'],
    invalid: [
      ['4294967296', /parsing "4294967296": value out of range/],
      [' 10', /parsing " 10": invalid syntax/],
      ['1.5', /invalid syntax/],
    ],
  },
  {
    annotation: 'readiness.status.sidecar.istio.io/periodSeconds',
    valid: ['2'],
    invalid: [['2s', /invalid syntax/]],
  },
  {
    annotation: 'readiness.status.sidecar.istio.io/failureThreshold',
    valid: ['30'],
    invalid: [['+3', /invalid syntax/]],
  },
  {
    annotation: 'traffic.sidecar.istio.io/includeOutboundIPRanges',
    valid: ['*', '', '10.0.0.0/8', '10.0.0.0/8,192.168.0.0/16', 'fd00::/8', '10.1.2.3/32,::1/128'],
    invalid: [
      ['10.0.0.0/8, 192.168.0.0/16', /includeIPRanges invalid: failed parsing cidr ' 192.168.0.0\/16'/],
      ['10.0.0.0', /no '\/'/],
      ['10.0.0.0/33', /prefix length out of range/],
      ['*,10.0.0.0/8', /failed parsing cidr '\*'/],
      ['10.0.0.0/8,', /failed parsing cidr ''/],
    ],
  },
  {
    annotation: 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
    valid: ['', '169.254.169.254/32'],
    invalid: [
      ['*', /excludeIPRanges invalid: failed parsing cidr '\*'/],
      ['010.0.0.0/8', /unable to parse IP/],
    ],
  },
  {
    annotation: 'traffic.sidecar.istio.io/includeInboundPorts',
    valid: ['*', '', '8080', '80, 443', ' 9080 '],
    invalid: [
      ['8000:8100', /includeInboundPorts invalid: failed parsing port '8000:8100'/],
      ['80,,90', /failed parsing port ''/],
      ['70000', /value out of range/],
    ],
  },
  {
    annotation: 'traffic.sidecar.istio.io/excludeInboundPorts',
    valid: ['15090,15021'],
    invalid: [['*', /excludeInboundPorts invalid: failed parsing port '\*'/]],
  },
  {
    annotation: 'traffic.sidecar.istio.io/excludeOutboundPorts',
    valid: ['3306', ''],
    invalid: [['mysql', /excludeOutboundPorts invalid: failed parsing port 'mysql'/]],
  },
  {
    annotation: 'traffic.sidecar.istio.io/excludeInterfaces',
    valid: ['eth1', 'eth1,net1', ''],
    invalid: [
      ['eth1;rm', /may only hold letters/],
      ['averyveryverylongname', /longer than 15/],
    ],
  },
  {
    annotation: 'traffic.sidecar.istio.io/kubevirtInterfaces',
    valid: ['k6t-eth0'],
    invalid: [['-bad', /may only hold letters/]],
  },
  {
    annotation: 'istio.io/reroute-virtual-interfaces',
    valid: ['tap0'],
    invalid: [['tap 0', /may only hold letters/]],
  },
  {
    annotation: 'prometheus.istio.io/merge-metrics',
    valid: ['true', 'false', '1', '0', 'T', 'F', 'TRUE', 'False'],
    invalid: [
      ['yes', /strconv.ParseBool: parsing "yes": invalid syntax/],
      ['tRUE', /invalid syntax/],
    ],
  },
  {
    annotation: 'proxy.istio.io/config',
    valid: [
      '',
      'holdApplicationUntilProxyStarts: true',
      '{"statusPort": 15021}',
      'concurrency: 2\nproxyMetadata:\n  A: b',
    ],
    invalid: [
      ['statusPort: 70000', /not a valid ProxyConfig: .*statusPort/],
      ['interceptionMode: SOMETIMES', /not a valid ProxyConfig: .*interceptionMode/],
      ['- a\n- b', /not a valid ProxyConfig/],
      ['holdApplicationUntilProxyStarts: [', /not a valid ProxyConfig/],
    ],
  },
  {
    annotation: 'sidecar.istio.io/proxyCPU',
    valid: ['100m', '2'],
    invalid: [
      ['100m\n', /control characters/],
      ['100 m', /not a resource quantity/],
      ['1.5.5', /not a resource quantity/],
    ],
  },
  {
    annotation: 'sidecar.istio.io/proxyMemory',
    valid: ['128Mi'],
    invalid: [
      ['128Mi\u0000', /control characters/],
      ['128MB', /not a resource quantity: unexpected "B"/],
    ],
  },
  {
    annotation: 'sidecar.istio.io/proxyCPULimit',
    valid: ['2000m'],
    invalid: [['\t1', /control characters/]],
  },
  {
    annotation: 'sidecar.istio.io/proxyMemoryLimit',
    valid: ['1Gi'],
    invalid: [['1Gi\u007f', /control characters/]],
  },
];

describe('validateAnnotations, per annotation', () => {
  for (const entry of table) {
    for (const value of entry.valid) {
      it(`${entry.annotation} accepts ${JSON.stringify(value)}`, () => {
        assert.deepEqual(validateAnnotations({ [entry.annotation]: value }), []);
      });
    }
    for (const [value, reason] of entry.invalid) {
      it(`${entry.annotation} rejects ${JSON.stringify(value)}`, () => {
        const problems = validateAnnotations({ [entry.annotation]: value });
        assert.equal(problems.length, 1);
        const problem = problems[0];
        assert.ok(problem);
        assert.equal(problem.annotation, entry.annotation);
        assert.equal(problem.value, value);
        assert.match(problem.reason, reason);
      });
    }
  }
});

describe('validateAnnotations, as a whole', () => {
  it('covers every annotation of the table', () => {
    assert.deepEqual(validatedAnnotations, [...new Set(table.map((t) => t.annotation))].sort());
  });

  it("writes each problem in Istio's message shape", () => {
    const [problem] = validateAnnotations({ 'sidecar.istio.io/interceptionMode': 'MAGIC' });
    assert.equal(
      problem?.message,
      "invalid value 'MAGIC' for annotation 'sidecar.istio.io/interceptionMode': interceptionMode invalid, use REDIRECT,TPROXY,NONE: MAGIC",
    );
  });

  it('reports every invalid annotation, sorted by name, whatever the input order', () => {
    const problems = validateAnnotations({
      'traffic.sidecar.istio.io/excludeInboundPorts': 'x',
      'prometheus.istio.io/merge-metrics': 'maybe',
      'status.sidecar.istio.io/port': 'p',
    });
    assert.deepEqual(
      problems.map((p) => p.annotation),
      [
        'prometheus.istio.io/merge-metrics',
        'status.sidecar.istio.io/port',
        'traffic.sidecar.istio.io/excludeInboundPorts',
      ],
    );
  });

  it('ignores annotations it does not validate, including includeOutboundPorts as Istio does', () => {
    assert.deepEqual(
      validateAnnotations({ 'traffic.sidecar.istio.io/includeOutboundPorts': 'not-a-port', app: '???' }),
      [],
    );
  });

  it('checkAnnotations throws one error joining every problem', () => {
    assert.throws(
      () => {
        checkAnnotations({ 'sidecar.istio.io/interceptionMode': 'X', 'status.sidecar.istio.io/port': 'Y' });
      },
      (error: unknown) => {
        assert.ok(error instanceof AnnotationValidationError);
        assert.equal(error.problems.length, 2);
        assert.match(
          error.message,
          /^invalid value 'X' for annotation .*; invalid value 'Y' for annotation /,
        );
        return true;
      },
    );
  });

  it('checkAnnotations passes valid annotations', () => {
    assert.doesNotThrow(() => {
      checkAnnotations({ 'sidecar.istio.io/interceptionMode': 'TPROXY' });
    });
  });
});

describe('parseGoBool', () => {
  const cases: readonly [string, boolean | undefined][] = [
    ['1', true],
    ['t', true],
    ['True', true],
    ['0', false],
    ['f', false],
    ['FALSE', false],
    ['yes', undefined],
    ['', undefined],
  ];
  for (const [text, want] of cases) {
    it(`${JSON.stringify(text)} -> ${String(want)}`, () => {
      assert.equal(parseGoBool(text), want);
    });
  }
});

describe('validateAnnotations and prototype names', () => {
  it("ignores annotations named like Object.prototype's members", () => {
    // Parsed JSON, as annotations arrive: `__proto__` is then an own key, not the prototype.
    const annotations = JSON.parse(
      '{"constructor":"ca","toString":"x","__proto__":"y","isPrototypeOf":"z","hasOwnProperty":"w"}',
    ) as Record<string, string>;
    assert.equal(Object.keys(annotations).length, 5);
    assert.deepEqual(validateAnnotations(annotations), []);
  });
});
