// Go's encoding/base64 and encoding/base32 standard encodings, and hash/adler32.
//
// sprig's `b64dec`/`b32dec` return the decoder's error text instead of failing (`illegal base64 data at
// input byte 4`), so decoding follows Go's decoders exactly: padding is required, line breaks are skipped,
// and the reported offset is Go's. Node's own base64 decoder is lenient and reports nothing.
import { fromUtf8, utf8Bytes } from './gostrings.ts';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const PAD = 0x3d; // '='

function decodeMap(alphabet: string): Int16Array {
  const map = new Int16Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) map[alphabet.charCodeAt(i)] = i;
  return map;
}

const B64_MAP = decodeMap(B64);
const B32_MAP = decodeMap(B32);

class CorruptInput extends Error {
  constructor(offset: number, kind: string) {
    super(`illegal ${kind} data at input byte ${String(offset)}`);
  }
}

export function base64Encode(s: string): string {
  return Buffer.from(utf8Bytes(s)).toString('base64');
}

/** base64.StdEncoding.DecodeString; returns the decoded text or Go's error message. */
export function base64Decode(s: string): { value: string } | { error: string } {
  const src = utf8Bytes(s);
  const out: number[] = [];
  let si = 0;
  const isNewline = (c: number | undefined): boolean => c === 0x0a || c === 0x0d;
  try {
    for (;;) {
      const buf = [0, 0, 0, 0];
      let dlen = 4;
      let trailing: number | undefined;
      let j = 0;
      for (; j < 4; j++) {
        if (si === src.length) {
          if (j === 0) return { value: fromUtf8(Uint8Array.from(out)) };
          throw new CorruptInput(si - j, 'base64');
        }
        const c = src[si++]!;
        const v = B64_MAP[c]!;
        if (v >= 0) {
          buf[j] = v;
          continue;
        }
        if (isNewline(c)) {
          j--;
          continue;
        }
        if (c !== PAD) throw new CorruptInput(si - 1, 'base64');
        if (j < 2) throw new CorruptInput(si - 1, 'base64');
        if (j === 2) {
          while (si < src.length && isNewline(src[si])) si++;
          if (si === src.length) throw new CorruptInput(src.length, 'base64');
          if (src[si] !== PAD) throw new CorruptInput(si - 1, 'base64');
          si++;
        }
        while (si < src.length && isNewline(src[si])) si++;
        if (si < src.length) trailing = si;
        dlen = j;
        break;
      }
      const val = (buf[0]! << 18) | (buf[1]! << 12) | (buf[2]! << 6) | buf[3]!;
      const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
      out.push(...bytes.slice(0, dlen - 1));
      if (trailing !== undefined) throw new CorruptInput(trailing, 'base64');
      if (dlen < 4) return { value: fromUtf8(Uint8Array.from(out)) };
    }
  } catch (err) {
    if (err instanceof CorruptInput) return { error: err.message };
    throw err;
  }
}

export function base32Encode(s: string): string {
  const bytes = utf8Bytes(s);
  let out = '';
  for (let i = 0; i < bytes.length; i += 5) {
    const chunk = bytes.subarray(i, i + 5);
    let bits = 0n;
    for (let k = 0; k < 5; k++) bits = (bits << 8n) | BigInt(chunk[k] ?? 0);
    const chars = [2, 4, 5, 7, 8][chunk.length - 1] ?? 8;
    for (let k = 0; k < 8; k++) {
      out += k < chars ? B32[Number((bits >> BigInt(35 - 5 * k)) & 31n)]! : '=';
    }
  }
  return out;
}

/** base32.StdEncoding.DecodeString; returns the decoded text or Go's error message. */
export function base32Decode(s: string): { value: string } | { error: string } {
  // Go strips line breaks before decoding (and reports offsets in the stripped input).
  const src = Array.from(utf8Bytes(s)).filter((c) => c !== 0x0a && c !== 0x0d);
  const olen = src.length;
  const out: number[] = [];
  let rest = 0; // index of the next unread byte
  let end = false;
  try {
    while (rest < olen && !end) {
      const buf = [0, 0, 0, 0, 0, 0, 0, 0];
      let dlen = 8;
      for (let j = 0; j < 8;) {
        if (rest === olen) throw new CorruptInput(olen - j, 'base32');
        const c = src[rest++]!;
        const remaining = olen - rest;
        if (c === PAD && j >= 2 && remaining < 8) {
          if (remaining + j < 7) throw new CorruptInput(olen, 'base32');
          for (let k = 0; k < 7 - j; k++) {
            if (remaining > k && src[rest + k] !== PAD)
              throw new CorruptInput(olen - remaining + k - 1, 'base32');
          }
          dlen = j;
          end = true;
          if (dlen === 1 || dlen === 3 || dlen === 6) throw new CorruptInput(olen - remaining - 1, 'base32');
          break;
        }
        const v = B32_MAP[c]!;
        if (v < 0) throw new CorruptInput(olen - remaining - 1, 'base32');
        buf[j++] = v;
      }
      let bits = 0n;
      for (const v of buf) bits = (bits << 5n) | BigInt(v);
      const bytes = [32n, 24n, 16n, 8n, 0n].map((shift) => Number((bits >> shift) & 0xffn));
      const produced = [0, 0, 1, 1, 2, 3, 3, 4, 5][dlen]!;
      out.push(...bytes.slice(0, produced));
    }
  } catch (err) {
    if (err instanceof CorruptInput) return { error: err.message };
    throw err;
  }
  return { value: fromUtf8(Uint8Array.from(out)) };
}

/** hash/adler32 checksum of the UTF-8 bytes. */
export function adler32(s: string): number {
  let a = 1;
  let b = 0;
  for (const byte of utf8Bytes(s)) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}
