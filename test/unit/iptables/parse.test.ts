import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import {
  CaptureArgsError,
  defaultCaptureConfig,
  parseCaptureArgs,
  splitCommandLine,
  type CaptureConfig,
  type ParseCaptureOptions,
} from '../../../src/iptables/index.ts';

const parse = (line: string, options?: ParseCaptureOptions): CaptureConfig =>
  parseCaptureArgs(splitCommandLine(line), options);

/** Asserts that parsing fails with exactly this message. */
function rejects(line: string, message: string, options?: ParseCaptureOptions): void {
  assert.throws(
    () => parse(line, options),
    (error: unknown) => {
      assert.ok(error instanceof CaptureArgsError, `expected a CaptureArgsError, got ${String(error)}`);
      assert.equal(error.message, message);
      return true;
    },
  );
}

const cidrTexts = (selection: CaptureConfig['outboundIPRanges']): string | string[] =>
  selection === '*' ? '*' : selection.map((c) => c.text);

test('no arguments: istio-iptables defaults', () => {
  assert.deepEqual(parseCaptureArgs([]), defaultCaptureConfig());
  assert.deepEqual(parseCaptureArgs(['istio-iptables']), defaultCaptureConfig());
  assert.deepEqual(parseCaptureArgs(['/usr/local/bin/istio-iptables']), defaultCaptureConfig());
});

describe('flag forms', () => {
  it('short, attached, short=, long, and long= forms mean the same', () => {
    for (const line of ['-p 16001', '-p16001', '-p=16001', '--envoy-port 16001', '--envoy-port=16001']) {
      assert.equal(parse(line).proxyPort, 16001, line);
    }
  });

  it('every value flag, by its short name', () => {
    const config = parse(
      "-p 1 -z 2 -e 3 -u 4,5 -g 6 -m TPROXY -b 80,8000:8100 -d 9 -i '10.0.0.0/8' -x 10.96.0.0/12 " +
        '-q 443 -o 22 -c net1 -k eth1 -t 7 -r 8',
    );
    assert.equal(config.proxyPort, 1);
    assert.equal(config.inboundCapturePort, 2);
    assert.equal(config.inboundTunnelPort, 3);
    assert.deepEqual(config.proxyUids, ['4', '5']);
    assert.deepEqual(config.proxyGids, ['6']);
    assert.equal(config.interceptionMode, 'TPROXY');
    assert.deepEqual(config.inboundPorts, ['80', '8000:8100']);
    assert.deepEqual(config.inboundPortsExclude, ['9']);
    assert.deepEqual(cidrTexts(config.outboundIPRanges), ['10.0.0.0/8']);
    assert.deepEqual(cidrTexts(config.outboundIPRangesExclude), ['10.96.0.0/12']);
    assert.deepEqual(config.outboundPorts, ['443']);
    assert.deepEqual(config.outboundPortsExclude, ['22']);
    assert.deepEqual(config.excludeInterfaces, ['net1']);
    assert.deepEqual(config.rerouteVirtualInterfaces, ['eth1']);
    assert.equal(config.tproxyMark, 7);
    assert.equal(config.tproxyRouteTable, 8);
  });

  it('an empty value is a value: -x "" then -b with the next flag', () => {
    const config = parse(`-x "" -b '*'`);
    assert.deepEqual(config.outboundIPRangesExclude, []);
    assert.equal(config.inboundPorts, '*');
  });

  it('a value may start with a dash', () => {
    assert.throws(() => parse('-c -b'), /interface name '-b'/);
  });

  it('boolean flags: bare, =true/=false, short and stacked', () => {
    assert.equal(parse('--redirect-dns').redirectDNS, true);
    assert.equal(parse('--redirect-dns=false').redirectDNS, false);
    assert.equal(parse('--redirect-dns=1').redirectDNS, true);
    assert.equal(parse('-n').dryRun, true);
    assert.equal(parse('-nf').dryRun, true);
  });

  it('the last occurrence of a flag wins', () => {
    assert.equal(parse('-p 1 -p 2').proxyPort, 2);
  });

  it('-g defaults to the -u list, -u to 1337', () => {
    assert.deepEqual(parse('-u 1000').proxyGids, ['1000']);
    assert.deepEqual(parse('').proxyUids, ['1337']);
    assert.deepEqual(parse('-u "" -g 7').proxyUids, ['1337']);
  });

  it('lists drop empty entries and normalize ports', () => {
    assert.deepEqual(parse('-d 6000,7000,').inboundPortsExclude, ['6000', '7000']);
    assert.deepEqual(parse('-o 022').outboundPortsExclude, ['22']);
  });

  it('an empty -m is REDIRECT', () => {
    assert.equal(parse('-m ""').interceptionMode, 'REDIRECT');
  });

  it('logging and validation flags are kept', () => {
    const config = parse(
      '--log_output_level=default:debug --log_as_json --run-validation --skip-rule-apply --native-nftables',
    );
    assert.deepEqual(config.logOptions, { log_output_level: 'default:debug', log_as_json: 'true' });
    assert.equal(config.runValidation, true);
    assert.equal(config.skipRuleApply, true);
    assert.equal(config.nativeNftables, true);
  });

  it('-- ends the flags', () => {
    assert.equal(parse('-p 2 --').proxyPort, 2);
  });
});

describe('environment', () => {
  it('variables named after the flags set them', () => {
    const config = parse('', {
      env: { INBOUND_CAPTURE_PORT: '16006', ISTIO_INBOUND_PORTS: '*', ISTIO_SERVICE_CIDR: '*' },
    });
    assert.equal(config.inboundCapturePort, 16006);
    assert.equal(config.inboundPorts, '*');
    assert.equal(config.outboundIPRanges, '*');
  });

  it('a flag on the command line beats the variable', () => {
    assert.equal(parse('-z 17006', { env: { INBOUND_CAPTURE_PORT: '16006' } }).inboundCapturePort, 17006);
  });

  it('the envoy port has no variable', () => {
    assert.equal(parse('', { env: { ENVOY_PORT: '16001' } }).proxyPort, 15001);
  });

  it('ISTIO_META_DNS_CAPTURE, INVALID_DROP and ISTIO_DUAL_STACK switch their features on', () => {
    const config = parse('', {
      env: { ISTIO_META_DNS_CAPTURE: 'true', INVALID_DROP: 'true', ISTIO_DUAL_STACK: 'true' },
    });
    assert.equal(config.redirectDNS, true);
    assert.equal(config.dropInvalid, true);
    assert.equal(config.dualStack, true);
    assert.equal(config.ipv6, true);
  });

  it('ISTIO_META_DNS_CAPTURE wins over REDIRECT_DNS, and the flag wins over both', () => {
    const env = { REDIRECT_DNS: 'true', ISTIO_META_DNS_CAPTURE: 'false' };
    assert.equal(parse('', { env }).redirectDNS, false);
    assert.equal(parse('--redirect-dns', { env }).redirectDNS, true);
  });

  it('owner groups and the loopback CIDR are environment-only', () => {
    const config = parse('', {
      env: {
        ISTIO_OUTBOUND_OWNER_GROUPS: 'java,202',
        ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: '127.0.0.1/8',
      },
    });
    assert.deepEqual(config.ownerGroupsInclude, ['java', '202']);
    assert.equal(config.hostIPv4LoopbackCidr, '127.0.0.1/8');
  });

  it('DNS servers are split by family; ipv6 can be set apart from --dual-stack', () => {
    const config = parse('', { dnsServers: ['10.96.0.10', 'fd00::a'], ipv6: true });
    assert.deepEqual(config.dnsServersV4, ['10.96.0.10']);
    assert.deepEqual(config.dnsServersV6, ['fd00::a']);
    assert.equal(config.ipv6, true);
    assert.equal(config.dualStack, false);
  });
});

describe('errors name the flag and the value', () => {
  const cases: readonly [line: string, message: string][] = [
    ['--envoy', 'arguments: unknown flag: --envoy'],
    ['-a 1', "arguments: unknown shorthand flag: 'a' in -a"],
    ['-p', '-p (--envoy-port): flag needs an argument'],
    ['--probe-timeout', '--probe-timeout: flag needs an argument'],
    ['-p 15001 extra', "arguments: unexpected argument 'extra'"],
    ['-p 15001 -- extra', "arguments: unexpected argument 'extra'"],
    ['-p 0', "-p (--envoy-port): invalid value '0': expected a port from 1 to 65535 (out of range 1-65535)"],
    [
      '--envoy-port=15o01',
      "-p (--envoy-port): invalid value '15o01': expected a port from 1 to 65535 (not a decimal number)",
    ],
    [
      '-z 70000',
      "-z (--inbound-capture-port): invalid value '70000': expected a port from 1 to 65535 (out of range 1-65535)",
    ],
    [
      '-d 15090,abc',
      "-d (--istio-local-exclude-ports): invalid value '15090,abc': port 'abc' is not a decimal number",
    ],
    ['-q 100:50', "-q (--istio-outbound-ports): invalid value '100:50': range 100:50 ends before it starts"],
    [
      '-b 1:2:3',
      "-b (--istio-inbound-ports): invalid value '1:2:3': expected a port or a range like 8000:8100",
    ],
    [
      '-i 10.0.0.0/33',
      "-i (--istio-service-cidr): invalid value '10.0.0.0/33': bad CIDR '10.0.0.0/33': " +
        'netip.ParsePrefix("10.0.0.0/33"): prefix length out of range',
    ],
    [
      '-x 10.0.0.0',
      "-x (--istio-service-exclude-cidr): invalid value '10.0.0.0': bad CIDR '10.0.0.0': " +
        'netip.ParsePrefix("10.0.0.0"): no \'/\'',
    ],
    [
      "-x '*'",
      "-x (--istio-service-exclude-cidr): invalid value '*': '*' would exclude every destination; " +
        'list CIDRs, or leave -i empty to capture nothing',
    ],
    [
      '-m tproxy',
      "-m (--istio-inbound-interception-mode): invalid value 'tproxy': expected REDIRECT or TPROXY",
    ],
    [
      '-m NONE',
      "-m (--istio-inbound-interception-mode): invalid value 'NONE': NONE means no capture: " +
        'Istio adds no init container in that mode',
    ],
    [
      '--redirect-dns=maybe',
      "--redirect-dns: invalid value 'maybe': expected a boolean (true, false, 1, 0, t, f)",
    ],
    [
      "-c 'eth0 -j ACCEPT'",
      "-c (--istio-exclude-interfaces): invalid value 'eth0 -j ACCEPT': interface name 'eth0 -j ACCEPT' " +
        "may only hold letters, digits, '_', '.' and '-' (not first)",
    ],
    [
      '-k averyveryverylongname',
      "-k (--kube-virt-interfaces): invalid value 'averyveryverylongname': interface name " +
        "'averyveryverylongname' is longer than 15 characters",
    ],
    [
      '-t 0x539',
      "-t (--istio-inbound-tproxy-mark): invalid value '0x539': expected a packet mark (an unsigned 32-bit decimal number)",
    ],
    ['-u "a b"', "-u (--proxy-uid): invalid value 'a b': 'a b' is not a user or group name or number"],
    ['--probe-timeout=5', "--probe-timeout: invalid value '5': expected a duration such as 5s or 500ms"],
  ];
  for (const [line, message] of cases) {
    it(line, () => {
      rejects(line, message);
    });
  }

  it('a malformed variable is named as such', () => {
    rejects('', "env INVALID_DROP: invalid value 'yes': expected a boolean (true, false, 1, 0, t, f)", {
      env: { INVALID_DROP: 'yes' },
    });
  });

  it('the loopback CIDR must be IPv4 loopback', () => {
    rejects(
      '',
      "env ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: invalid value '10.0.0.1/32': expected an IPv4 loopback CIDR (127.0.0.0/8)",
      { env: { ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: '10.0.0.1/32' } },
    );
  });

  it('at most 64 owner groups can be included', () => {
    const groups = Array.from({ length: 65 }, (_, i) => String(i)).join(',');
    assert.throws(
      () => parse('', { env: { ISTIO_OUTBOUND_OWNER_GROUPS: groups } }),
      /at most 64 groups can be listed, got 65/,
    );
  });

  it('errors carry the source and value', () => {
    try {
      parse('-z abc');
      assert.fail('expected an error');
    } catch (error) {
      assert.ok(error instanceof CaptureArgsError);
      assert.equal(error.source, '-z (--inbound-capture-port)');
      assert.equal(error.value, 'abc');
    }
  });
});

describe('splitCommandLine', () => {
  it('keeps quoted text, including empty quotes', () => {
    assert.deepEqual(splitCommandLine(`a '*' "" 'x y' "p\\"q" r\\ s`), ['a', '*', '', 'x y', 'p"q', 'r s']);
  });

  it('joins adjacent quoted and unquoted parts into one word', () => {
    assert.deepEqual(splitCommandLine(`--log_output_level='default:info'`), [
      '--log_output_level=default:info',
    ]);
  });

  it('rejects unterminated quotes', () => {
    assert.throws(() => splitCommandLine(`-i '*`), /unterminated single quote/);
    assert.throws(() => splitCommandLine(`-x "`), /unterminated double quote/);
  });
});
