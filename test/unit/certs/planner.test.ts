import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { inspectBundle, inspectMaterial, inspectServing } from '../../../src/certs/inspect.ts';
import { parseCertificates } from '../../../src/certs/pem.ts';
import {
  planCertificates,
  type CertificatePlan,
  type CertificateReason,
} from '../../../src/certs/planner.ts';
import { certificatePolicy, type CertificatePolicy } from '../../../src/certs/policy.ts';
import { CertificateAnnotation, readSecret, type CertificateMaterial } from '../../../src/certs/secret.ts';
import type { JsonObject } from '../../../src/inject/types.ts';
import { applyPlan, dayMs, issuedPair, policy, secretObject, snapshotOf, yearMs } from './support.ts';

const t0 = Date.UTC(2030, 0, 1);

function plan(
  secret: JsonObject | undefined,
  now: number,
  webhookBundles: readonly string[] = [],
  withPolicy: CertificatePolicy = policy,
): CertificatePlan {
  return planCertificates({ secret: secret && snapshotOf(secret), webhookBundles, now, policy: withPolicy });
}

/** The caBundle the webhook-config controller would publish for `secret`: every CA of ca.crt. */
function bundleOf(secret: JsonObject): string {
  return parseCertificates(readSecret(secret).material.caBundle ?? '')
    .certificates.map((c) => c.pem)
    .join('');
}

/** Whether an API server holding `bundle` accepts the serving certificate of `secret` at `now`. */
function accepts(bundle: string, secret: JsonObject, now: number): boolean {
  const material = readSecret(secret).material;
  return inspectServing(material, inspectBundle(bundle, now), now).ok;
}

function caCount(secret: JsonObject): number {
  return parseCertificates(readSecret(secret).material.caBundle ?? '').certificates.length;
}

describe('planCertificates: the schedule', () => {
  it('generates everything when the Secret is missing, then has nothing to do until renewal', async () => {
    const first = plan(undefined, t0);
    assert.equal(first.step, 'generate');
    assert.equal(first.reason, 'secret-missing');
    assert.equal(first.repair, false);
    const secret = await applyPlan(first, undefined, t0);
    const inspection = inspectMaterial(readSecret(secret).material, t0);
    assert.ok(inspection.signer.ok && inspection.serving.ok, 'signer and serving certificate usable');
    assert.deepEqual(inspection.serving.certificate.dnsNames, [
      'mesh-injector.mesh-injector-system.svc',
      'mesh-injector.mesh-injector-system.svc.cluster.local',
      'mesh-injector',
      'mesh-injector.mesh-injector-system',
      'localhost',
    ]);
    assert.deepEqual(inspection.serving.certificate.ipAddresses, ['127.0.0.1']);
    assert.equal(caCount(secret), 1);

    const steady = plan(secret, t0 + dayMs, [bundleOf(secret)]);
    assert.equal(steady.step, 'none');
    assert.equal(steady.reason, 'up-to-date');
    // The serving certificate (1 year, backdated 5 minutes) is renewed when 20% of it remains.
    const expectedRenewal = t0 - 5 * 60_000 + 0.8 * yearMs;
    assert.ok(steady.recheckAt !== undefined && Math.abs(steady.recheckAt - expectedRenewal) < 2000);
  });

  it('drives two whole CA rotations and every serving renewal over 21 years without an untrusted moment', async () => {
    let secret = await applyPlan(plan(undefined, t0), undefined, t0);
    let published = bundleOf(secret);
    let now = t0;
    const steps: CertificateReason[] = [];
    const end = t0 + 21 * yearMs;
    let guard = 0;
    while (now < end) {
      assert.ok(guard++ < 500, 'the planner settles; it does not loop');
      // Four webhook entries (two revisions' worth) all publish what the webhook-config controller wrote.
      const next = plan(secret, now, [published, published, published, published]);
      if (next.step === 'none') {
        assert.ok(
          next.recheckAt !== undefined && next.recheckAt > now,
          `${next.reason} names a future recheck`,
        );
        now = next.recheckAt;
        continue;
      }
      assert.equal(next.repair, false, `no repair in a healthy schedule (${next.reason}: ${next.message})`);
      steps.push(next.reason);
      const written = await applyPlan(next, secret, now);
      const newBundle = bundleOf(written);
      // Until the webhook configuration and every replica catch up, the API server may hold either bundle
      // while a replica serves either certificate: all four combinations must verify.
      for (const bundle of [published, newBundle]) {
        for (const served of [secret, written]) {
          assert.ok(accepts(bundle, served, now), `after ${next.reason} at ${new Date(now).toISOString()}`);
        }
      }
      secret = written;
      published = newBundle;
    }
    const rotations = steps.filter((s) => s === 'ca-expiring').length;
    assert.equal(rotations, 2, `two CA rotations in 21 years of a 10-year CA: ${steps.join(', ')}`);
    // Each rotation is the same three steps in order.
    const rotationSteps = steps.filter(
      (s) => s === 'ca-expiring' || s === 'switch-to-new-ca' || s === 'old-ca-retired',
    );
    assert.deepEqual(rotationSteps, [
      'ca-expiring',
      'switch-to-new-ca',
      'old-ca-retired',
      'ca-expiring',
      'switch-to-new-ca',
      'old-ca-retired',
    ]);
    assert.ok(steps.filter((s) => s === 'serving-expiring').length >= 18, 'yearly serving renewals');
    assert.equal(caCount(secret), 1, 'the bundle ends with one CA');
  });

  it('waits to switch until every webhook entry lists the new CA and the propagation delay has passed', async () => {
    // A serving certificate as long-lived as the CA, so the CA's renewal is the first thing due.
    const longLeaf = certificatePolicy({
      service: 'mesh-injector',
      namespace: 'mesh-injector-system',
      servingValidityMs: 10 * yearMs,
    });
    let secret = await applyPlan(plan(undefined, t0, [], longLeaf), undefined, t0, longLeaf);
    const oldBundle = bundleOf(secret);
    const rotationAt = t0 + 8.5 * yearMs;
    const rotate = plan(secret, rotationAt, [oldBundle], longLeaf);
    assert.equal(rotate.step, 'rotate-ca');
    assert.equal(rotate.reason, 'ca-expiring');
    const servingBefore = readSecret(secret).material.servingCertificate;
    secret = await applyPlan(rotate, secret, rotationAt, longLeaf);
    assert.equal(
      readSecret(secret).material.servingCertificate,
      servingBefore,
      'serving certificate untouched',
    );
    assert.equal(caCount(secret), 2);
    const newBundle = bundleOf(secret);

    // One entry still has the old bundle: no switch, however long we wait.
    const later = rotationAt + dayMs;
    const waiting = plan(secret, later, [newBundle, oldBundle, newBundle], longLeaf);
    assert.equal(waiting.step, 'none');
    assert.equal(waiting.reason, 'waiting-for-trust');
    assert.match(waiting.message, /waiting for 1 of 3 webhook entries/);
    // An emptied caBundle (someone wiped it) blocks the switch as well.
    assert.equal(plan(secret, later, [newBundle, ''], longLeaf).reason, 'waiting-for-trust');

    // All entries list it, but only just now: wait for the propagation delay.
    const justTrusted = plan(secret, rotationAt + 1000, [newBundle, newBundle], longLeaf);
    assert.equal(justTrusted.reason, 'waiting-for-trust');
    assert.equal(justTrusted.recheckAt, Math.floor(rotationAt / 1000) * 1000 + policy.trustPropagationMs);

    const switchAt = rotationAt + policy.trustPropagationMs + 1000;
    const switching = plan(secret, switchAt, [newBundle, newBundle], longLeaf);
    assert.equal(switching.step, 'issue-serving');
    assert.equal(switching.reason, 'switch-to-new-ca');
    // The decision depends on the Secret and the webhooks only: asking again (a new leader) gives the same.
    assert.deepEqual(plan(secret, switchAt, [newBundle, newBundle], longLeaf), switching);
    secret = await applyPlan(switching, secret, switchAt, longLeaf);

    // The old CA stays for the overlap grace period after the switch, then goes.
    const duringGrace = plan(secret, switchAt + 1000, [newBundle], longLeaf);
    assert.equal(duringGrace.step, 'none');
    assert.match(duringGrace.message, /1 older CA\(s\) kept/);
    const pruneAt = Math.floor(switchAt / 1000) * 1000 + policy.overlapGraceMs;
    assert.equal(duringGrace.recheckAt, pruneAt);
    const prune = plan(secret, pruneAt, [newBundle], longLeaf);
    assert.equal(prune.step, 'prune-bundle');
    assert.equal(prune.reason, 'old-ca-retired');
    secret = await applyPlan(prune, secret, pruneAt, longLeaf);
    assert.equal(caCount(secret), 1);
    assert.ok(accepts(bundleOf(secret), secret, pruneAt));
  });

  it('starts a CA rotation on request, once per request value', async () => {
    let secret = await applyPlan(plan(undefined, t0), undefined, t0);
    const metadata = secret.metadata as JsonObject;
    metadata.annotations = {
      ...(metadata.annotations as JsonObject),
      [CertificateAnnotation.rotateCa]: 'now-please',
    };
    const requested = plan(secret, t0 + dayMs, [bundleOf(secret)]);
    assert.equal(requested.step, 'rotate-ca');
    assert.equal(requested.reason, 'ca-rotation-requested');
    assert.equal(requested.answersRequest, 'now-please');
    secret = await applyPlan(requested, secret, t0 + dayMs);
    const annotations = readSecret(secret).annotations;
    assert.equal(annotations[CertificateAnnotation.rotateCaHandled], 'now-please');
    assert.ok(annotations[CertificateAnnotation.caRotationStartedAt] !== undefined);
    // Handled: the next plan continues the rotation instead of starting another.
    assert.equal(plan(secret, t0 + dayMs + 1, [bundleOf(secret)]).reason, 'waiting-for-trust');
  });

  it('reissues the serving certificate when the wanted names change', async () => {
    const secret = await applyPlan(plan(undefined, t0), undefined, t0);
    const renamed = certificatePolicy({
      service: 'injector',
      namespace: 'mesh-injector-system',
      localNames: false,
    });
    const next = planCertificates({
      secret: snapshotOf(secret),
      webhookBundles: [],
      now: t0 + dayMs,
      policy: renamed,
    });
    assert.equal(next.step, 'issue-serving');
    assert.equal(next.reason, 'serving-names-changed');
    assert.match(next.message, /missing injector\.mesh-injector-system\.svc/);
    assert.match(next.message, /unwanted .*localhost.*127\.0\.0\.1/);
  });
});

describe('planCertificates: repairs', () => {
  async function healthy(): Promise<JsonObject> {
    return applyPlan(plan(undefined, t0), undefined, t0);
  }

  function withMaterial(secret: JsonObject, change: Partial<CertificateMaterial>): JsonObject {
    const snapshot = readSecret(secret);
    return secretObject({ ...snapshot.material, ...change }, { ...snapshot.annotations });
  }

  it('treats a Secret without any of its keys like a missing one', () => {
    const next = plan(secretObject({}), t0);
    assert.equal(next.step, 'generate');
    assert.equal(next.reason, 'secret-missing');
    assert.match(next.message, /holds none of its keys/);
  });

  it('reissues a garbage serving certificate from the current CA, keeping the bundle', async () => {
    const secret = withMaterial(await healthy(), { servingCertificate: 'not a certificate' });
    const next = plan(secret, t0 + dayMs);
    assert.equal(next.step, 'issue-serving');
    assert.equal(next.reason, 'serving-invalid');
    assert.equal(next.repair, true);
    assert.match(next.message, /tls\.crt holds no PEM CERTIFICATE block/);
    const repaired = await applyPlan(next, secret, t0 + dayMs);
    assert.equal(readSecret(repaired).material.caBundle, readSecret(secret).material.caBundle);
    assert.equal(plan(repaired, t0 + dayMs + 1, [bundleOf(repaired)]).step, 'none');
  });

  it('reissues when tls.key does not belong to tls.crt', async () => {
    const other = await issuedPair({ now: t0 });
    const secret = withMaterial(await healthy(), { servingKey: other.material.servingKey ?? '' });
    const next = plan(secret, t0 + dayMs);
    assert.equal(next.reason, 'serving-invalid');
    assert.match(next.message, /tls\.key does not belong to tls\.crt/);
  });

  it('reissues a serving certificate signed by a CA the bundle does not hold', async () => {
    const other = await issuedPair({ now: t0, dnsNames: policy.dnsNames });
    const secret = withMaterial(await healthy(), {
      servingCertificate: other.material.servingCertificate ?? '',
      servingKey: other.material.servingKey ?? '',
    });
    const next = plan(secret, t0 + dayMs);
    assert.equal(next.reason, 'serving-invalid');
    assert.match(next.message, /not signed by any usable CA in ca\.crt/);
  });

  it('adds a new CA when ca.key is garbage but the serving certificate is sound, keeping the old CA', async () => {
    const original = await healthy();
    const secret = withMaterial(original, {
      caKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
    });
    const next = plan(secret, t0 + dayMs);
    assert.equal(next.step, 'rotate-ca');
    assert.equal(next.reason, 'ca-invalid');
    assert.equal(next.repair, true);
    assert.match(next.message, /ca\.key: not a parsable private key/);
    const repaired = await applyPlan(next, secret, t0 + dayMs);
    assert.equal(caCount(repaired), 2, 'old CA kept so the current serving certificate stays trusted');
    assert.ok(accepts(bundleOf(original), repaired, t0 + dayMs));
  });

  it('replaces a CA key that is not ECDSA P-256 PKCS#8', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const secret = withMaterial(await healthy(), { caKey: rsa.toString() });
    const next = plan(secret, t0 + dayMs);
    assert.equal(next.reason, 'ca-invalid');
    assert.match(next.message, /not an ECDSA P-256 key/);
  });

  it('regenerates everything when the only CA has expired', async () => {
    const secret = await healthy();
    const afterExpiry = t0 + 11 * yearMs;
    const next = plan(secret, afterExpiry);
    assert.equal(next.step, 'generate');
    assert.equal(next.reason, 'ca-invalid');
    assert.equal(next.repair, true);
    assert.match(next.message, /outside its validity/);
    assert.deepEqual(next.keepCas, [], 'an expired CA is not kept');
    const repaired = await applyPlan(next, secret, afterExpiry);
    assert.equal(plan(repaired, afterExpiry + 1, [bundleOf(repaired)]).reason, 'up-to-date');
  });

  it('regenerates everything from a Secret of garbage', () => {
    const next = plan(
      secretObject({ servingCertificate: 'x', servingKey: 'y', caBundle: 'z', caKey: 'w' }),
      t0,
    );
    assert.equal(next.step, 'generate');
    assert.equal(next.reason, 'ca-invalid');
    assert.match(next.message, /no PEM "PRIVATE KEY" block/);
  });

  it('drops junk, duplicate and expired entries from the bundle', async () => {
    const secret = await healthy();
    const bundle = readSecret(secret).material.caBundle ?? '';
    const expired = await issuedPair({ now: t0 - 2 * yearMs, caValidityMs: yearMs });
    const dirty = withMaterial(secret, { caBundle: `${bundle}${bundle}${expired.caPem}junk\n` });
    const next = plan(dirty, t0 + dayMs);
    assert.equal(next.step, 'prune-bundle');
    assert.equal(next.reason, 'bundle-invalid-entries');
    assert.match(next.message, /listed twice/);
    assert.match(next.message, /outside its validity/);
    assert.match(next.message, /text outside PEM blocks/);
    const cleaned = await applyPlan(next, dirty, t0 + dayMs);
    assert.equal(readSecret(cleaned).material.caBundle, bundle);
  });
});
