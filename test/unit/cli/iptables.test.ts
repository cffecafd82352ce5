import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from './run.ts';

const seedArgs =
  "istio-iptables -p 15001 -z 15006 -u 1337 -m REDIRECT -i '*' -x '' -b '*' -d 15090,15021,15020";

describe('mesh-injector iptables', () => {
  it("prints the seed's istio-init args and REDIRECT rules for a plain Deployment", async () => {
    const result = await runCli(['iptables', '-f', 'test/fixtures/seeds/productpage.yaml']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^# Deployment productpage-v1$/m);
    assert.ok(result.stdout.includes(`init container: ${seedArgs}`), result.stdout);
    for (const rule of [
      '-A ISTIO_INBOUND -p tcp --dport 15090 -j RETURN',
      '-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006',
      '-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001',
      '-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN',
    ]) {
      assert.ok(result.stdout.includes(rule), `missing ${rule}`);
    }
  });

  it('applies --annotation values: excluded outbound ports and ranges become RETURN rules (seed 004)', async () => {
    const result = await runCli([
      'iptables',
      '-a',
      'traffic.sidecar.istio.io/excludeOutboundPorts=8080',
      '-a',
      'traffic.sidecar.istio.io/excludeOutboundIPRanges=172.16.2.0/24',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.includes('-A ISTIO_OUTPUT -p tcp --dport 8080 -j RETURN'));
    assert.ok(result.stdout.includes('-A ISTIO_OUTPUT -d 172.16.2.0/24 -j RETURN'));
  });

  it('shows TPROXY mangle rules', async () => {
    const result = await runCli(['iptables', '-a', 'sidecar.istio.io/interceptionMode=TPROXY']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\* mangle$/m);
    assert.match(result.stdout, /-j TPROXY --tproxy-mark 1337\/0xffffffff --on-port 15006/);
  });

  it('explains an already injected manifest from its own init container', async () => {
    const injected = await runCli(['kube-inject', '-f', 'test/fixtures/seeds/productpage.yaml']);
    const custom = injected.stdout.replace("- '15001'", "- '15999'");
    const result = await runCli(['iptables', '-f', '-'], custom);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /REDIRECT --to-ports 15999/);
  });

  it('prints JSON with -o json', async () => {
    const result = await runCli(['iptables', '-o', 'json', '-a', 'sidecar.istio.io/interceptionMode=NONE']);
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as { captured: boolean; summary: string[] }[];
    assert.equal(parsed.length, 1);
    assert.equal(parsed[0]?.captured, false);
  });

  it('rejects invalid annotation values with Istio-shaped messages', async () => {
    const result = await runCli(['iptables', '-a', 'traffic.sidecar.istio.io/excludeOutboundPorts=http']);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /invalid value 'http' for annotation 'traffic\.sidecar\.istio\.io\/excludeOutboundPorts'/,
    );
  });

  it('needs -f or --annotation', async () => {
    const result = await runCli(['iptables']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /give a manifest with -f, or annotations with --annotation/);
  });
});
