import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateTrafficAnnotations } from '../../../src/iptables/index.ts';

const one = (name: string, value: string): string[] => validateTrafficAnnotations({ [name]: value });

describe('valid traffic annotations pass', () => {
  const valid: readonly [string, string][] = [
    ['sidecar.istio.io/interceptionMode', 'REDIRECT'],
    ['sidecar.istio.io/interceptionMode', 'TPROXY'],
    ['sidecar.istio.io/interceptionMode', 'NONE'],
    ['status.sidecar.istio.io/port', '15020'],
    ['status.sidecar.istio.io/port', '0'],
    ['traffic.sidecar.istio.io/includeOutboundIPRanges', '*'],
    ['traffic.sidecar.istio.io/includeOutboundIPRanges', '10.0.0.0/8,fd00::/8'],
    ['traffic.sidecar.istio.io/excludeOutboundIPRanges', ''],
    ['traffic.sidecar.istio.io/includeInboundPorts', '*'],
    ['traffic.sidecar.istio.io/includeInboundPorts', ''],
    ['traffic.sidecar.istio.io/excludeInboundPorts', ' 80, 443 '],
    ['traffic.sidecar.istio.io/excludeOutboundPorts', '22,3306'],
    ['traffic.sidecar.istio.io/includeOutboundPorts', 'anything: Istio does not check it'],
    ['traffic.sidecar.istio.io/excludeInterfaces', 'net1,eth0.100'],
    ['traffic.sidecar.istio.io/kubevirtInterfaces', 'k6t-eth0'],
    ['istio.io/reroute-virtual-interfaces', ''],
  ];
  for (const [name, value] of valid) {
    it(`${name}: '${value}'`, () => {
      assert.deepEqual(one(name, value), []);
    });
  }
});

describe("invalid values get Istio's message", () => {
  const invalid: readonly [string, string, string][] = [
    [
      'sidecar.istio.io/interceptionMode',
      'redirect',
      "invalid value 'redirect' for annotation 'sidecar.istio.io/interceptionMode': " +
        'interceptionMode invalid, use REDIRECT,TPROXY,NONE: redirect',
    ],
    [
      'status.sidecar.istio.io/port',
      'abc',
      "invalid value 'abc' for annotation 'status.sidecar.istio.io/port': excludeInboundPorts invalid: " +
        `failed parsing port 'abc': strconv.ParseUint: parsing "abc": invalid syntax`,
    ],
    [
      'status.sidecar.istio.io/port',
      '70000',
      "invalid value '70000' for annotation 'status.sidecar.istio.io/port': excludeInboundPorts invalid: " +
        `failed parsing port '70000': strconv.ParseUint: parsing "70000": value out of range`,
    ],
    [
      'traffic.sidecar.istio.io/includeOutboundIPRanges',
      '10.0.0.0/8,bad',
      "invalid value '10.0.0.0/8,bad' for annotation 'traffic.sidecar.istio.io/includeOutboundIPRanges': " +
        `includeIPRanges invalid: failed parsing cidr 'bad': netip.ParsePrefix("bad"): no '/'`,
    ],
    [
      'traffic.sidecar.istio.io/excludeOutboundIPRanges',
      '10.0.0.0/8,',
      "invalid value '10.0.0.0/8,' for annotation 'traffic.sidecar.istio.io/excludeOutboundIPRanges': " +
        `excludeIPRanges invalid: failed parsing cidr '': netip.ParsePrefix(""): no '/'`,
    ],
    [
      'traffic.sidecar.istio.io/excludeOutboundIPRanges',
      '300.0.0.0/8',
      "invalid value '300.0.0.0/8' for annotation 'traffic.sidecar.istio.io/excludeOutboundIPRanges': " +
        `excludeIPRanges invalid: failed parsing cidr '300.0.0.0/8': ` +
        `netip.ParsePrefix("300.0.0.0/8"): ParseAddr("300.0.0.0"): unable to parse IP`,
    ],
    [
      'traffic.sidecar.istio.io/includeInboundPorts',
      '80,http',
      "invalid value '80,http' for annotation 'traffic.sidecar.istio.io/includeInboundPorts': " +
        "includeInboundPorts invalid: failed parsing port 'http': failed parsing port 'http': " +
        'strconv.ParseUint: parsing "http": invalid syntax',
    ],
    [
      'traffic.sidecar.istio.io/excludeOutboundPorts',
      '1000:2000',
      "invalid value '1000:2000' for annotation 'traffic.sidecar.istio.io/excludeOutboundPorts': " +
        "excludeOutboundPorts invalid: failed parsing port '1000:2000': failed parsing port '1000:2000': " +
        'strconv.ParseUint: parsing "1000:2000": invalid syntax',
    ],
    [
      'traffic.sidecar.istio.io/excludeInterfaces',
      'eth0 -d 10.0.0.50',
      "invalid value 'eth0 -d 10.0.0.50' for annotation 'traffic.sidecar.istio.io/excludeInterfaces': " +
        "excludeInterfaces invalid: interface name 'eth0 -d 10.0.0.50' may only hold letters, digits, " +
        "'_', '.' and '-' (not first)",
    ],
    [
      'istio.io/reroute-virtual-interfaces',
      'eth1,',
      "invalid value 'eth1,' for annotation 'istio.io/reroute-virtual-interfaces': " +
        'rerouteVirtualInterfaces invalid: empty interface name',
    ],
  ];
  for (const [name, value, message] of invalid) {
    it(`${name}: '${value}'`, () => {
      assert.deepEqual(one(name, value), [message]);
    });
  }
});

describe('validateTrafficAnnotations', () => {
  it('reports every bad annotation, sorted by name, and ignores the others', () => {
    const messages = validateTrafficAnnotations({
      'traffic.sidecar.istio.io/excludeInboundPorts': 'x',
      'sidecar.istio.io/interceptionMode': 'BPF',
      'sidecar.istio.io/proxyCPU': 'not validated here',
      'app.kubernetes.io/name': 'reviews',
    });
    assert.equal(messages.length, 2);
    assert.match(
      messages[0] ?? '',
      /^invalid value 'BPF' for annotation 'sidecar.istio.io\/interceptionMode'/,
    );
    assert.match(
      messages[1] ?? '',
      /^invalid value 'x' for annotation 'traffic.sidecar.istio.io\/excludeInboundPorts'/,
    );
  });
});
