// Parse once, execute many: parse() caches templates by content, options and function-map identity.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parse, type FuncMap } from '../../../src/template/index.ts';

describe('parse cache', () => {
  const funcs: FuncMap = { up: (s: unknown) => String(s).toUpperCase() };

  it('returns the same Template for the same name, text and options', () => {
    const a = parse('c', 'x {{up .}}', { funcs });
    const b = parse('c', 'x {{up .}}', { funcs });
    assert.equal(a, b);
    assert.equal(b.execute('y'), 'x Y');
  });

  it('keys on the name, the text, the options and the function map identity', () => {
    const base = parse('c', '{{.}}');
    assert.notEqual(parse('d', '{{.}}'), base);
    assert.notEqual(parse('c', '{{.}} '), base);
    assert.notEqual(parse('c', '{{.}}', { missingKey: 'zero' }), base);
    assert.notEqual(parse('c', '{{.}}', { delims: ['<<', '>>'] }), base);
    assert.notEqual(parse('c', '{{.}}', { funcs: { ...funcs } }), base);
    assert.equal(parse('c', '{{.}}', {}), base);
  });

  it('does not cache failures', () => {
    assert.throws(() => parse('bad', '{{'));
    assert.throws(() => parse('bad', '{{'));
  });

  it('drops the least recently used entries beyond its bound', () => {
    const own: FuncMap = {};
    const first = parse('lru', 'first', { funcs: own });
    for (let i = 0; i < 300; i++) parse('lru', `t${i}`, { funcs: own });
    assert.notEqual(parse('lru', 'first', { funcs: own }), first);
  });

  it('keeps a recently used entry', () => {
    const own: FuncMap = {};
    const kept = parse('lru', 'kept', { funcs: own });
    for (let i = 0; i < 300; i++) {
      parse('lru', `u${i}`, { funcs: own });
      parse('lru', 'kept', { funcs: own });
    }
    assert.equal(parse('lru', 'kept', { funcs: own }), kept);
  });
});
