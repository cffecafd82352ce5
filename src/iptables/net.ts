// Parsing of the small network values istio-iptables takes: ports, CIDRs, interface names, comma lists.
//
// CIDRs are printed the way Go's `netip.Prefix.String()` prints them, because istio-iptables writes them into
// the rules that way: the address is kept as written (not masked to the network), IPv6 is compressed and
// lower-cased, and an IPv4-mapped IPv6 address keeps its dotted tail.

/** A parsed CIDR, printed in Go's canonical form. */
export interface Cidr {
  readonly family: 4 | 6;
  /** Canonical text, e.g. `10.0.0.0/8`, `2001:db8::/32`. */
  readonly text: string;
  /** True for 127.0.0.0/8 addresses and `::1` (the prefix length does not matter, as in Go's `IsLoopback`). */
  readonly isLoopback: boolean;
}

export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/**
 * Splits a comma-separated list the way istio-iptables does (`config.Split`): empty entries are dropped. Entries
 * are also trimmed, which changes nothing in the resulting rules (iptables splits its arguments on whitespace).
 */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

const DECIMAL = /^[0-9]+$/;

/** A TCP/UDP port from `min` (default 0) to 65535, written in decimal. */
export function parsePort(text: string, min = 0): ParseResult<number> {
  if (!DECIMAL.test(text)) return { ok: false, reason: 'not a decimal number' };
  const port = Number(text);
  if (port < min || port > 65535) return { ok: false, reason: `out of range ${min}-65535` };
  return { ok: true, value: port };
}

/** One entry of a port list: a port (`8080`) or an iptables range (`8000:8100`), normalized. */
export function parsePortEntry(text: string): ParseResult<string> {
  const parts = text.split(':');
  if (parts.length > 2) return { ok: false, reason: 'expected a port or a range like 8000:8100' };
  const ports: number[] = [];
  for (const part of parts) {
    const port = parsePort(part);
    if (!port.ok) return { ok: false, reason: `port '${part}' is ${port.reason}` };
    ports.push(port.value);
  }
  const [first, last] = ports;
  if (first === undefined) return { ok: false, reason: 'empty port' };
  if (last === undefined) return { ok: true, value: String(first) };
  if (last < first) return { ok: false, reason: `range ${first}:${last} ends before it starts` };
  return { ok: true, value: `${first}:${last}` };
}

// Linux allows 15 bytes (IFNAMSIZ - 1); the character set is the one Istio's annotation check accepts, which also
// keeps an interface name from smuggling extra iptables options into a rule.
const INTERFACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function checkInterfaceName(name: string): ParseResult<string> {
  if (name === '') return { ok: false, reason: 'empty interface name' };
  if (!INTERFACE_NAME.test(name)) {
    return {
      ok: false,
      reason: `interface name '${name}' may only hold letters, digits, '_', '.' and '-' (not first)`,
    };
  }
  if (name.length > 15) return { ok: false, reason: `interface name '${name}' is longer than 15 characters` };
  return { ok: true, value: name };
}

/**
 * Parses a CIDR like Go's `netip.ParsePrefix`: an address, a slash, a decimal prefix length without leading zeros.
 * Failure reasons follow Go's wording so that annotation errors read like Istio's.
 */
export function parseCidr(text: string): ParseResult<Cidr> {
  const fail = (why: string): ParseResult<Cidr> => ({
    ok: false,
    reason: `netip.ParsePrefix(${JSON.stringify(text)}): ${why}`,
  });
  const slash = text.lastIndexOf('/');
  if (slash < 0) return fail("no '/'");
  const addressText = text.slice(0, slash);
  const bitsText = text.slice(slash + 1);
  if (addressText.includes('%')) return fail('IPv6 zones cannot be present in a prefix');
  const address = parseAddress(addressText);
  if (address === undefined) return fail(`ParseAddr(${JSON.stringify(addressText)}): unable to parse IP`);
  if (!DECIMAL.test(bitsText) || (bitsText.length > 1 && bitsText.startsWith('0'))) {
    return fail(`bad bits after slash: ${JSON.stringify(bitsText)}`);
  }
  const bits = Number(bitsText);
  const maxBits = address.family === 4 ? 32 : 128;
  if (bits > maxBits) return fail('prefix length out of range');
  return {
    ok: true,
    value: { family: address.family, text: `${address.text}/${bits}`, isLoopback: address.isLoopback },
  };
}

interface Address {
  readonly family: 4 | 6;
  readonly text: string;
  readonly isLoopback: boolean;
}

function parseAddress(text: string): Address | undefined {
  if (text.includes(':')) {
    const groups = parseIPv6Groups(text);
    if (groups === undefined) return undefined;
    const mappedV4 = ipv4MappedTail(groups);
    return {
      family: 6,
      text: formatIPv6(groups),
      isLoopback:
        mappedV4 !== undefined ? mappedV4[0] === 127 : groups.every((g, i) => g === (i === 7 ? 1 : 0)),
    };
  }
  const octets = parseIPv4Octets(text);
  if (octets === undefined) return undefined;
  return { family: 4, text: octets.join('.'), isLoopback: octets[0] === 127 };
}

/** Dotted quad with decimal octets 0-255 and no leading zeros (Go rejects them as ambiguous octal). */
function parseIPv4Octets(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    if (!DECIMAL.test(part) || part.length > 3 || (part.length > 1 && part.startsWith('0'))) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    octets.push(octet);
  }
  return octets;
}

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** The eight 16-bit groups of an IPv6 address, accepting `::` and a dotted IPv4 tail. */
function parseIPv6Groups(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parseSide = (side: string, allowV4Tail: boolean): number[] | undefined => {
    if (side === '') return [];
    const groups: number[] = [];
    const parts = side.split(':');
    for (const [index, part] of parts.entries()) {
      if (allowV4Tail && index === parts.length - 1 && part.includes('.')) {
        const octets = parseIPv4Octets(part);
        if (octets === undefined) return undefined;
        const [a = 0, b = 0, c = 0, d = 0] = octets;
        groups.push(a * 256 + b, c * 256 + d);
      } else {
        if (!HEX_GROUP.test(part)) return undefined;
        groups.push(parseInt(part, 16));
      }
    }
    return groups;
  };
  const [headText = '', tailText] = halves;
  if (tailText === undefined) {
    const groups = parseSide(headText, true);
    return groups?.length === 8 ? groups : undefined;
  }
  const head = parseSide(headText, false);
  const tail = parseSide(tailText, true);
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  // `::` stands for at least one zero group.
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function ipv4MappedTail(groups: readonly number[]): number[] | undefined {
  const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (!isMapped) return undefined;
  const high = groups[6] ?? 0;
  const low = groups[7] ?? 0;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff];
}

/** RFC 5952 text, as Go prints it: the first longest run of two or more zero groups becomes `::`. */
function formatIPv6(groups: readonly number[]): string {
  const mapped = ipv4MappedTail(groups);
  if (mapped !== undefined) return `::ffff:${mapped.join('.')}`;
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < groups.length;) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < groups.length && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
