// Masterminds/semver v3.3.0, for sprig's `semver` and `semverCompare`.
//
// Versions are parsed loosely (a `v` prefix, missing minor or patch), constraints support `=`, `!=`, `>`,
// `<`, `>=`, `<=`, `~`, `~>`, `^`, wildcards (`1.2.x`, `*`), hyphen ranges (`1.2 - 1.4.5`), AND (space or
// comma) and OR (`||`). A prerelease version only satisfies a constraint that itself names a prerelease.
// The patterns are the library's own Go regular expressions, run through the Go-regexp translator, so
// they accept exactly what the library accepts.
import { goStruct, withSignature } from '../../template/index.ts';
import { compileGoRegexp, findAllString, findAllStringSubmatch, findStringSubmatch } from './regex.ts';

const VERSION = String.raw`v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const CONSTRAINT_VERSION = String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const OPS = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;

const versionRegex = compileGoRegexp(`^${VERSION}$`);
const constraintRegex = compileGoRegexp(String.raw`^\s*(${OPS})\s*(${CONSTRAINT_VERSION})\s*$`);
const rangeRegex = compileGoRegexp(String.raw`\s*(${CONSTRAINT_VERSION})\s+-\s+(${CONSTRAINT_VERSION})\s*`);
const findConstraintRegex = compileGoRegexp(`(${OPS})\\s*(${CONSTRAINT_VERSION})`);
const validConstraintRegex = compileGoRegexp(
  String.raw`^(\s*(${OPS})\s*(${CONSTRAINT_VERSION})\s*)((?:\s+|,\s*)(${OPS})\s*(${CONSTRAINT_VERSION})\s*)*$`,
);

const MAX_UINT64 = (1n << 64n) - 1n;
const ALLOWED = /^[A-Za-z0-9-]*$/;
const DIGITS = /^[0-9]*$/;

function parseUint(s: string): bigint {
  const n = /^[0-9]+$/.test(s) ? BigInt(s) : undefined;
  if (n === undefined || n > MAX_UINT64) {
    const reason = n === undefined ? 'invalid syntax' : 'value out of range';
    throw new Error(`Error parsing version segment: strconv.ParseUint: parsing "${s}": ${reason}`);
  }
  return n;
}

function validatePrerelease(p: string): void {
  for (const part of p.split('.')) {
    if (DIGITS.test(part)) {
      if (part.length > 1 && part.startsWith('0')) throw new Error('Version segment starts with 0');
    } else if (!ALLOWED.test(part)) {
      throw new Error('Invalid Prerelease string');
    }
  }
}

function validateMetadata(m: string): void {
  for (const part of m.split('.')) if (!ALLOWED.test(part)) throw new Error('Invalid Metadata string');
}

function compareSegment(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePrePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === '') return -1;
  if (o === '') return 1;
  const sNum = /^[0-9]+$/.test(s) && BigInt(s) <= MAX_UINT64;
  const oNum = /^[0-9]+$/.test(o) && BigInt(o) <= MAX_UINT64;
  if (!sNum && !oNum) return s > o ? 1 : -1;
  if (!oNum) return -1;
  if (!sNum) return 1;
  return BigInt(s) > BigInt(o) ? 1 : -1;
}

function comparePrerelease(v: string, o: string): number {
  const sp = v.split('.');
  const op = o.split('.');
  for (let i = 0; i < Math.max(sp.length, op.length); i++) {
    const d = comparePrePart(sp[i] ?? '', op[i] ?? '');
    if (d !== 0) return d;
  }
  return 0;
}

/** *semver.Version, with the library's methods callable from templates (`(semver "1.2.3").Major`). */
export class SemverVersion {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: string;
  readonly metadata: string;
  readonly original: string;

  constructor(major: bigint, minor: bigint, patch: bigint, pre: string, metadata: string, original: string) {
    this.major = major;
    this.minor = minor;
    this.patch = patch;
    this.pre = pre;
    this.metadata = metadata;
    this.original = original;
  }

  Major(): bigint {
    return this.major;
  }
  Minor(): bigint {
    return this.minor;
  }
  Patch(): bigint {
    return this.patch;
  }
  Prerelease(): string {
    return this.pre;
  }
  Metadata(): string {
    return this.metadata;
  }
  Original(): string {
    return this.original;
  }
  String(): string {
    let s = `${String(this.major)}.${String(this.minor)}.${String(this.patch)}`;
    if (this.pre !== '') s += '-' + this.pre;
    if (this.metadata !== '') s += '+' + this.metadata;
    return s;
  }

  Compare(o: unknown): bigint {
    return BigInt(this.compare(asVersion(o)));
  }
  LessThan(o: unknown): boolean {
    return this.compare(asVersion(o)) < 0;
  }
  LessThanEqual(o: unknown): boolean {
    return this.compare(asVersion(o)) <= 0;
  }
  GreaterThan(o: unknown): boolean {
    return this.compare(asVersion(o)) > 0;
  }
  GreaterThanEqual(o: unknown): boolean {
    return this.compare(asVersion(o)) >= 0;
  }
  Equal(o: unknown): boolean {
    return this.compare(asVersion(o)) === 0;
  }

  IncPatch(): SemverVersion {
    return this.next(this.major, this.minor, this.pre !== '' ? this.patch : this.patch + 1n, '', '');
  }
  IncMinor(): SemverVersion {
    return this.next(this.major, this.minor + 1n, 0n, '', '');
  }
  IncMajor(): SemverVersion {
    return this.next(this.major + 1n, 0n, 0n, '', '');
  }
  SetPrerelease(pre: string): SemverVersion {
    if (pre !== '') validatePrerelease(pre);
    return this.next(this.major, this.minor, this.patch, pre, this.metadata);
  }
  SetMetadata(metadata: string): SemverVersion {
    if (metadata !== '') validateMetadata(metadata);
    return this.next(this.major, this.minor, this.patch, this.pre, metadata);
  }

  /** encoding/json uses MarshalJSON: the version text. */
  toJSON(): string {
    return this.String();
  }

  compare(o: SemverVersion): number {
    const d =
      compareSegment(this.major, o.major) ||
      compareSegment(this.minor, o.minor) ||
      compareSegment(this.patch, o.patch);
    if (d !== 0) return d;
    if (this.pre === '' && o.pre === '') return 0;
    if (this.pre === '') return 1;
    if (o.pre === '') return -1;
    return comparePrerelease(this.pre, o.pre);
  }

  private next(major: bigint, minor: bigint, patch: bigint, pre: string, metadata: string): SemverVersion {
    const prefix = this.original.startsWith('v') ? 'v' : '';
    const v = new SemverVersion(major, minor, patch, pre, metadata, '');
    return new SemverVersion(major, minor, patch, pre, metadata, prefix + v.String());
  }
}
// Methods that take arguments get Go's parameter checks.
const methods = SemverVersion.prototype as unknown as Record<string, (...args: never[]) => unknown>;
for (const name of ['Compare', 'LessThan', 'LessThanEqual', 'GreaterThan', 'GreaterThanEqual', 'Equal']) {
  withSignature({ params: ['any'] }, methods[name]!);
}
for (const name of ['SetPrerelease', 'SetMetadata']) withSignature({ params: ['string'] }, methods[name]!);
goStruct('semver.Version', SemverVersion.prototype, { pointer: true });

function asVersion(o: unknown): SemverVersion {
  if (o instanceof SemverVersion) return o;
  throw new Error('runtime error: invalid memory address or nil pointer dereference');
}

/** semver.NewVersion. */
export function newVersion(v: string): SemverVersion {
  const m = findStringSubmatch(versionRegex, v);
  if (m === undefined) throw new Error('Invalid Semantic Version');
  const major = parseUint(m[1]!);
  const minor = m[2] !== '' ? parseUint(m[2]!.slice(1)) : 0n;
  const patch = m[3] !== '' ? parseUint(m[3]!.slice(1)) : 0n;
  const pre = m[5]!;
  const metadata = m[8]!;
  if (pre !== '') validatePrerelease(pre);
  if (metadata !== '') validateMetadata(metadata);
  return new SemverVersion(major, minor, patch, pre, metadata, v);
}

interface Constraint {
  readonly con: SemverVersion;
  readonly op: string;
  readonly minorDirty: boolean;
  readonly patchDirty: boolean;
  readonly dirty: boolean;
}

const isX = (s: string): boolean => s === 'x' || s === 'X' || s === '*';

function parseConstraint(c: string): Constraint {
  if (c === '')
    return { con: newVersion('0.0.0'), op: '', minorDirty: false, patchDirty: false, dirty: true };
  const m = findStringSubmatch(constraintRegex, c);
  if (m === undefined) throw new Error(`improper constraint: ${c}`);
  const [, op = '', , major = '', minor = '', patch = '', prerelease = ''] = m;
  let ver = m[2]!;
  let minorDirty = false;
  let patchDirty = false;
  let dirty = false;
  if (isX(major) || major === '') {
    ver = `0.0.0${prerelease}`;
    dirty = true;
  } else if (isX(minor.replace(/^\./, '')) || minor === '') {
    minorDirty = true;
    dirty = true;
    ver = `${major}.0.0${prerelease}`;
  } else if (isX(patch.replace(/^\./, '')) || patch === '') {
    dirty = true;
    patchDirty = true;
    ver = `${major}${minor}.0${prerelease}`;
  }
  let con: SemverVersion;
  try {
    con = newVersion(ver);
  } catch {
    throw new Error('constraint Parser Error');
  }
  return { con, op, minorDirty, patchDirty, dirty };
}

function check(v: SemverVersion, c: Constraint): boolean {
  const releaseOnly = v.pre !== '' && c.con.pre === '';
  switch (c.op) {
    case '!=': {
      if (c.dirty) {
        if (releaseOnly) return false;
        if (c.con.major !== v.major) return true;
        if (c.con.minor !== v.minor && !c.minorDirty) return true;
        if (c.minorDirty) return false;
        if (c.con.patch !== v.patch && !c.patchDirty) return true;
        if (c.patchDirty) {
          if (v.pre !== '' || c.con.pre !== '') return comparePrerelease(v.pre, c.con.pre) !== 0;
          return false;
        }
      }
      return v.compare(c.con) !== 0;
    }
    case '>': {
      if (releaseOnly) return false;
      if (!c.dirty) return v.compare(c.con) === 1;
      if (v.major > c.con.major) return true;
      if (v.major < c.con.major || c.minorDirty) return false;
      if (c.patchDirty) return v.minor > c.con.minor;
      return v.compare(c.con) === 1;
    }
    case '<':
      return !releaseOnly && v.compare(c.con) < 0;
    case '>=':
    case '=>':
      return !releaseOnly && v.compare(c.con) >= 0;
    case '<=':
    case '=<': {
      if (releaseOnly) return false;
      if (!c.dirty) return v.compare(c.con) <= 0;
      if (v.major > c.con.major) return false;
      return !(v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty);
    }
    case '~':
    case '~>':
      return !releaseOnly && tilde(v, c);
    case '^':
      return !releaseOnly && caret(v, c);
    default:
      // "" and "=": equality, or tilde for a wildcard.
      if (releaseOnly) return false;
      return c.dirty ? tilde(v, c) : v.compare(c.con) === 0;
  }
}

function tilde(v: SemverVersion, c: Constraint): boolean {
  if (v.compare(c.con) < 0) return false;
  if (c.con.major === 0n && c.con.minor === 0n && c.con.patch === 0n && !c.minorDirty && !c.patchDirty)
    return true;
  if (v.major !== c.con.major) return false;
  return !(v.minor !== c.con.minor && !c.minorDirty);
}

function caret(v: SemverVersion, c: Constraint): boolean {
  if (v.compare(c.con) < 0) return false;
  if (c.con.major > 0n || c.minorDirty) return v.major === c.con.major;
  if (v.major > 0n) return false;
  if (c.con.minor > 0n || c.patchDirty) return v.minor === c.con.minor;
  if (v.minor > 0n) return false;
  return c.con.patch === v.patch;
}

/** rewriteRange: `1.2 - 1.4.5` becomes `>= 1.2, <= 1.4.5`. */
function rewriteRange(s: string): string {
  let out = s;
  for (const m of findAllStringSubmatch(rangeRegex, s, -1)) {
    const rewritten = `>= ${m[1]!}, <= ${m[11]!} `;
    out = out.replace(m[0]!, () => rewritten);
  }
  return out;
}

/** semver.NewConstraint(constraint).Check(NewVersion(version)), with the library's errors. */
export function semverCompare(constraint: string, version: string): boolean {
  const groups = rewriteRange(constraint)
    .split('||')
    .map((alternative) => {
      if (findStringSubmatch(validConstraintRegex, alternative) === undefined) {
        throw new Error(`improper constraint: ${alternative}`);
      }
      const parts = findAllString(findConstraintRegex, alternative, -1);
      return (parts.length === 0 ? [alternative] : parts).map(parseConstraint);
    });
  const v = newVersion(version);
  return groups.some((all) => all.every((c) => check(v, c)));
}
