import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseYaml, parseYamlDocuments, toYaml, YamlError } from '../../../src/inject/yaml.ts';

describe('parseYamlDocuments', () => {
  it('numbers documents and gives the line each starts on', () => {
    const docs = parseYamlDocuments('# header\n---\na: 1\n---\n\n# only a comment\n---\nb: 2\n', 'in.yaml');
    assert.deepEqual(
      docs.map((d) => [d.index, d.line, d.value]),
      [
        [0, 3, { a: 1 }],
        [1, 8, { b: 2 }],
      ],
    );
  });

  it('reads content written on the separator line', () => {
    const docs = parseYamlDocuments('--- {a: 1}\n--- {b: 2}\n', 'in.yaml');
    assert.deepEqual(
      docs.map((d) => d.value),
      [{ a: 1 }, { b: 2 }],
    );
  });

  it('treats "..." as the end of a document', () => {
    const docs = parseYamlDocuments('a: 1\n...\n---\nb: 2\n', 'in.yaml');
    assert.equal(docs.length, 2);
  });

  it('reads YAML 1.1 scalars as kubectl does', () => {
    const [doc] = parseYamlDocuments('a: yes\nb: off\nmode: 0755\nquoted: "yes"\n', 'in.yaml');
    assert.deepEqual(doc?.value, { a: true, b: false, mode: 493, quoted: 'yes' });
  });

  it('keeps a __proto__ key as plain data', () => {
    const [doc] = parseYamlDocuments('__proto__: {polluted: 1}\n', 'in.yaml');
    const value = doc?.value as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.deepEqual(Object.keys(value), ['__proto__']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('names the source, document and line of a syntax error', () => {
    assert.throws(
      () => parseYamlDocuments('a: 1\n---\nkind: X\nb: [1\n', 'app.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof YamlError);
        assert.equal(err.source, 'app.yaml');
        assert.equal(err.documentIndex, 1);
        assert.ok(err.line >= 4, `line ${err.line}`);
        assert.match(err.message, /^app\.yaml: document 1 \(line \d+, column \d+\): /);
        return true;
      },
    );
  });
});

describe('parseYaml', () => {
  it('returns undefined for an empty source', () => {
    assert.equal(parseYaml('# nothing\n', 'x'), undefined);
  });

  it('rejects several documents where one is expected', () => {
    assert.throws(() => parseYaml('a: 1\n---\nb: 2\n', 'x.yaml'), /expected a single YAML document/);
  });
});

describe('toYaml', () => {
  it('keeps key order and never folds long strings', () => {
    const long = 'x'.repeat(300);
    const text = toYaml({ b: 1, a: long });
    assert.equal(text, `b: 1\na: ${long}\n`);
  });

  it('round-trips through parseYaml', () => {
    const value = { s: 'yes', n: '1', list: [{ name: 'a' }], empty: '' };
    assert.deepEqual(parseYaml(toYaml(value), 'rt'), value);
  });
});

describe('Kubernetes YAML scalars', () => {
  it('keeps unquoted timestamps and !!binary as strings, as JSON has no dates', () => {
    const value = parseYaml('date: 2001-12-14\nstamp: 2001-12-14T21:59:43Z\n', 'ts.yaml');
    assert.deepEqual(value, { date: '2001-12-14', stamp: '2001-12-14T21:59:43Z' });
  });

  it('applies merge keys as go-yaml does', () => {
    assert.deepEqual(parseYaml('base: &b {x: 1}\nuse:\n  <<: *b\n  z: 2\n', 'm.yaml'), {
      base: { x: 1 },
      use: { x: 1, z: 2 },
    });
  });
});
