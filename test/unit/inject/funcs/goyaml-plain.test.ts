// goYamlMarshal writes plain JSON data without the JSON round trip it otherwise takes (json.Marshal, then
// Unmarshal); both ways must give the same text. An object with another prototype is not plain data, so it
// takes the round trip with the same content.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goYamlMarshal } from '../../../../src/inject/funcs/goyaml.ts';

const viaRoundTrip = (value: Record<string, unknown>): string =>
  goYamlMarshal(Object.assign(Object.create({ notPlain: true }) as object, value));

describe('goYamlMarshal of plain data', () => {
  it('equals the round trip on tricky keys and scalars', () => {
    const value = {
      '010': 1,
      '0x10': 2,
      '1.0': 'yes',
      '10': 'no',
      '2': '10m',
      a2: '128Mi',
      a10: '2001-12-14',
      'a: b': '# c',
      '': '',
      '---': '0b101',
      'x\u2028y': 'line\nbreak',
      long: 'word '.repeat(30),
      numbers: [0, -0, 1e21, 1e-7, 0.1, 2 ** 53, 123456789012],
      nested: { on: null, off: true, list: [[], {}, ['~', '<<', '.inf']] },
    };
    assert.equal(goYamlMarshal(value), viaRoundTrip(value));
  });

  it('equals the round trip on generated data', () => {
    let seed = 11;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const pieces = [
      '0',
      '1',
      '09',
      'x',
      'a',
      'Z',
      '-',
      '.',
      ':',
      ' ',
      '#',
      '_',
      'yes',
      'e3',
      '\n',
      'é',
      '10m',
    ];
    const text = (): string =>
      Array.from({ length: random(5) }, () => pieces[random(pieces.length)]!).join('');
    const value = (depth: number): unknown => {
      const kind = depth > 3 ? random(4) : random(7);
      if (kind === 0) return text();
      if (kind === 1) return [0, 1.5, -3, 1e21, 7e-8, 42][random(6)];
      if (kind === 2) return [true, false, null][random(3)];
      if (kind === 3) return text();
      if (kind === 4) return Array.from({ length: random(4) }, () => value(depth + 1));
      return object(depth);
    };
    const object = (depth: number): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (let i = random(5); i > 0; i--) out[text()] = value(depth + 1);
      return out;
    };
    for (let i = 0; i < 2000; i++) {
      const data = object(0);
      assert.equal(goYamlMarshal(data), viaRoundTrip(data), JSON.stringify(data));
    }
  });
});
