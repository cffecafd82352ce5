// canonicalQuantity recognises already-canonical text without the exact arithmetic; it must agree with the full
// parse-and-format path on every shape, canonical or not.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalQuantity, parseQuantity, quantityToString } from '../../../src/inject/quantity.ts';

const outcome = (run: () => string): string => {
  try {
    return run();
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  }
};

describe('canonicalQuantity agrees with parse and format', () => {
  const numbers = [
    '0', '1', '7', '8', '10', '100', '120', '512', '999', '1000', '1023', '1024', '1025', '1536', '2000',
    '2048', '3000', '4096', '10000', '100000', '7000000', '123456789012345', '1234567890123456',
    '9999999999999999999', '01', '007', '1.5', '0.5', '+1', '-1',
  ]; // prettier-ignore
  const suffixes = [
    '',
    'n',
    'u',
    'm',
    'k',
    'M',
    'G',
    'T',
    'P',
    'E',
    'Ki',
    'Mi',
    'Gi',
    'Ti',
    'Pi',
    'Ei',
    'e3',
    'E-2',
  ];
  it(`for ${numbers.length * suffixes.length} combinations of number and suffix`, () => {
    for (const number of numbers) {
      for (const suffix of suffixes) {
        const text = number + suffix;
        assert.equal(
          outcome(() => canonicalQuantity(text)),
          outcome(() => quantityToString(parseQuantity(text))),
          text,
        );
      }
    }
  });

  it('keeps canonical text and rewrites the rest', () => {
    assert.equal(canonicalQuantity('100m'), '100m');
    assert.equal(canonicalQuantity('1000m'), '1');
    assert.equal(canonicalQuantity('512Mi'), '512Mi');
    assert.equal(canonicalQuantity('1024Mi'), '1Gi');
    assert.equal(canonicalQuantity(2), '2');
  });
});
