import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  kubeletMinorVersion,
  nodesSupportNativeSidecars,
  parseNativeSidecarMode,
} from '../../../src/controller/native-sidecars.ts';

describe('native sidecar detection', () => {
  it('parses kubelet versions with vendor suffixes', () => {
    assert.deepEqual(kubeletMinorVersion('v1.33.2'), [1, 33]);
    assert.deepEqual(kubeletMinorVersion('v1.34.0-eks-abc'), [1, 34]);
    assert.equal(kubeletMinorVersion('fake'), undefined);
  });

  const cases: [string, string[], boolean][] = [
    ['all nodes 1.33 or newer', ['v1.33.0', 'v1.36.3'], true],
    ['one node older', ['v1.33.0', 'v1.32.9'], false],
    ['no nodes', [], false],
    ['an unparseable version', ['v1.34.0', 'kwok'], false],
    ['a future major', ['v2.0.0'], true],
  ];
  for (const [what, versions, want] of cases) {
    it(`${what}: ${want}`, () => {
      assert.equal(nodesSupportNativeSidecars(versions), want);
    });
  }

  it('accepts only auto, true and false', () => {
    assert.equal(parseNativeSidecarMode('auto'), 'auto');
    assert.throws(
      () => parseNativeSidecarMode('yes'),
      /invalid native sidecar mode "yes": want auto, true or false/,
    );
  });
});
