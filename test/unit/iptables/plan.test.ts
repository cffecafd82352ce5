import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureConfigFromContainer, planCapture } from '../../../src/iptables/index.ts';
import * as L from './listings.ts';

describe('planCapture', () => {
  it('the seed pod: args, rules and summary in one go', () => {
    const plan = planCapture({});
    assert.ok(plan.captured);
    assert.equal(plan.initContainer.name, 'istio-init');
    assert.deepEqual(L.listing(plan.rules.ipv4), L.SEED_DEFAULT);
    assert.equal(plan.rules.ipv6, undefined);
    assert.equal(plan.summary[0], 'Interception: REDIRECT (nat table)');
  });

  it('proxy metadata reaches istio-iptables as its environment', () => {
    const plan = planCapture(
      { mesh: { proxyMetadata: { ISTIO_META_DNS_CAPTURE: 'true', INVALID_DROP: 'true' } } },
      { dnsServers: ['10.96.0.10'] },
    );
    assert.ok(plan.captured);
    assert.equal(plan.config.redirectDNS, true);
    assert.equal(plan.config.dropInvalid, true);
    assert.match(
      plan.rules.ipv4,
      /-A ISTIO_OUTPUT_DNS -p udp --dport 53 -d 10\.96\.0\.10\/32 -j REDIRECT --to-port 15053/,
    );
    assert.match(plan.rules.ipv4, /-A PREROUTING -m conntrack --ctstate INVALID -j ISTIO_DROP/);
  });

  it('interception mode NONE captures nothing', () => {
    const plan = planCapture({ annotations: { 'sidecar.istio.io/interceptionMode': 'NONE' } });
    assert.equal(plan.captured, false);
    assert.match(plan.summary[0] ?? '', /^Interception: NONE/);
  });

  it('an invalid annotation surfaces as a parse error naming the flag', () => {
    assert.throws(
      () => planCapture({ annotations: { 'traffic.sidecar.istio.io/includeInboundPorts': '80,http' } }),
      /-b \(--istio-inbound-ports\): invalid value '80,http'/,
    );
  });
});

describe('captureConfigFromContainer', () => {
  it('reads an injected istio-init container, command and literal env included', () => {
    const config = captureConfigFromContainer({
      name: 'istio-init',
      command: ['istio-iptables'],
      args: ['-p', '15001', '-z', '15006', '-u', '1337', '-m', 'TPROXY', '-i', '*', '-x', '', '-b', '*'],
      env: [
        { name: 'INVALID_DROP', value: 'true' },
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      ],
    });
    assert.equal(config.interceptionMode, 'TPROXY');
    assert.equal(config.inboundPorts, '*');
    assert.equal(config.dropInvalid, true);
  });
});
