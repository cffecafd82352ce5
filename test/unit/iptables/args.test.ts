import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import {
  captureArgs,
  CaptureInputError,
  initContainerPlan,
  parseCaptureArgs,
  type CaptureInput,
} from '../../../src/iptables/index.ts';
import { formatGoFloat, withStatusPort } from '../../../src/iptables/args.ts';

/** The args the seed shows for a pod with no capture annotations. */
const SEED_ARGS = [
  'istio-iptables',
  ...['-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT'],
  ...['-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020'],
  '--log_output_level=default:info',
];

const withAnnotations = (annotations: Record<string, string>, rest: CaptureInput = {}): string[] =>
  captureArgs({ ...rest, annotations });

/** The value following `flag` in an argument list, or undefined when the flag is absent. */
function flagValue(args: readonly string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at < 0 ? undefined : args[at + 1];
}

test('no annotations, no values, no mesh settings: the seed args', () => {
  assert.deepEqual(captureArgs({}), SEED_ARGS);
});

describe('mesh settings', () => {
  it('proxyListenPort and proxyInboundListenPort set -p and -z', () => {
    const args = captureArgs({ mesh: { proxyListenPort: 16001, proxyInboundListenPort: 16006 } });
    assert.equal(flagValue(args, '-p'), '16001');
    assert.equal(flagValue(args, '-z'), '16006');
  });

  it('a zero port falls back to the default, as the template default does', () => {
    const args = captureArgs({ mesh: { proxyListenPort: 0, proxyInboundListenPort: 0 } });
    assert.equal(flagValue(args, '-p'), '15001');
    assert.equal(flagValue(args, '-z'), '15006');
  });

  it('the proxy uid sets -u; uid 0 falls back to 1337', () => {
    assert.equal(flagValue(captureArgs({ mesh: { proxyUID: 1000770000 } }), '-u'), '1000770000');
    assert.equal(flagValue(captureArgs({ mesh: { proxyUID: 0 } }), '-u'), '1337');
  });

  it('the default interception mode comes from ProxyConfig', () => {
    assert.equal(flagValue(captureArgs({ mesh: { interceptionMode: 'TPROXY' } }), '-m'), 'TPROXY');
  });
});

describe('sidecar.istio.io/interceptionMode', () => {
  it('overrides the mesh default', () => {
    const args = withAnnotations(
      { 'sidecar.istio.io/interceptionMode': 'REDIRECT' },
      { mesh: { interceptionMode: 'TPROXY' } },
    );
    assert.equal(flagValue(args, '-m'), 'REDIRECT');
  });

  it('TPROXY pins -u to 1337 whatever the proxy uid', () => {
    const args = withAnnotations(
      { 'sidecar.istio.io/interceptionMode': 'TPROXY' },
      { mesh: { proxyUID: 1000 } },
    );
    assert.equal(flagValue(args, '-m'), 'TPROXY');
    assert.equal(flagValue(args, '-u'), '1337');
  });

  it('NONE means no init container', () => {
    assert.equal(
      initContainerPlan({ annotations: { 'sidecar.istio.io/interceptionMode': 'NONE' } }),
      undefined,
    );
    assert.equal(initContainerPlan({ mesh: { interceptionMode: 'NONE' } }), undefined);
  });
});

describe('outbound IP ranges (-i, -x)', () => {
  it('annotations win over values', () => {
    const args = withAnnotations(
      {
        'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.0.0.0/8',
        'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.96.0.1/32',
      },
      { values: { global: { proxy: { includeIPRanges: '172.16.0.0/12', excludeIPRanges: '1.1.1.1/32' } } } },
    );
    assert.equal(flagValue(args, '-i'), '10.0.0.0/8');
    assert.equal(flagValue(args, '-x'), '10.96.0.1/32');
  });

  it('values apply when the annotations are absent', () => {
    const args = captureArgs({
      values: { global: { proxy: { includeIPRanges: '172.16.0.0/12', excludeIPRanges: '1.1.1.1/32' } } },
    });
    assert.equal(flagValue(args, '-i'), '172.16.0.0/12');
    assert.equal(flagValue(args, '-x'), '1.1.1.1/32');
  });

  it('an empty annotation is kept: -i "" captures no outbound destination', () => {
    const args = withAnnotations({ 'traffic.sidecar.istio.io/includeOutboundIPRanges': '' });
    assert.equal(flagValue(args, '-i'), '');
  });
});

describe('inbound ports (-b, -d)', () => {
  it('includeInboundPorts annotation, then values, then *', () => {
    assert.equal(
      flagValue(withAnnotations({ 'traffic.sidecar.istio.io/includeInboundPorts': '8080' }), '-b'),
      '8080',
    );
    assert.equal(
      flagValue(captureArgs({ values: { global: { proxy: { includeInboundPorts: '9090' } } } }), '-b'),
      '9090',
    );
    assert.equal(
      flagValue(withAnnotations({ 'traffic.sidecar.istio.io/includeInboundPorts': '' }), '-b'),
      '',
    );
  });

  it('excludeInboundPorts comes after Envoy ports, with the status port appended', () => {
    const args = withAnnotations({ 'traffic.sidecar.istio.io/excludeInboundPorts': '4,5,6' });
    assert.equal(flagValue(args, '-d'), '15090,15021,4,5,6,15020');
  });

  it('the status port annotation replaces the values status port', () => {
    const args = withAnnotations({ 'status.sidecar.istio.io/port': '15999' });
    assert.equal(flagValue(args, '-d'), '15090,15021,15999');
  });

  it('status port 0 adds nothing, leaving only Envoy ports when nothing else is excluded', () => {
    assert.equal(flagValue(withAnnotations({ 'status.sidecar.istio.io/port': '0' }), '-d'), '15090,15021');
  });

  it('a status port already excluded is not repeated', () => {
    const args = withAnnotations({ 'traffic.sidecar.istio.io/excludeInboundPorts': '15020,8080' });
    assert.equal(flagValue(args, '-d'), '15090,15021,15020,8080');
  });

  it('values excludeInboundPorts and statusPort (a JSON number) are used', () => {
    const args = captureArgs({
      values: { global: { proxy: { excludeInboundPorts: '7070', statusPort: 15030 } } },
    });
    assert.equal(flagValue(args, '-d'), '15090,15021,7070,15030');
  });
});

describe('outbound ports (-q, -o)', () => {
  it('appear only when an annotation or a value sets them', () => {
    const args = captureArgs({});
    assert.equal(args.includes('-q'), false);
    assert.equal(args.includes('-o'), false);
  });

  it('annotations set them, even to an empty list', () => {
    const args = withAnnotations({
      'traffic.sidecar.istio.io/includeOutboundPorts': '',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '22,3306',
    });
    assert.equal(flagValue(args, '-q'), '');
    assert.equal(flagValue(args, '-o'), '22,3306');
  });

  it('values set them when non-empty', () => {
    const args = captureArgs({
      values: { global: { proxy: { includeOutboundPorts: '8443', excludeOutboundPorts: '5432' } } },
    });
    assert.equal(flagValue(args, '-q'), '8443');
    assert.equal(flagValue(args, '-o'), '5432');
  });
});

describe('interfaces (-k, -c)', () => {
  it('istio.io/reroute-virtual-interfaces wins over the deprecated kubevirtInterfaces', () => {
    const args = withAnnotations({
      'istio.io/reroute-virtual-interfaces': 'eth1',
      'traffic.sidecar.istio.io/kubevirtInterfaces': 'eth2',
    });
    assert.equal(flagValue(args, '-k'), 'eth1');
    assert.equal(args.filter((a) => a === '-k').length, 1);
  });

  it('kubevirtInterfaces alone still sets -k', () => {
    assert.equal(
      flagValue(withAnnotations({ 'traffic.sidecar.istio.io/kubevirtInterfaces': 'eth2' }), '-k'),
      'eth2',
    );
  });

  it('excludeInterfaces sets -c', () => {
    assert.equal(
      flagValue(withAnnotations({ 'traffic.sidecar.istio.io/excludeInterfaces': 'net1' }), '-c'),
      'net1',
    );
  });
});

describe('logging and mode flags', () => {
  it('agentLogLevel annotation, else global.logging.level', () => {
    assert.ok(
      withAnnotations({ 'sidecar.istio.io/agentLogLevel': 'debug' }).includes('--log_output_level=debug'),
    );
    const args = captureArgs({ values: { global: { logging: { level: 'default:warn' } } } });
    assert.ok(args.includes('--log_output_level=default:warn'));
  });

  it('global.logAsJson adds --log_as_json', () => {
    assert.ok(captureArgs({ values: { global: { logAsJson: true } } }).includes('--log_as_json'));
  });

  it('Istio CNI: validation only, in istio-validation; forceApplyIptables is ignored then', () => {
    const input: CaptureInput = {
      values: { pilot: { cni: { enabled: true } }, global: { proxy_init: { forceApplyIptables: true } } },
    };
    const plan = initContainerPlan(input);
    assert.equal(plan?.name, 'istio-validation');
    assert.deepEqual(plan.args.slice(-2), ['--run-validation', '--skip-rule-apply']);
    assert.equal(plan.args.includes('--force-apply'), false);
  });

  it('forceApplyIptables and nativeNftables add their flags, in template order', () => {
    const args = captureArgs({
      values: { global: { proxy_init: { forceApplyIptables: true }, nativeNftables: true } },
    });
    assert.deepEqual(args.slice(-2), ['--force-apply', '--native-nftables']);
  });
});

test('every optional flag, in the template order', () => {
  const args = captureArgs({
    annotations: {
      'traffic.sidecar.istio.io/includeOutboundPorts': '8443',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '22',
      'traffic.sidecar.istio.io/kubevirtInterfaces': 'eth1',
      'traffic.sidecar.istio.io/excludeInterfaces': 'net1',
    },
    values: { global: { logAsJson: true } },
  });
  assert.deepEqual(args.slice(SEED_ARGS.length - 1), [
    ...['-q', '8443', '-o', '22', '-k', 'eth1', '-c', 'net1'],
    '--log_output_level=default:info',
    '--log_as_json',
  ]);
});

test('initContainerPlan: istio-init with the proxy metadata as env, sorted by name', () => {
  const plan = initContainerPlan({
    mesh: { proxyMetadata: { ISTIO_META_DNS_CAPTURE: 'true', INVALID_DROP: 'true' } },
  });
  assert.equal(plan?.name, 'istio-init');
  assert.deepEqual(plan.args, SEED_ARGS);
  assert.deepEqual(plan.env, [
    { name: 'INVALID_DROP', value: 'true' },
    { name: 'ISTIO_META_DNS_CAPTURE', value: 'true' },
  ]);
});

test('a values entry of the wrong shape is reported with its path', () => {
  assert.throws(
    () => captureArgs({ values: { global: { proxy: { includeIPRanges: ['10.0.0.0/8'] } } } }),
    (error: unknown) =>
      error instanceof CaptureInputError &&
      error.message === 'values global.proxy.includeIPRanges: expected a string or number, got a list',
  );
});

test('round trip: template args parse back into the settings they came from', () => {
  const args = captureArgs({
    annotations: {
      'sidecar.istio.io/interceptionMode': 'TPROXY',
      'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.0.0.0/8,fd00::/8',
      'traffic.sidecar.istio.io/excludeOutboundIPRanges': '10.96.0.1/32',
      'traffic.sidecar.istio.io/includeInboundPorts': '8080,9090',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '22',
      'traffic.sidecar.istio.io/excludeInterfaces': 'net1',
    },
  });
  const config = parseCaptureArgs(args);
  assert.equal(config.interceptionMode, 'TPROXY');
  assert.deepEqual(config.proxyUids, ['1337']);
  assert.deepEqual(config.proxyGids, ['1337']);
  assert.deepEqual(config.outboundIPRanges === '*' ? '*' : config.outboundIPRanges.map((c) => c.text), [
    '10.0.0.0/8',
    'fd00::/8',
  ]);
  assert.deepEqual(
    config.outboundIPRangesExclude.map((c) => c.text),
    ['10.96.0.1/32'],
  );
  assert.deepEqual(config.inboundPorts, ['8080', '9090']);
  assert.deepEqual(config.inboundPortsExclude, ['15090', '15021', '15020']);
  assert.deepEqual(config.outboundPortsExclude, ['22']);
  assert.deepEqual(config.excludeInterfaces, ['net1']);
  assert.deepEqual(config.logOptions, { log_output_level: 'default:info' });
});

describe('helpers', () => {
  it('withStatusPort trims entries and keeps a list that already holds the port untouched', () => {
    assert.equal(withStatusPort('15020', ' 80 , ,443'), '80,443,15020');
    assert.equal(withStatusPort('15020', '80,15020'), '80,15020');
    assert.equal(withStatusPort('', '80'), '80');
    assert.equal(withStatusPort('15020', ''), '15020');
  });

  it("formatGoFloat prints values numbers as Go's %v does", () => {
    assert.equal(formatGoFloat(15020), '15020');
    assert.equal(formatGoFloat(1.5), '1.5');
    assert.equal(formatGoFloat(1000000), '1e+06');
    assert.equal(formatGoFloat(1234567), '1.234567e+06');
    assert.equal(formatGoFloat(0.00001), '1e-05');
    assert.equal(formatGoFloat(0), '0');
  });
});
