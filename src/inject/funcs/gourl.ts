// Go's net/url Parse and URL.String, for sprig's `urlParse` and `urlJoin`.
//
// Go escapes per URL component (a path keeps `/` and `:`, a query component escapes them, a host keeps
// sub-delimiters), keeps the decoded path and fragment next to the original spelling when it differs, and
// rejects malformed escapes, ports and IP literals with specific messages. This follows url.go (Go 1.26,
// where `urlstrictcolons` is on: an http(s) host with several colons outside brackets is an error). IPv6
// literals are validated with Node's address parser; the text of that one error is approximate.
import { isIPv4, isIPv6 } from 'node:net';

import { goSprintf } from '../../template/fmt.ts';
import { quote } from '../../template/strconv.ts';
import { fromUtf8, utf8Bytes } from './gostrings.ts';

type Mode = 'path' | 'pathSegment' | 'host' | 'zone' | 'userPassword' | 'queryComponent' | 'fragment';

/** A URL as Go's url.URL holds it. */
export interface GoURL {
  scheme: string;
  opaque: string;
  user: { username: string; password: string | undefined } | undefined;
  host: string;
  path: string;
  rawPath: string;
  fragment: string;
  rawFragment: string;
  rawQuery: string;
  forceQuery: boolean;
  omitHost: boolean;
}

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

function shouldEscape(c: number, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(ch)) return false;
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case 'path':
        return ch === '?';
      case 'pathSegment':
        return '/;,?'.includes(ch);
      case 'userPassword':
        return '@/?:'.includes(ch);
      case 'queryComponent':
        return true;
      case 'fragment':
        return false;
      default:
        break;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(ch)) return false;
  return true;
}

const UPPER_HEX = '0123456789ABCDEF';

function escape(s: string, mode: Mode): string {
  let out = '';
  for (const c of utf8Bytes(s)) {
    if (c === 0x20 && mode === 'queryComponent') out += '+';
    else if (shouldEscape(c, mode)) out += '%' + UPPER_HEX[c >> 4]! + UPPER_HEX[c & 15]!;
    else out += String.fromCharCode(c);
  }
  return out;
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

class UrlError extends Error {}

function unescape(s: string, mode: Mode): string {
  const bytes = utf8Bytes(s);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x25) {
      const hi = hexValue(bytes[i + 1]);
      const lo = hexValue(bytes[i + 2]);
      if (hi < 0 || lo < 0)
        throw new UrlError(`invalid URL escape ${quote(fromUtf8(bytes.subarray(i, i + 3)))}`);
      const seq = fromUtf8(bytes.subarray(i, i + 3));
      if (mode === 'host' && hi < 8 && seq !== '%25') throw new UrlError(`invalid URL escape ${quote(seq)}`);
      const v = (hi << 4) | lo;
      if (mode === 'zone' && seq !== '%25' && v !== 0x20 && shouldEscape(v, 'host')) {
        throw new UrlError(`invalid URL escape ${quote(seq)}`);
      }
      out.push(v);
      i += 2;
    } else if (c === 0x2b) {
      out.push(mode === 'queryComponent' ? 0x20 : 0x2b);
    } else {
      if ((mode === 'host' || mode === 'zone') && c < 0x80 && shouldEscape(c, mode)) {
        throw new UrlError(`invalid character ${quote(String.fromCharCode(c))} in host name`);
      }
      out.push(c);
    }
  }
  return fromUtf8(Uint8Array.from(out));
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  return /^:[0-9]*$/.test(port);
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) throw new UrlError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

function parseHost(scheme: string, host: string): string {
  const open = host.lastIndexOf('[');
  if (open > 0) throw new UrlError('invalid IP-literal');
  if (open === 0) {
    const close = host.lastIndexOf(']');
    if (close < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${quote(colonPort)} after host`);
    const port = unescape(colonPort, 'host');
    const name = host.slice(1, close);
    const zone = name.indexOf('%25');
    const address =
      zone >= 0
        ? unescape(name.slice(0, zone), 'host') + unescape(name.slice(zone), 'zone')
        : unescape(name, 'host');
    if (isIPv4(address)) throw new UrlError('invalid IP-literal');
    if (!isIPv6(address))
      throw new UrlError(`invalid host: ParseAddr(${quote(address)}): unable to parse IP`);
    return '[' + address + ']' + port;
  }
  let i = host.indexOf(':');
  if (i !== -1) {
    const last = host.lastIndexOf(':');
    if (last !== i && scheme !== 'http' && scheme !== 'https') i = last;
    const colonPort = host.slice(i);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${quote(colonPort)} after host`);
  }
  return unescape(host, 'host');
}

function parseAuthority(url: GoURL, authority: string): void {
  const at = authority.lastIndexOf('@');
  url.host = parseHost(url.scheme, at < 0 ? authority : authority.slice(at + 1));
  if (at < 0) return;
  const userinfo = authority.slice(0, at);
  if (!validUserinfo(userinfo)) throw new UrlError('net/url: invalid userinfo');
  const colon = userinfo.indexOf(':');
  url.user =
    colon < 0
      ? { username: unescape(userinfo, 'userPassword'), password: undefined }
      : {
          username: unescape(userinfo.slice(0, colon), 'userPassword'),
          password: unescape(userinfo.slice(colon + 1), 'userPassword'),
        };
}

function setPath(url: GoURL, p: string): void {
  url.path = unescape(p, 'path');
  url.rawPath = escape(url.path, 'path') === p ? '' : p;
}

/** url.Parse; throws an Error with Go's message (`parse "x": missing protocol scheme`). */
export function parseURL(rawURL: string): GoURL {
  const hash = rawURL.indexOf('#');
  const u = hash < 0 ? rawURL : rawURL.slice(0, hash);
  const frag = hash < 0 ? '' : rawURL.slice(hash + 1);
  let url: GoURL;
  try {
    url = parseWithoutFragment(u);
  } catch (err) {
    if (err instanceof UrlError)
      throw new Error(`parse ${goSprintf('%q', u)}: ${err.message}`, { cause: err });
    throw err;
  }
  if (frag === '') return url;
  try {
    url.fragment = unescape(frag, 'fragment');
    url.rawFragment = escape(url.fragment, 'fragment') === frag ? '' : frag;
  } catch (err) {
    if (err instanceof UrlError) {
      throw new Error(`parse ${goSprintf('%q', rawURL)}: ${err.message}`, { cause: err });
    }
    throw err;
  }
  return url;
}

function parseWithoutFragment(raw: string): GoURL {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) throw new UrlError('net/url: invalid control character in URL');
  }
  const url: GoURL = {
    scheme: '',
    opaque: '',
    user: undefined,
    host: '',
    path: '',
    rawPath: '',
    fragment: '',
    rawFragment: '',
    rawQuery: '',
    forceQuery: false,
    omitHost: false,
  };
  if (raw === '*') {
    url.path = '*';
    return url;
  }
  const [scheme, afterScheme] = getScheme(raw);
  let rest = afterScheme;
  url.scheme = scheme.toLowerCase();
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) {
    url.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      url.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (url.scheme !== '') {
      url.opaque = rest;
      return url;
    }
    if ((rest.split('/', 1)[0] ?? '').includes(':'))
      throw new UrlError('first path segment in URL cannot contain colon');
  }
  if ((url.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    parseAuthority(url, authority);
  } else if (url.scheme !== '' && rest.startsWith('/')) {
    url.omitHost = true;
  }
  setPath(url, rest);
  return url;
}

function validEncoded(s: string, mode: Mode): boolean {
  for (const c of utf8Bytes(s)) {
    if (`!$&'()*+,;=:@[]%`.includes(String.fromCharCode(c))) continue;
    if (shouldEscape(c, mode)) return false;
  }
  return true;
}

function escapedPath(url: GoURL): string {
  if (url.rawPath !== '' && validEncoded(url.rawPath, 'path')) {
    try {
      if (unescape(url.rawPath, 'path') === url.path) return url.rawPath;
    } catch {
      // fall through to escaping the decoded path
    }
  }
  return url.path === '*' ? '*' : escape(url.path, 'path');
}

function escapedFragment(url: GoURL): string {
  if (url.rawFragment !== '' && validEncoded(url.rawFragment, 'fragment')) {
    try {
      if (unescape(url.rawFragment, 'fragment') === url.fragment) return url.rawFragment;
    } catch {
      // fall through to escaping the decoded fragment
    }
  }
  return escape(url.fragment, 'fragment');
}

/** Userinfo.String: `user[:password]`, escaped. */
export function userinfoString(user: GoURL['user']): string {
  if (user === undefined) return '';
  const name = escape(user.username, 'userPassword');
  return user.password === undefined ? name : name + ':' + escape(user.password, 'userPassword');
}

/** URL.String. */
export function urlString(url: GoURL): string {
  let out = '';
  if (url.scheme !== '') out += url.scheme + ':';
  if (url.opaque !== '') {
    out += url.opaque;
  } else {
    if (url.scheme !== '' || url.host !== '' || url.user !== undefined) {
      if (!(url.omitHost && url.host === '' && url.user === undefined)) {
        if (url.host !== '' || url.path !== '' || url.user !== undefined) out += '//';
        if (url.user !== undefined) out += userinfoString(url.user) + '@';
        if (url.host !== '') out += escape(url.host, 'host');
      }
    }
    const path = escapedPath(url);
    if (path !== '' && !path.startsWith('/') && url.host !== '') out += '/';
    if (out === '' && (path.split('/', 1)[0] ?? '').includes(':')) out += './';
    out += path;
  }
  if (url.forceQuery || url.rawQuery !== '') out += '?' + url.rawQuery;
  if (url.fragment !== '') out += '#' + escapedFragment(url);
  return out;
}

/** URL.Hostname: the host without port and brackets. */
export function hostname(url: GoURL): string {
  let host = url.host;
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && validOptionalPort(host.slice(colon))) host = host.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return host;
}

/** The userinfo of `proto://<userinfo>@host`, as sprig's urlJoin reads it; throws Go's parse error. */
export function parseUserinfo(userinfo: string): GoURL['user'] {
  return parseURL(`proto://${userinfo}@host`).user;
}
