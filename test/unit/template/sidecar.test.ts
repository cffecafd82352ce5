// Renders a fragment shaped like Istio's sidecar injection template: Go field names on structs, protobuf
// enums and wrapper getters, map[string]string labels/annotations, JSON values (float64 numbers) and a
// stub of the sprig/Istio helper functions. The golden output is what Go's text/template renders for the
// same template, data and functions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { TemplateError, parse } from '../../../src/template/index.ts';
import { FUNCS, fixture, sidecarData } from './fixtures/sidecar.ts';

describe('rendering an Istio-like sidecar template', () => {
  const template = parse('sidecar', fixture('sidecar-fragment.tpl'), { funcs: FUNCS });

  it('renders defaults exactly as Go does', () => {
    assert.equal(template.execute(sidecarData({})), fixture('sidecar-fragment.golden'));
  });

  it('honours pod annotations and hold-application', () => {
    const out = template.execute(
      sidecarData({
        hold: true,
        annotations: {
          'sidecar.istio.io/interceptionMode': 'TPROXY',
          'status.sidecar.istio.io/port': '0',
          'sidecar.istio.io/proxyCPU': '250m',
          'kubectl.kubernetes.io/default-logs-container': 'reviews',
        },
      }),
    );
    assert.match(out, /- "-m"\n {4}- "TPROXY"/);
    assert.match(out, /value: "TPROXY"/);
    assert.match(out, /command: \[pilot-agent, wait\]/);
    assert.doesNotMatch(out, /readinessProbe/);
    assert.doesNotMatch(out, /default-logs-container/);
    assert.match(out, /cpu: "250m"/);
    assert.match(out, /"15090,15021,"/);
  });

  it('reports a broken value path with Go-shaped location', () => {
    const broken = parse(
      'sidecar',
      'x: {{ .Values.global.missing.deeper }}\ny: {{ .Values.global.nothing.deeper }}',
      {
        funcs: FUNCS,
      },
    );
    assert.throws(
      () => broken.execute(sidecarData({})),
      (err: unknown) =>
        err instanceof TemplateError &&
        err.message ===
          'template: sidecar:2:13: executing "sidecar" at <.Values.global.nothing.deeper>: nil pointer evaluating interface {}.deeper' &&
        err.line === 2 &&
        err.column === 13,
    );
  });
});
