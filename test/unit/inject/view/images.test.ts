// `.ProxyImage`, `.ProxyInitImage` and `.InboundTrafficPolicyMode` (Istio's ProxyImage, InitImage and
// imageURL rules).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../../../src/inject/types.ts';
import {
  inboundTrafficPolicyMode,
  proxyImages,
  tagWithImageType,
} from '../../../../src/inject/view/images.ts';

function values(global: JsonObject): JsonObject {
  return { global: { hub: 'docker.io/istio', tag: '1.28.1', ...global } };
}

describe('proxyImages', () => {
  it('builds <hub>/<name>:<tag> with proxyv2 as the default name', () => {
    assert.deepEqual(proxyImages(values({}), {}, {}), {
      proxyImage: 'docker.io/istio/proxyv2:1.28.1',
      proxyInitImage: 'docker.io/istio/proxyv2:1.28.1',
    });
  });

  it('takes the names from global.proxy.image and global.proxy_init.image', () => {
    const images = proxyImages(values({ proxy: { image: 'proxy' }, proxy_init: { image: 'init' } }), {}, {});
    assert.equal(images.proxyImage, 'docker.io/istio/proxy:1.28.1');
    assert.equal(images.proxyInitImage, 'docker.io/istio/init:1.28.1');
  });

  it('uses an image name containing "/" verbatim', () => {
    const images = proxyImages(values({ proxy: { image: 'registry.local/mesh/proxy:v9' } }), {}, {});
    assert.equal(images.proxyImage, 'registry.local/mesh/proxy:v9');
    assert.equal(images.proxyInitImage, 'docker.io/istio/proxyv2:1.28.1');
  });

  it('appends global.variant to both images', () => {
    const images = proxyImages(values({ variant: 'distroless' }), {}, {});
    assert.equal(images.proxyImage, 'docker.io/istio/proxyv2:1.28.1-distroless');
    assert.equal(images.proxyInitImage, 'docker.io/istio/proxyv2:1.28.1-distroless');
  });

  it('lets the ProxyConfig image type override the variant for the proxy only', () => {
    const images = proxyImages(values({ variant: 'distroless' }), { image: { imageType: 'debug' } }, {});
    assert.equal(images.proxyImage, 'docker.io/istio/proxyv2:1.28.1-debug');
    assert.equal(images.proxyInitImage, 'docker.io/istio/proxyv2:1.28.1-distroless');
  });

  it('treats a ProxyConfig image without a type as an empty type, as Istio does', () => {
    assert.equal(
      proxyImages(values({ variant: 'distroless' }), { image: {} }, {}).proxyImage,
      'docker.io/istio/proxyv2:1.28.1',
    );
  });

  it('lets the proxyImageType annotation override everything, for both images', () => {
    const images = proxyImages(
      values({ variant: 'distroless' }),
      { image: { imageType: 'debug' } },
      { 'sidecar.istio.io/proxyImageType': 'default' },
    );
    assert.equal(images.proxyImage, 'docker.io/istio/proxyv2:1.28.1');
    assert.equal(images.proxyInitImage, 'docker.io/istio/proxyv2:1.28.1');
  });

  it('replaces a known type already on the tag instead of stacking types', () => {
    assert.equal(tagWithImageType('1.28.1-distroless', 'debug'), '1.28.1-debug');
    assert.equal(tagWithImageType('1.28.1-debug', 'default'), '1.28.1');
    assert.equal(
      tagWithImageType('1.28.1-distroless', ''),
      '1.28.1-distroless',
      'no type leaves the tag alone',
    );
    assert.equal(tagWithImageType('1.28.1-asm', 'distroless'), '1.28.1-asm-distroless');
    const images = proxyImages(values({ tag: '1.28.1-distroless' }), { image: { imageType: 'debug' } }, {});
    assert.equal(images.proxyImage, 'docker.io/istio/proxyv2:1.28.1-debug');
  });

  it('prints a numeric tag as Go prints a float64', () => {
    assert.equal(proxyImages(values({ tag: 1.2 }), {}, {}).proxyImage, 'docker.io/istio/proxyv2:1.2');
    assert.equal(proxyImages(values({ tag: 1000000 }), {}, {}).proxyImage, 'docker.io/istio/proxyv2:1e+06');
  });
});

describe('inboundTrafficPolicyMode', () => {
  it('is localhost for LOCALHOST and passthrough otherwise', () => {
    assert.equal(inboundTrafficPolicyMode({ inboundTrafficPolicy: { mode: 'LOCALHOST' } }), 'localhost');
    assert.equal(inboundTrafficPolicyMode({ inboundTrafficPolicy: { mode: 'PASSTHROUGH' } }), 'passthrough');
    assert.equal(inboundTrafficPolicyMode({}), 'passthrough');
  });
});
