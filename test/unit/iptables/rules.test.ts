import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import {
  captureArgs,
  defaultCaptureConfig,
  formatRestore,
  parseCaptureArgs,
  renderRules,
  routeCommands,
  splitCommandLine,
  type ParseCaptureOptions,
} from '../../../src/iptables/index.ts';
import * as L from './listings.ts';

/** Renders the rules for an istio-iptables command line, as listing lines per family. */
function render(
  commandLine: string,
  options: ParseCaptureOptions = {},
): { v4: string[]; v6: string[] | undefined } {
  const rendered = renderRules(parseCaptureArgs(splitCommandLine(commandLine), options));
  return {
    v4: L.listing(rendered.ipv4),
    v6: rendered.ipv6 === undefined ? undefined : L.listing(rendered.ipv6),
  };
}

// Each case is one of istio-iptables' golden cases: the same settings on top of its test defaults
// (ports 15001/15006/15008, uid = gid = 1337, mark 1337, table 133), which are also the CLI defaults.
const ipv4Cases: readonly {
  name: string;
  args: string;
  options?: ParseCaptureOptions;
  expected: string[];
}[] = [
  { name: 'empty', args: '', expected: L.EMPTY },
  { name: 'inbound-ports-wildcard', args: "-b '*'", expected: L.INBOUND_PORTS_WILDCARD },
  { name: 'inbound-ports-include', args: '-b 32000,31000', expected: L.INBOUND_PORTS_INCLUDE },
  { name: 'inbound-wildcard-exclude', args: "-b '*' -d 22,80,443", expected: L.INBOUND_WILDCARD_EXCLUDE },
  { name: 'outbound-ports-exclude', args: '-o 22,80', expected: L.OUTBOUND_PORTS_EXCLUDE },
  { name: 'outbound-ports-include', args: '-q 32000,31000', expected: L.OUTBOUND_PORTS_INCLUDE },
  { name: 'kube-virt-interfaces', args: "-k eth1,eth2 -i '*'", expected: L.KUBE_VIRT_INTERFACES },
  { name: 'ipnets', args: '-i 10.0.0.0/8', expected: L.IPNETS },
  {
    name: 'ipnets-with-kube-virt-interfaces',
    args: '-k eth1,eth2 -i 10.0.0.0/8',
    expected: L.IPNETS_WITH_KUBE_VIRT_INTERFACES,
  },
  { name: 'basic-exclude-nic', args: '-c not-istio-nic', expected: L.BASIC_EXCLUDE_NIC },
  { name: 'drop-invalid', args: '--drop-invalid', expected: L.DROP_INVALID },
  {
    name: 'outbound-owner-groups',
    args: '',
    options: { env: { ISTIO_OUTBOUND_OWNER_GROUPS: 'java,202' } },
    expected: L.OUTBOUND_OWNER_GROUPS,
  },
  {
    name: 'outbound-owner-groups-exclude',
    args: '',
    options: { env: { ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE: '888,ftp' } },
    expected: L.OUTBOUND_OWNER_GROUPS_EXCLUDE,
  },
  {
    name: 'host-ipv4-loopback-cidr',
    args: '',
    options: { env: { ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR: '127.0.0.1/8' } },
    expected: L.HOST_IPV4_LOOPBACK_CIDR,
  },
  {
    name: 'ip-range',
    args: '-x 1.1.0.0/16 -i 9.9.0.0/16 --redirect-dns -g 1,2 -u 3,4',
    options: { dnsServers: ['127.0.0.53'] },
    expected: L.IP_RANGE,
  },
  {
    name: 'loopback-outbound-iprange',
    args: '-i 127.1.2.3/32 --redirect-dns -g 1,2 -u 3,4',
    options: { dnsServers: ['127.0.0.53'] },
    expected: L.LOOPBACK_OUTBOUND_IPRANGE,
  },
  { name: 'capture-all-dns', args: '--redirect-dns --capture-all-dns', expected: L.CAPTURE_ALL_DNS },
  { name: 'inbound-ports-tproxy', args: '-b 32000,31000 -m TPROXY', expected: L.INBOUND_PORTS_TPROXY },
];

describe('renderRules: IPv4 listings match istio-iptables goldens', () => {
  for (const c of ipv4Cases) {
    it(c.name, () => {
      const { v4, v6 } = render(c.args, c.options);
      assert.deepEqual(v4, c.expected);
      assert.equal(v6, undefined);
    });
  }
});

describe('renderRules: dual-stack listings', () => {
  const dualCases: readonly {
    name: string;
    args: string;
    options?: ParseCaptureOptions;
    v4: string[];
    v6: string[];
  }[] = [
    { name: 'ipv6-empty-inbound-ports', args: "-b ''", v4: L.EMPTY, v6: L.EMPTY_V6 },
    {
      name: 'ipv6-virt-interfaces',
      args: '-b 4000,5000 -k eth0,eth1',
      v4: L.VIRT_INTERFACES_V4,
      v6: L.VIRT_INTERFACES_V6,
    },
    {
      name: 'ipv6-ipnets',
      args: '-b 4000,5000 -d 6000,7000, -k eth0,eth1 -x 2001:db8::/32 -i 2001:db8::/32',
      v4: L.IPNETS_V4,
      v6: L.IPNETS_V6,
    },
    {
      name: 'ipv6-outbound-ports',
      args: "-b '' -q 32000,31000",
      v4: L.OUTBOUND_PORTS_INCLUDE,
      v6: L.OUTBOUND_PORTS_V6,
    },
    {
      name: 'dns-uid-gid',
      args: '--redirect-dns -g 1,2 -u 3,4',
      options: { dnsServers: ['127.0.0.53', '::127.0.0.53'] },
      v4: L.DNS_UID_GID_V4,
      v6: L.DNS_UID_GID_V6,
    },
    {
      name: 'tproxy',
      args: "-m TPROXY -b '*' -x 1.1.0.0/16 -i 9.9.0.0/16 --redirect-dns -c not-istio-nic",
      options: { dnsServers: ['127.0.0.53'] },
      v4: L.TPROXY_V4,
      v6: L.TPROXY_V6,
    },
  ];
  for (const c of dualCases) {
    it(c.name, () => {
      const { v4, v6 } = render(c.args, { ipv6: true, ...c.options });
      assert.deepEqual(v4, c.v4);
      assert.deepEqual(v6, c.v6);
    });
  }

  it('--dual-stack turns IPv6 rules on by itself', () => {
    const { v6 } = render('--dual-stack');
    assert.deepEqual(v6, L.EMPTY_V6);
  });

  it('DNS capture with no nameservers and no --capture-all-dns writes no DNS rules (ipv6-dns-uid-gid)', () => {
    const withDns = render('--redirect-dns', { ipv6: true });
    assert.deepEqual(withDns.v4, L.EMPTY);
    assert.deepEqual(withDns.v6, L.EMPTY_V6);
  });
});

test('the seed pod: default template args give the seed rule set', () => {
  const config = parseCaptureArgs(captureArgs({}));
  assert.deepEqual(L.listing(renderRules(config).ipv4), L.SEED_DEFAULT);
});

test('the seed command line, pasted as text, parses to the same rules', () => {
  const seed = `istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x "" -b '*' -d 15090,15021,15020`;
  assert.deepEqual(render(seed).v4, L.SEED_DEFAULT);
});

test('IPv6 CIDRs in -x are written in Go canonical form', () => {
  const { v6 } = render('-x 2001:DB8:0:0::/32', { ipv6: true });
  assert.ok(v6?.includes('-A ISTIO_OUTPUT -d 2001:db8::/32 -j RETURN'));
});

test('an IPv4-only -i list captures no IPv6 destination', () => {
  const { v6 } = render('-i 10.0.0.0/8', { ipv6: true });
  assert.ok(v6 !== undefined);
  assert.equal(
    v6.some((line) => line.endsWith('-j ISTIO_REDIRECT')),
    false,
  );
});

describe('formatRestore', () => {
  it('prints nothing for no rules', () => {
    assert.equal(formatRestore([]), '');
  });

  it('declares a chain that is only jumped to, and never a built-in chain or verdict', () => {
    const text = formatRestore([
      { table: 'nat', chain: 'OUTPUT', params: ['-A', 'OUTPUT', '-j', 'MY_CHAIN'] },
      { table: 'nat', chain: 'OUTPUT', params: ['-A', 'OUTPUT', '-p', 'udp', '-j', 'RETURN'] },
    ]);
    assert.equal(text, '* nat\n-N MY_CHAIN\n-A OUTPUT -j MY_CHAIN\n-A OUTPUT -p udp -j RETURN\nCOMMIT\n');
  });

  it('orders tables by name and ends every line with a newline', () => {
    const text = formatRestore([
      { table: 'raw', chain: 'OUTPUT', params: ['-A', 'OUTPUT', '-j', 'CT', '--zone', '1'] },
      { table: 'filter', chain: 'INPUT', params: ['-A', 'INPUT', '-j', 'ACCEPT'] },
    ]);
    assert.equal(text, '* filter\n-A INPUT -j ACCEPT\nCOMMIT\n* raw\n-A OUTPUT -j CT --zone 1\nCOMMIT\n');
  });
});

describe('routeCommands', () => {
  it('has none in REDIRECT mode on IPv4', () => {
    assert.deepEqual(routeCommands(defaultCaptureConfig()), []);
  });

  it('adds the ::6 inbound source address when IPv6 is on', () => {
    assert.deepEqual(routeCommands({ ...defaultCaptureConfig(), ipv6: true }), [
      'ip -6 addr add ::6/128 dev lo',
    ]);
  });

  it('routes marked packets to lo through the TPROXY table, per family', () => {
    const config = parseCaptureArgs(['-m', 'TPROXY', '-b', '*', '-t', '7', '-r', '42'], { ipv6: true });
    assert.deepEqual(routeCommands(config), [
      'ip -6 addr add ::6/128 dev lo',
      'ip -4 rule add fwmark 7 lookup 42',
      'ip -6 rule add fwmark 7 lookup 42',
      'ip -4 route add local 0.0.0.0/0 dev lo table 42',
      'ip -6 route add local ::/0 dev lo table 42',
    ]);
  });

  it('needs inbound capture for TPROXY routing', () => {
    assert.deepEqual(routeCommands(parseCaptureArgs(['-m', 'TPROXY'])), []);
  });

  it('is part of renderRules', () => {
    assert.deepEqual(renderRules(parseCaptureArgs(['-m', 'TPROXY', '-b', '80'])).routes, [
      'ip -4 rule add fwmark 1337 lookup 133',
      'ip -4 route add local 0.0.0.0/0 dev lo table 133',
    ]);
  });
});

test('custom ports and marks flow into the rules', () => {
  const { v4 } = render("-p 16001 -z 16006 -e 16008 -b '*' -m TPROXY -t 99");
  assert.ok(v4.includes('-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 16001'));
  assert.ok(v4.includes('-A ISTIO_INBOUND -p tcp --dport 16008 -j RETURN'));
  assert.ok(
    v4.includes(
      '-A ISTIO_TPROXY ! -d 127.0.0.1/32 -p tcp -j TPROXY --tproxy-mark 99/0xffffffff --on-port 16006',
    ),
  );
  assert.ok(v4.includes('-A ISTIO_DIVERT -j MARK --set-mark 99'));
});
