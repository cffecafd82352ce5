import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import {
  captureArgs,
  explainCapture,
  parseCaptureArgs,
  splitCommandLine,
  type ParseCaptureOptions,
} from '../../../src/iptables/index.ts';

const explain = (line: string, options?: ParseCaptureOptions): string[] =>
  explainCapture(parseCaptureArgs(splitCommandLine(line), options));

test('the seed pod, in full', () => {
  assert.deepEqual(explainCapture(parseCaptureArgs(captureArgs({}))), [
    'Interception: REDIRECT (nat table)',
    'Inbound: every TCP port goes to the proxy on 15006, except 15008 (tunnel), 15090, 15021, 15020',
    'Outbound: all TCP traffic goes to the proxy on 15001, except to 127.0.0.1/32 (localhost)',
    'Never captured: traffic sent by uid 1337, gid 1337 (the proxy itself)',
    'Loopback: app-to-app traffic over localhost bypasses the proxy',
    'DNS: not captured',
    'IPv6: no rules (IPv4 only)',
  ]);
});

describe('inbound', () => {
  it('a port list', () => {
    assert.ok(
      explain('-b 8080,9090').includes(
        'Inbound: only TCP ports 8080, 9090 go to the proxy on 15006; other ports reach the app directly',
      ),
    );
  });

  it('nothing', () => {
    assert.ok(explain('').includes('Inbound: not captured; every port reaches the app directly'));
  });

  it('TPROXY without inbound capture needs no policy routing', () => {
    assert.equal(
      explain('-m TPROXY').some((line) => line.startsWith('TPROXY routing')),
      false,
    );
  });

  it('TPROXY says so, with its routing', () => {
    const lines = explain("-m TPROXY -b '*'");
    assert.equal(
      lines[0],
      'Interception: TPROXY (inbound in the mangle table, keeping the original source address; outbound in nat)',
    );
    assert.ok(lines.includes('TPROXY routing: packets marked 1337 are routed to lo through table 133'));
  });
});

describe('outbound', () => {
  it('listed CIDRs, exclusions, and ports', () => {
    const lines = explain('-i 10.0.0.0/8,172.16.0.0/12 -x 10.96.0.1/32 -q 3306 -o 22,25');
    assert.ok(
      lines.includes(
        'Outbound: TCP traffic to 10.0.0.0/8, 172.16.0.0/12 goes to the proxy on 15001; other destinations bypass it',
      ),
    );
    assert.ok(
      lines.includes('Outbound: destinations excluded first: 127.0.0.1/32 (localhost), 10.96.0.1/32'),
    );
    assert.ok(
      lines.includes(
        'Outbound: TCP ports 3306 go to the proxy on 15001 whatever the destination (unless excluded above)',
      ),
    );
    assert.ok(lines.includes('Outbound: ports 22, 25 (TCP and UDP) bypass the proxy'));
  });

  it('no -i at all', () => {
    assert.ok(explain('').includes('Outbound: not captured by destination (no -i ranges)'));
  });

  it('a loopback range in -i sends app loopback calls through the proxy', () => {
    assert.ok(
      explain('-i 127.1.2.3/32').includes(
        'Loopback: a loopback range is listed in -i, so app calls over lo also go through the proxy',
      ),
    );
  });

  it('owner groups, included or excluded', () => {
    assert.ok(
      explain('', { env: { ISTIO_OUTBOUND_OWNER_GROUPS: 'java' } }).includes(
        'Outbound is captured only for processes in groups java',
      ),
    );
    assert.ok(
      explain('', { env: { ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE: '888,ftp' } }).includes(
        'Outbound from groups 888, ftp bypasses the proxy',
      ),
    );
  });

  it('several proxy uids and gids', () => {
    assert.ok(
      explain('-u 3,4 -g 1').includes(
        'Never captured: traffic sent by uid 3, uid 4, gid 1 (the proxy itself)',
      ),
    );
  });
});

describe('interfaces, DNS and the rest', () => {
  it('excluded and rerouted interfaces', () => {
    const lines = explain('-c net1 -k eth1,eth2');
    assert.ok(lines.includes('Interfaces net1: nothing is captured on them, either way'));
    assert.ok(
      lines.includes(
        'Interfaces eth1, eth2: inbound traffic from them (virtual machines) is treated as outbound',
      ),
    );
  });

  it('DNS to known nameservers, to everything, or to nothing known', () => {
    assert.ok(
      explain('--redirect-dns', { dnsServers: ['10.96.0.10'] }).includes(
        "DNS: port-53 traffic to 10.96.0.10 goes to the agent's resolver on 15053",
      ),
    );
    assert.ok(
      explain('--redirect-dns --capture-all-dns').includes(
        "DNS: all port-53 traffic (TCP and UDP) goes to the agent's resolver on 15053",
      ),
    );
    assert.match(explain('--redirect-dns').join('\n'), /no nameservers are known .* so no DNS rules/);
  });

  it('drop-invalid, IPv6, CNI validation and nftables notes', () => {
    const lines = explain('--drop-invalid --dual-stack --run-validation --skip-rule-apply --native-nftables');
    assert.ok(lines.includes('Packets conntrack marks INVALID are dropped instead of reset'));
    assert.ok(lines.includes('IPv6: the same capture is installed with ip6tables'));
    assert.ok(
      lines.includes(
        '--skip-rule-apply: this container installs nothing; the Istio CNI plugin installs these rules',
      ),
    );
    assert.ok(lines.includes('--run-validation: the container checks that capture works, and fails if not'));
    assert.ok(
      lines.includes(
        '--native-nftables: the capture is programmed with nftables; the rules shown are the iptables equivalent',
      ),
    );
  });
});
