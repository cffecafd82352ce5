// An istio-iptables command line (plus its environment) -> CaptureConfig.
//
// Flags follow istio-iptables' pflag rules: `-p 15001`, `-p15001`, `-p=15001`, `--envoy-port 15001`,
// `--envoy-port=15001`; a flag's value is the next argument even when it is empty (`-x ""`) or starts with `-`;
// boolean flags take no separate value (`--redirect-dns`, `--redirect-dns=false`); the last occurrence wins.
// Most flags can also come from an environment variable, which a flag on the command line overrides.
//
// istio-iptables itself checks almost nothing and lets iptables-restore fail; here every value is checked up
// front and an error names the flag (or variable) and the value.
import { defaultCaptureConfig, type CaptureConfig, type InterceptionMode } from './config.ts';
import { checkInterfaceName, parseCidr, parsePort, parsePortEntry, splitList, type Cidr } from './net.ts';

export class CaptureArgsError extends Error {
  override name = 'CaptureArgsError';
  /** The flag (`-p (--envoy-port)`) or environment variable (`env INVALID_DROP`) at fault. */
  readonly source: string;
  readonly value: string | undefined;

  constructor(source: string, value: string | undefined, reason: string) {
    super(value === undefined ? `${source}: ${reason}` : `${source}: invalid value '${value}': ${reason}`);
    this.source = source;
    this.value = value;
  }
}

export interface ParseCaptureOptions {
  /** The init container's environment (`ISTIO_META_DNS_CAPTURE`, `INVALID_DROP`, `ISTIO_OUTBOUND_OWNER_GROUPS`, ...). */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The pod's resolv.conf nameservers, which DNS capture targets; split into IPv4 and IPv6 here. */
  readonly dnsServers?: readonly string[] | undefined;
  /** Whether to write IPv6 rules; istio-iptables detects this from the pod's addresses. Default: `--dual-stack`. */
  readonly ipv6?: boolean | undefined;
}

type FlagKind = 'string' | 'bool';

interface FlagSpec {
  readonly long: string;
  readonly short?: string;
  readonly kind: FlagKind;
  /** Variables that set the flag when it is not on the command line; later entries win. */
  readonly env: readonly string[];
}

/** `foo-bar` -> `FOO_BAR`, the variable istio-iptables binds to most flags. */
const envNameOf = (long: string): string => long.toUpperCase().replaceAll('-', '_');

const flag = (
  long: string,
  short: string | undefined,
  kind: FlagKind,
  extraEnv: readonly string[] = [],
): FlagSpec =>
  short === undefined
    ? { long, kind, env: [envNameOf(long), ...extraEnv] }
    : { long, short, kind, env: [envNameOf(long), ...extraEnv] };

const FLAGS: readonly FlagSpec[] = [
  // The envoy port is the one flag without an environment variable.
  { long: 'envoy-port', short: 'p', kind: 'string', env: [] },
  flag('inbound-capture-port', 'z', 'string'),
  flag('inbound-tunnel-port', 'e', 'string'),
  flag('proxy-uid', 'u', 'string'),
  flag('proxy-gid', 'g', 'string'),
  flag('istio-inbound-interception-mode', 'm', 'string'),
  flag('istio-inbound-ports', 'b', 'string'),
  flag('istio-local-exclude-ports', 'd', 'string'),
  flag('istio-exclude-interfaces', 'c', 'string'),
  flag('istio-service-cidr', 'i', 'string'),
  flag('istio-service-exclude-cidr', 'x', 'string'),
  flag('istio-outbound-ports', 'q', 'string'),
  flag('istio-local-outbound-ports-exclude', 'o', 'string'),
  flag('kube-virt-interfaces', 'k', 'string'),
  flag('istio-inbound-tproxy-mark', 't', 'string'),
  flag('istio-inbound-tproxy-route-table', 'r', 'string'),
  flag('dry-run', 'n', 'bool'),
  flag('iptables-probe-port', undefined, 'string'),
  flag('probe-timeout', undefined, 'string'),
  flag('skip-rule-apply', undefined, 'bool'),
  flag('run-validation', undefined, 'bool'),
  flag('redirect-dns', undefined, 'bool', ['ISTIO_META_DNS_CAPTURE']),
  flag('drop-invalid', undefined, 'bool', ['INVALID_DROP']),
  flag('dual-stack', undefined, 'bool', ['ISTIO_DUAL_STACK']),
  flag('capture-all-dns', undefined, 'bool'),
  flag('network-namespace', undefined, 'string'),
  flag('cni-mode', undefined, 'bool'),
  flag('reconcile', undefined, 'bool'),
  flag('cleanup-only', undefined, 'bool'),
  flag('force-apply', undefined, 'bool'),
  flag('native-nftables', undefined, 'bool'),
  flag('force-iptables-binary', undefined, 'string'),
  // Accepted for init containers written by older Istio releases; they do not change the rules.
  { long: 'iptables-trace-logging', kind: 'bool', env: [] },
  { long: 'restore-format', short: 'f', kind: 'bool', env: [] },
  // Istio's logging flags, shared by all its binaries.
  { long: 'log_output_level', kind: 'string', env: [] },
  { long: 'log_as_json', kind: 'bool', env: [] },
  { long: 'log_caller', kind: 'string', env: [] },
  { long: 'log_stacktrace_level', kind: 'string', env: [] },
  { long: 'log_target', kind: 'string', env: [] },
  { long: 'log_rotate', kind: 'string', env: [] },
  { long: 'log_rotate_max_age', kind: 'string', env: [] },
  { long: 'log_rotate_max_size', kind: 'string', env: [] },
  { long: 'log_rotate_max_backups', kind: 'string', env: [] },
];

const LOG_FLAGS = FLAGS.filter((f) => f.long.startsWith('log_')).map((f) => f.long);
const BY_LONG = new Map(FLAGS.map((f) => [f.long, f]));
const BY_SHORT = new Map(FLAGS.flatMap((f) => (f.short === undefined ? [] : [[f.short, f] as const])));

/** Where a setting came from, for error messages. */
interface Setting {
  readonly value: string;
  readonly source: string;
}

const describeFlag = (spec: FlagSpec): string =>
  spec.short === undefined ? `--${spec.long}` : `-${spec.short} (--${spec.long})`;

/**
 * Parses an istio-iptables argument list into a CaptureConfig. A leading `istio-iptables` (as in a container's
 * `args`) is skipped. Unknown flags, stray arguments and malformed values throw a CaptureArgsError.
 */
export function parseCaptureArgs(argv: readonly string[], options: ParseCaptureOptions = {}): CaptureConfig {
  const settings = new Map<string, Setting>();
  const env = options.env ?? {};
  for (const spec of FLAGS) {
    for (const name of spec.env) {
      const value = env[name];
      if (value !== undefined) settings.set(spec.long, { value, source: `env ${name}` });
    }
  }
  for (const [spec, value] of scanFlags(argv)) settings.set(spec.long, { value, source: describeFlag(spec) });
  return buildConfig(settings, env, options);
}

/** Walks the argument list pflag-style, yielding each flag with its value (`"true"` for a bare boolean). */
function* scanFlags(argv: readonly string[]): Generator<readonly [FlagSpec, string]> {
  const args = [...argv];
  if (args[0] !== undefined && /(^|\/)istio-iptables$/.test(args[0])) args.shift();
  while (args.length > 0) {
    const arg = args.shift() ?? '';
    if (arg === '--') {
      const stray = args[0];
      if (stray !== undefined)
        throw new CaptureArgsError('arguments', undefined, `unexpected argument '${stray}'`);
      return;
    }
    if (arg.startsWith('--')) {
      const body = arg.slice(2);
      const equals = body.indexOf('=');
      const name = equals < 0 ? body : body.slice(0, equals);
      const spec = BY_LONG.get(name);
      if (spec === undefined) throw new CaptureArgsError('arguments', undefined, `unknown flag: --${name}`);
      if (equals >= 0) {
        yield [spec, body.slice(equals + 1)];
      } else if (spec.kind === 'bool') {
        yield [spec, 'true'];
      } else {
        const value = args.shift();
        if (value === undefined)
          throw new CaptureArgsError(describeFlag(spec), undefined, 'flag needs an argument');
        yield [spec, value];
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // A group of shorthands: booleans may be stacked (`-nf`); a string shorthand takes the rest of the group
      // (`-p15001`, `-p=15001`) or else the next argument.
      let rest = arg.slice(1);
      while (rest !== '') {
        const letter = rest.charAt(0);
        rest = rest.slice(1);
        const spec = BY_SHORT.get(letter);
        if (spec === undefined) {
          throw new CaptureArgsError('arguments', undefined, `unknown shorthand flag: '${letter}' in ${arg}`);
        }
        if (spec.kind === 'bool') {
          if (rest.startsWith('=')) {
            yield [spec, rest.slice(1)];
            rest = '';
          } else {
            yield [spec, 'true'];
          }
          continue;
        }
        if (rest !== '') {
          yield [spec, rest.startsWith('=') ? rest.slice(1) : rest];
          rest = '';
          continue;
        }
        const value = args.shift();
        if (value === undefined)
          throw new CaptureArgsError(describeFlag(spec), undefined, 'flag needs an argument');
        yield [spec, value];
      }
      continue;
    }
    throw new CaptureArgsError('arguments', undefined, `unexpected argument '${arg}'`);
  }
}

function buildConfig(
  settings: ReadonlyMap<string, Setting>,
  env: Readonly<Record<string, string | undefined>>,
  options: ParseCaptureOptions,
): CaptureConfig {
  const defaults = defaultCaptureConfig();
  const text = (long: string): Setting | undefined => settings.get(long);
  const fail = (setting: Setting, reason: string): never => {
    throw new CaptureArgsError(setting.source, setting.value, reason);
  };

  const port = (long: string, fallback: number): number => {
    const setting = text(long);
    // istio-iptables falls back to its default for an empty value.
    if (setting === undefined || setting.value === '') return fallback;
    const parsed = parsePort(setting.value.trim(), 1);
    return parsed.ok ? parsed.value : fail(setting, `expected a port from 1 to 65535 (${parsed.reason})`);
  };
  const number = (long: string, fallback: number, what: string): number => {
    const setting = text(long);
    if (setting === undefined || setting.value === '') return fallback;
    const value = setting.value.trim();
    return /^[0-9]+$/.test(value) && Number(value) <= 0xffffffff
      ? Number(value)
      : fail(setting, `expected ${what} (an unsigned 32-bit decimal number)`);
  };
  const bool = (long: string): boolean => {
    const setting = text(long);
    if (setting === undefined) return false;
    const parsed = parseGoBool(setting.value);
    return parsed ?? fail(setting, 'expected a boolean (true, false, 1, 0, t, f)');
  };
  const portList = (long: string): string[] => {
    const setting = text(long);
    if (setting === undefined) return [];
    return splitList(setting.value).map((entry) => {
      const parsed = parsePortEntry(entry);
      return parsed.ok ? parsed.value : fail(setting, parsed.reason);
    });
  };
  const cidrList = (setting: Setting): Cidr[] =>
    splitList(setting.value).map((entry) => {
      const parsed = parseCidr(entry);
      return parsed.ok ? parsed.value : fail(setting, `bad CIDR '${entry}': ${parsed.reason}`);
    });
  const interfaces = (long: string): string[] => {
    const setting = text(long);
    if (setting === undefined) return [];
    return splitList(setting.value).map((name) => {
      const parsed = checkInterfaceName(name);
      return parsed.ok ? parsed.value : fail(setting, parsed.reason);
    });
  };
  const owners = (long: string, fallback: readonly string[]): readonly string[] => {
    const setting = text(long);
    if (setting === undefined || setting.value.trim() === '') return fallback;
    return splitList(setting.value).map((id) =>
      /^[A-Za-z0-9_.-]+$/.test(id) ? id : fail(setting, `'${id}' is not a user or group name or number`),
    );
  };

  const modeSetting = text('istio-inbound-interception-mode');
  let interceptionMode: InterceptionMode = 'REDIRECT';
  if (modeSetting !== undefined && modeSetting.value !== '' && modeSetting.value !== 'REDIRECT') {
    if (modeSetting.value === 'TPROXY') {
      interceptionMode = 'TPROXY';
    } else if (modeSetting.value === 'NONE') {
      fail(modeSetting, 'NONE means no capture: Istio adds no init container in that mode');
    } else {
      fail(modeSetting, 'expected REDIRECT or TPROXY');
    }
  }

  const inboundSetting = text('istio-inbound-ports');
  const inboundPorts = inboundSetting?.value.trim() === '*' ? '*' : portList('istio-inbound-ports');

  const includeSetting = text('istio-service-cidr');
  const outboundIPRanges =
    includeSetting === undefined ? [] : includeSetting.value.trim() === '*' ? '*' : cidrList(includeSetting);
  const excludeSetting = text('istio-service-exclude-cidr');
  if (excludeSetting?.value.trim() === '*') {
    fail(
      excludeSetting,
      "'*' would exclude every destination; list CIDRs, or leave -i empty to capture nothing",
    );
  }
  const outboundIPRangesExclude = excludeSetting === undefined ? [] : cidrList(excludeSetting);

  const proxyUids = owners('proxy-uid', defaults.proxyUids);
  const proxyGids = owners('proxy-gid', proxyUids);
  const dualStack = bool('dual-stack');
  const dnsServers = options.dnsServers ?? [];
  const logOptions: Record<string, string> = {};
  for (const name of LOG_FLAGS) {
    const setting = text(name);
    if (setting !== undefined) logOptions[name] = setting.value;
  }

  return {
    proxyPort: port('envoy-port', defaults.proxyPort),
    inboundCapturePort: port('inbound-capture-port', defaults.inboundCapturePort),
    inboundTunnelPort: port('inbound-tunnel-port', defaults.inboundTunnelPort),
    proxyUids,
    proxyGids,
    interceptionMode,
    inboundPorts,
    inboundPortsExclude: portList('istio-local-exclude-ports'),
    outboundPorts: portList('istio-outbound-ports'),
    outboundPortsExclude: portList('istio-local-outbound-ports-exclude'),
    outboundIPRanges,
    outboundIPRangesExclude,
    excludeInterfaces: interfaces('istio-exclude-interfaces'),
    rerouteVirtualInterfaces: interfaces('kube-virt-interfaces'),
    tproxyMark: number('istio-inbound-tproxy-mark', defaults.tproxyMark, 'a packet mark'),
    tproxyRouteTable: number(
      'istio-inbound-tproxy-route-table',
      defaults.tproxyRouteTable,
      'a routing table id',
    ),
    redirectDNS: bool('redirect-dns'),
    captureAllDNS: bool('capture-all-dns'),
    dropInvalid: bool('drop-invalid'),
    dualStack,
    ipv6: options.ipv6 ?? dualStack,
    dnsServersV4: dnsServers.filter((s) => !s.includes(':')),
    dnsServersV6: dnsServers.filter((s) => s.includes(':')),
    ...ownerGroups(env),
    hostIPv4LoopbackCidr: loopbackCidr(env),
    runValidation: bool('run-validation'),
    skipRuleApply: bool('skip-rule-apply'),
    forceApply: bool('force-apply'),
    nativeNftables: bool('native-nftables'),
    dryRun: bool('dry-run'),
    cniMode: bool('cni-mode'),
    reconcile: bool('reconcile'),
    cleanupOnly: bool('cleanup-only'),
    iptablesProbePort: port('iptables-probe-port', defaults.iptablesProbePort),
    probeTimeout: duration(text('probe-timeout'), defaults.probeTimeout),
    networkNamespace: text('network-namespace')?.value ?? defaults.networkNamespace,
    forceIptablesBinary: text('force-iptables-binary')?.value ?? defaults.forceIptablesBinary,
    logOptions,
  };
}

/** Go's strconv.ParseBool. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(text)) return false;
  return undefined;
}

const GO_DURATION =
  /^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))*$/;

function duration(setting: Setting | undefined, fallback: string): string {
  if (setting === undefined || setting.value === '') return fallback;
  if (setting.value === '0' || GO_DURATION.test(setting.value)) return setting.value;
  throw new CaptureArgsError(setting.source, setting.value, 'expected a duration such as 5s or 500ms');
}

const MAX_OWNER_GROUPS = 64;

function ownerGroups(
  env: Readonly<Record<string, string | undefined>>,
): Pick<CaptureConfig, 'ownerGroupsInclude' | 'ownerGroupsExclude'> {
  const include = env.ISTIO_OUTBOUND_OWNER_GROUPS ?? '*';
  const exclude = splitList(env.ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE ?? '');
  if (include === '*') return { ownerGroupsInclude: '*', ownerGroupsExclude: exclude };
  const groups = splitList(include);
  // Every included group becomes one match in a single rule, and kernels cap matches per rule.
  if (groups.length > MAX_OWNER_GROUPS) {
    throw new CaptureArgsError(
      'env ISTIO_OUTBOUND_OWNER_GROUPS',
      include,
      `at most ${MAX_OWNER_GROUPS} groups can be listed, got ${groups.length}`,
    );
  }
  return { ownerGroupsInclude: groups, ownerGroupsExclude: exclude };
}

function loopbackCidr(env: Readonly<Record<string, string | undefined>>): string {
  const value = env.ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR;
  if (value === undefined) return '127.0.0.1/32';
  const source = 'env ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR';
  const parsed = parseCidr(value);
  if (!parsed.ok) throw new CaptureArgsError(source, value, parsed.reason);
  if (parsed.value.family !== 4 || !parsed.value.isLoopback) {
    throw new CaptureArgsError(source, value, 'expected an IPv4 loopback CIDR (127.0.0.0/8)');
  }
  const bits = Number(parsed.value.text.split('/')[1]);
  if (bits < 8) throw new CaptureArgsError(source, value, 'expected a prefix length from 8 to 32');
  return parsed.value.text;
}

/**
 * Splits a shell-style command line into arguments: whitespace separates, single quotes keep everything, double
 * quotes keep everything but `\"` and `\\`, a backslash outside quotes escapes the next character. `-x ""` gives
 * an empty argument. Meant for pasted `istio-iptables ...` lines, not full shell syntax.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const char = line.charAt(i);
    if (char === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new CaptureArgsError('command line', line, 'unterminated single quote');
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (char === '"') {
      let j = i + 1;
      for (; j < line.length && line.charAt(j) !== '"'; j++) {
        const next = line.charAt(j + 1);
        if (line.charAt(j) === '\\' && (next === '"' || next === '\\')) {
          word += next;
          j++;
        } else {
          word += line.charAt(j);
        }
      }
      if (j >= line.length) throw new CaptureArgsError('command line', line, 'unterminated double quote');
      inWord = true;
      i = j;
    } else if (char === '\\' && i + 1 < line.length) {
      word += line.charAt(i + 1);
      inWord = true;
      i++;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
