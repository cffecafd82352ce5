import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from './run.ts';

function files(entries: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'render-test-'));
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('mesh-injector render', () => {
  it('renders a template with YAML data, numbers as Go float64', async () => {
    const dir = files({
      't.tmpl': '{{ range .containers }}{{ .name | upper }} {{ end }}{{ .big }} {{ .port | quote }}\n',
      'd.yaml': 'containers: [{name: a}, {name: b}]\nbig: 1000000\nport: 15020\n',
    });
    const result = await runCli(['render', '-t', join(dir, 't.tmpl'), '-d', join(dir, 'd.yaml')]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'A B 1e+06 "15020"\n');
  });

  it('reports template errors the way Go does, with name, line and column', async () => {
    const dir = files({ 'bad.tmpl': 'line one\n{{ .a.b }}\n', 'd.yaml': 'a: null\n' });
    const result = await runCli(['render', '-t', join(dir, 'bad.tmpl'), '-d', join(dir, 'd.yaml')]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /template: .*bad\.tmpl:2:5: executing ".*bad\.tmpl" at <\.a\.b>: nil pointer evaluating interface \{\}\.b/,
    );
  });

  it('honours --missingkey error', async () => {
    const dir = files({ 't.tmpl': '{{ .missing }}' });
    const result = await runCli(
      ['render', '-t', join(dir, 't.tmpl'), '-d', '-', '--missingkey', 'error'],
      'a: 1\n',
    );
    assert.equal(result.code, 1);
    assert.match(result.stderr, /map has no entry for key "missing"/);
  });

  it('writes -o output atomically', async () => {
    const dir = files({ 't.tmpl': 'hello {{ . }}' });
    const out = join(dir, 'out.txt');
    const result = await runCli(['render', '-t', join(dir, 't.tmpl'), '-d', '-', '-o', out], 'world\n');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(readFileSync(out, 'utf8'), 'hello world');
  });

  it('rejects an unknown --missingkey mode', async () => {
    const result = await runCli(['render', '-t', '-', '--missingkey', 'sometimes']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--missingkey must be one of default, invalid, zero, error/);
  });
});
