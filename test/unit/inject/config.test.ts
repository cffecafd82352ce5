import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInjectorConfig } from '../../../src/inject/config.ts';
import { Injector } from '../../../src/inject/injector.ts';
import { ConfigError } from '../../../src/inject/mesh.ts';
import { loadInjectorSettings } from '../../../src/inject/settings.ts';

describe('parseInjectorConfig', () => {
  it('reads policy, selectors, templates, aliases and injected annotations', () => {
    const config = parseInjectorConfig(
      [
        'policy: disabled',
        'alwaysInjectSelector:',
        '  - matchLabels: {team: mesh}',
        'neverInjectSelector:',
        '  - matchExpressions: [{key: openshift.io/build.name, operator: Exists}]',
        'injectedAnnotations: {a: b}',
        'defaultTemplates: [sidecar, extra]',
        'aliases: {both: [sidecar, extra]}',
        'templates:',
        '  sidecar: |',
        '    spec: {}',
        '  extra: "metadata: {}"',
      ].join('\n'),
      'config.yaml',
    );
    assert.equal(config.policy, 'disabled');
    assert.deepEqual(config.alwaysInjectSelector, [{ matchLabels: { team: 'mesh' } }]);
    assert.equal(config.neverInjectSelector.length, 1);
    assert.deepEqual(config.injectedAnnotations, { a: 'b' });
    assert.deepEqual(config.defaultTemplates, ['sidecar', 'extra']);
    assert.deepEqual(config.aliases, { both: ['sidecar', 'extra'] });
    assert.deepEqual(Object.keys(config.templates), ['sidecar', 'extra']);
  });

  it('defaults policy to enabled and defaultTemplates to [sidecar]', () => {
    const config = parseInjectorConfig('templates:\n  sidecar: "spec: {}"\n', 'c.yaml');
    assert.equal(config.policy, 'enabled');
    assert.deepEqual(config.defaultTemplates, ['sidecar']);
  });

  it('takes a bare template as the sidecar template', () => {
    const text =
      'spec:\n  containers:\n  {{- range .Spec.Containers }}\n  - name: {{ .Name }}\n  {{- end }}\n';
    const config = parseInjectorConfig(text, 'tmpl.yaml');
    assert.deepEqual(config.templates, { sidecar: text });
  });

  it('reads data.config from an istio-sidecar-injector ConfigMap', () => {
    const cm =
      'apiVersion: v1\nkind: ConfigMap\ndata:\n  config: |-\n    policy: disabled\n    templates: {sidecar: "spec: {}"}\n';
    assert.equal(parseInjectorConfig(cm, 'cm.yaml').policy, 'disabled');
  });

  it('uses the legacy template key when there is no templates map (Istio 1.1 ConfigMaps)', () => {
    const config = parseInjectorConfig('policy: enabled\ntemplate: |-\n  initContainers: []\n', 'old.yaml');
    assert.deepEqual(config.templates, { sidecar: 'initContainers: []' });
  });

  it('ignores the legacy template key when templates are given (the chart sets it to a tripwire)', () => {
    const config = parseInjectorConfig(
      'template: "{{ Mismatch }}"\ntemplates: {sidecar: "spec: {}"}\n',
      'c.yaml',
    );
    assert.deepEqual(config.templates, { sidecar: 'spec: {}' });
  });

  const bad: [string, string, RegExp][] = [
    [
      'an unknown key',
      'policy: enabled\nneverInjectSelecter: []\n',
      /c\.yaml: neverInjectSelecter: unknown field/,
    ],
    ['a bad policy', 'policy: sometimes\n', /c\.yaml: policy: want enabled or disabled, got "sometimes"/],
    [
      'a non-list selector',
      'neverInjectSelector: {a: b}\n',
      /neverInjectSelector: want a list of label selectors/,
    ],
    [
      'an unknown selector field',
      'alwaysInjectSelector: [{matchLabel: {a: b}}]\n',
      /alwaysInjectSelector\[0\]\.matchLabel: unknown field/,
    ],
    ['a non-string template', 'templates: {sidecar: [1]}\n', /templates\.sidecar: want a string/],
    ['a non-list alias', 'policy: enabled\naliases: {x: y}\n', /aliases\.x: want a list of strings/],
    ['a ConfigMap without config', 'kind: ConfigMap\ndata: {values: "{}"}\n', /c\.yaml: data\.config/],
  ];
  for (const [what, text, message] of bad) {
    it(`rejects ${what}`, () => {
      assert.throws(
        () => parseInjectorConfig(text, 'c.yaml'),
        (err: unknown) => err instanceof ConfigError && message.test(err.message),
      );
    });
  }
});

describe('template parse errors at config load', () => {
  it('name the template and position, and say why a left-out sprig function is missing', () => {
    const settings = loadInjectorSettings({});
    const withTemplate = (text: string) => ({
      ...settings,
      source: 'cm.yaml',
      config: { ...settings.config, templates: { sidecar: text } },
    });
    assert.throws(
      () => new Injector(withTemplate('spec:\n  x: {{ now }}\n')),
      /^ConfigError: cm\.yaml: templates\.sidecar: template: sidecar:2: function "now" not defined \(mesh-injector does not provide it: .*clock/,
    );
    assert.throws(
      () => new Injector(withTemplate('{{ if .X }}')),
      /cm\.yaml: templates\.sidecar: template: sidecar:1: unexpected EOF/,
    );
  });
});
