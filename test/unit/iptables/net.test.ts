import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkInterfaceName, parseCidr, parsePortEntry, splitList } from '../../../src/iptables/net.ts';

/** The canonical text of a CIDR that must parse. */
function canonical(text: string): string {
  const parsed = parseCidr(text);
  assert.ok(parsed.ok, `${text} should parse`);
  return parsed.value.text;
}

function reason(text: string): string {
  const parsed = parseCidr(text);
  assert.ok(!parsed.ok, `${text} should not parse`);
  return parsed.reason;
}

describe('parseCidr prints like Go netip.Prefix', () => {
  const cases: readonly [string, string][] = [
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['10.1.2.3/8', '10.1.2.3/8'],
    ['2001:DB8:0:0:0:0:0:0/32', '2001:db8::/32'],
    ['2001:db8:0:1:0:0:0:1/64', '2001:db8:0:1::1/64'],
    ['0:0:1:0:0:1:0:0/128', '::1:0:0:1:0:0/128'],
    ['::/0', '::/0'],
    ['::1/128', '::1/128'],
    ['1:2:3:4:5:6:7:8/128', '1:2:3:4:5:6:7:8/128'],
    ['1:0:2:3:4:5:6:7/128', '1:0:2:3:4:5:6:7/128'],
    ['::ffff:10.1.2.3/128', '::ffff:10.1.2.3/128'],
    ['::10.1.2.3/128', '::a01:203/128'],
  ];
  for (const [input, output] of cases) {
    it(`${input} -> ${output}`, () => {
      assert.equal(canonical(input), output);
    });
  }

  it('knows loopback addresses and families', () => {
    const v4 = parseCidr('127.1.2.3/32');
    const v6 = parseCidr('::1/128');
    const other = parseCidr('fd00::1/128');
    assert.ok(v4.ok && v6.ok && other.ok);
    assert.deepEqual([v4.value.family, v4.value.isLoopback], [4, true]);
    assert.deepEqual([v6.value.family, v6.value.isLoopback], [6, true]);
    assert.equal(other.value.isLoopback, false);
  });

  it('rejects what Go rejects, with its reason', () => {
    assert.equal(
      reason('010.0.0.0/8'),
      'netip.ParsePrefix("010.0.0.0/8"): ParseAddr("010.0.0.0"): unable to parse IP',
    );
    assert.equal(reason('10.0.0.0/08'), 'netip.ParsePrefix("10.0.0.0/08"): bad bits after slash: "08"');
    assert.equal(
      reason('fe80::1%eth0/64'),
      'netip.ParsePrefix("fe80::1%eth0/64"): IPv6 zones cannot be present in a prefix',
    );
    assert.equal(
      reason('1::2::3/64'),
      'netip.ParsePrefix("1::2::3/64"): ParseAddr("1::2::3"): unable to parse IP',
    );
    assert.equal(
      reason('1:2:3:4:5:6:7::8/64'),
      'netip.ParsePrefix("1:2:3:4:5:6:7::8/64"): ParseAddr("1:2:3:4:5:6:7::8"): unable to parse IP',
    );
    assert.equal(reason('::/129'), 'netip.ParsePrefix("::/129"): prefix length out of range');
  });
});

describe('small parsers', () => {
  it('splitList drops empty entries and trims', () => {
    assert.deepEqual(splitList(' a, ,b,'), ['a', 'b']);
    assert.deepEqual(splitList(''), []);
  });

  it('parsePortEntry normalizes ports and ranges', () => {
    assert.deepEqual(parsePortEntry('0080'), { ok: true, value: '80' });
    assert.deepEqual(parsePortEntry('8000:8100'), { ok: true, value: '8000:8100' });
    assert.equal(parsePortEntry('65536').ok, false);
  });

  it('checkInterfaceName accepts Linux names and nothing that could carry options', () => {
    assert.ok(checkInterfaceName('eth0.100').ok);
    assert.ok(checkInterfaceName('k6t-eth0').ok);
    assert.equal(checkInterfaceName('-eth0').ok, false);
    assert.equal(checkInterfaceName('eth0 -j').ok, false);
  });
});
