// sprig encodings and hashes. Expected values are Go's (see ../support.ts).
import type { Case } from '../support.ts';

export const CASES: readonly Case[] = [
  {
    name: 'b64enc and b64dec',
    tpl: '{{ b64enc "hello é" }} {{ b64dec "aGVsbG8=" }} {{ b64dec "aGVs\\nbG8=" }} {{ b64enc "" }}|',
    want: 'aGVsbG8gw6k= hello hello |',
  },
  {
    name: 'b64dec returns the error text',
    tpl: '{{ b64dec "aGVsbG8" }}|{{ b64dec "!!!" }}|{{ b64dec "aGVsbG8=x" }}|{{ b64dec "a===" }}|{{ b64dec "aG=" }}',
    want: 'illegal base64 data at input byte 4|illegal base64 data at input byte 0|illegal base64 data at input byte 8|illegal base64 data at input byte 1|illegal base64 data at input byte 3',
  },
  {
    name: 'b32enc and b32dec',
    tpl: '{{ b32enc "hi" }} {{ b32dec "NBUQ====" }} {{ b32enc "hello world" }} {{ b32dec "NBSWY3DPEB3W64TMMQ======" }}',
    want: 'NBUQ==== hi NBSWY3DPEB3W64TMMQ====== hello world',
  },
  {
    name: 'b32dec returns the error text',
    tpl: '{{ b32dec "NBUQ" }}|{{ b32dec "NB=Q====" }}|{{ b32dec "1234" }}|{{ b32dec "N=======" }}',
    want: 'illegal base32 data at input byte 0|illegal base32 data at input byte 2|illegal base32 data at input byte 0|illegal base32 data at input byte 1',
  },
  {
    name: 'hashes',
    tpl: '{{ sha1sum "abc" }} {{ sha256sum "abc" }} {{ adler32sum "abc" }} {{ adler32sum "" }}',
    want: 'a9993e364706816aba3e25717850c26c9cd0d89d ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 38600999 1',
  },
  {
    name: 'sha512sum',
    tpl: '{{ sha512sum "abc" }}',
    want: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
  },
];
