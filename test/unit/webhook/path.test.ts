import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseInjectPath } from '../../../src/webhook/path.ts';

function params(path: string): Record<string, string> {
  return { ...parseInjectPath(path).params };
}

describe('parseInjectPath', () => {
  it('finds nothing in the bare endpoint, with or without a trailing slash, or in the root', () => {
    for (const path of ['/', '/inject', '/inject/']) {
      const parsed = parseInjectPath(path);
      assert.deepEqual({ ...parsed.params }, {}, path);
      assert.deepEqual(parsed.warnings, [], path);
    }
  });

  it('maps cluster and net to the Istio proxy metadata variables', () => {
    assert.deepEqual(params('/inject/cluster/east'), { ISTIO_META_CLUSTER_ID: 'east' });
    assert.deepEqual(params('/inject/cluster/east/net/vpc-2/'), {
      ISTIO_META_CLUSTER_ID: 'east',
      ISTIO_META_NETWORK: 'vpc-2',
    });
  });

  it('upper-cases any other key into a variable name', () => {
    assert.deepEqual(params('/inject/cluster/east/proxy_xds_via_agent/true'), {
      ISTIO_META_CLUSTER_ID: 'east',
      PROXY_XDS_VIA_AGENT: 'true',
    });
    assert.deepEqual(
      params('/inject/Cluster/east'),
      { CLUSTER: 'east' },
      'the known keys are lower case only',
    );
  });

  it('turns --slash-- inside values into /', () => {
    assert.deepEqual(params('/inject/cluster/us--slash--east/net/a--slash--b--slash--c'), {
      ISTIO_META_CLUSTER_ID: 'us/east',
      ISTIO_META_NETWORK: 'a/b/c',
    });
  });

  it('drops a key left without a value and says so', () => {
    const lone = parseInjectPath('/inject/cluster');
    assert.deepEqual({ ...lone.params }, {});
    assert.deepEqual(lone.warnings, ['ignored path key "cluster": it has no value (odd number of segments)']);
    const trailing = parseInjectPath('/inject/cluster/east/net');
    assert.deepEqual({ ...trailing.params }, { ISTIO_META_CLUSTER_ID: 'east' });
    assert.equal(trailing.warnings.length, 1);
  });

  it('reads the deprecated :ENV: form, where values may hold slashes and be empty', () => {
    assert.deepEqual(params('/inject/:ENV:cluster=west:ENV:docroot=/srv/www'), {
      ISTIO_META_CLUSTER_ID: 'west',
      DOCROOT: '/srv/www',
    });
    assert.deepEqual(params('/inject/:ENV:net=:ENV:mode=a=b'), { ISTIO_META_NETWORK: '', MODE: 'a=b' });
  });

  it('skips :ENV: entries without a name or without "="', () => {
    const parsed = parseInjectPath('/inject/:ENV:region=eu:ENV:=orphan:ENV:=:ENV:novalue');
    assert.deepEqual({ ...parsed.params }, { REGION: 'eu' });
    assert.equal(parsed.warnings.length, 3);
  });

  it('reads :ENV: only at the start of the parameters; later it is an ordinary value', () => {
    assert.deepEqual(params('/inject/first/one/second/:ENV:x=y'), { FIRST: 'one', SECOND: ':ENV:x=y' });
  });

  it('works on the decoded path, so escaped slashes separate segments as in Go', () => {
    const decoded = decodeURIComponent('%2Finject%2Fzone%2Fa%2Fpool%2Fb');
    assert.deepEqual(params(decoded), { ZONE: 'a', POOL: 'b' });
    const deprecated = decodeURIComponent(
      '%2Finject%2F%3AENV%3Ahome%3D%2Fusr%2Flocal%3AENV%3Atmp%3D%2Fvar%2Ftmp',
    );
    assert.deepEqual(params(deprecated), { HOME: '/usr/local', TMP: '/var/tmp' });
  });

  it('skips an empty key', () => {
    const parsed = parseInjectPath('/inject//orphan/cluster/east');
    assert.deepEqual({ ...parsed.params }, { ISTIO_META_CLUSTER_ID: 'east' });
    assert.deepEqual(parsed.warnings, ['ignored path value "orphan": its key is empty']);
  });

  it('keeps keys like __proto__ and constructor as plain variables', () => {
    const parsed = parseInjectPath('/inject/__proto__/x/constructor/y');
    assert.deepEqual({ ...parsed.params }, { __PROTO__: 'x', CONSTRUCTOR: 'y' });
    assert.equal(Object.getPrototypeOf(parsed.params), Object.prototype);
    assert.equal(Object.hasOwn(Object.prototype, 'X'), false);
  });

  it('lets the later of two equal keys win', () => {
    assert.deepEqual(params('/inject/cluster/a/cluster/b'), { ISTIO_META_CLUSTER_ID: 'b' });
  });
});
