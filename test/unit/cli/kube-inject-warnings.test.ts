import assert from 'node:assert/strict';
import { it } from 'node:test';
import { runCli } from './run.ts';

it('kube-inject warns about an inject value it does not understand, and injects by policy', async () => {
  const pod = [
    'apiVersion: v1',
    'kind: Pod',
    'metadata:',
    '  name: p',
    '  annotations: {sidecar.istio.io/inject: "False"}',
    'spec:',
    '  containers: [{name: a, image: a}]',
  ].join('\n');
  const result = await runCli(['kube-inject', '-f', '-'], pod);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /^warning: Pod "p": sidecar\.istio\.io\/inject annotation has value "False"/m);
  assert.match(result.stdout, /name: istio-proxy/);
});
