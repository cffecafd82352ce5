import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeIp, parseCertificates, splitPem } from '../../../src/certs/pem.ts';
import { certificatePolicy } from '../../../src/certs/policy.ts';
import { readSecret } from '../../../src/certs/secret.ts';
import { checkExternalSecret, servableFromSecret } from '../../../src/certs/serving.ts';
import { dayMs, issuedPair, ref, secretObject, yearMs } from './support.ts';

const t0 = Date.UTC(2031, 5, 1);
const serviceName = 'mesh-injector.mesh-injector-system.svc';

describe('PEM reading', () => {
  it('splits blocks and notices text outside them', () => {
    const block = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';
    assert.equal(splitPem(`${block}\n${block}\n`).blocks.length, 2);
    assert.equal(splitPem(`${block}\n`).hasJunk, false);
    assert.equal(splitPem(`# comment\n${block}`).hasJunk, true);
    assert.equal(splitPem('-----BEGIN CERTIFICATE-----\ntruncated').blocks.length, 0);
  });

  it('says which block of a bundle is wrong and why', () => {
    const { certificates, problems } = parseCertificates(
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    );
    assert.equal(certificates.length, 0);
    assert.match(problems[0] ?? '', /block 1 is a "PRIVATE KEY", not a CERTIFICATE/);
    assert.match(problems[1] ?? '', /block 2: not a parsable X\.509 certificate/);
    assert.deepEqual(parseCertificates('').problems, ['no PEM block']);
  });

  it('compares IPv6 addresses in one canonical form', () => {
    assert.equal(normalizeIp('0:0:0:0:0:0:0:1'), '::1');
    assert.equal(normalizeIp('FD00:0:0:0:0:0:0:A'), 'fd00::a');
    assert.equal(normalizeIp('10.0.0.1'), '10.0.0.1');
  });
});

describe('certificatePolicy', () => {
  it('names the Service the four ways the cluster reaches it, plus the local names', () => {
    const policy = certificatePolicy({
      service: 'inj',
      namespace: 'ops',
      extraNames: ['::1', 'inj.example.com'],
    });
    assert.deepEqual(policy.dnsNames, [
      'inj.ops.svc',
      'inj.ops.svc.cluster.local',
      'inj',
      'inj.ops',
      'localhost',
      'inj.example.com',
    ]);
    assert.deepEqual(policy.ipAddresses, ['127.0.0.1', '::1']);
    assert.equal(policy.caValidityMs, 3650 * dayMs);
    assert.equal(policy.servingValidityMs, 365 * dayMs);
    assert.equal(policy.renewBeforeFraction, 0.2);
  });

  it('refuses options that cannot work, naming them', () => {
    assert.throws(() => certificatePolicy({ service: 'Bad_Name', namespace: 'ops' }), /service "Bad_Name"/);
    assert.throws(
      () => certificatePolicy({ service: 'inj', namespace: 'ops', renewBeforeFraction: 1 }),
      /renewBeforeFraction must be between 0 and 1/,
    );
    assert.throws(
      () => certificatePolicy({ service: 'inj', namespace: 'ops', caValidityMs: 0 }),
      /caValidityMs must be positive/,
    );
  });
});

describe('servableFromSecret', () => {
  it('serves a sound pair and publishes the CA', async () => {
    const pair = await issuedPair({ now: t0 });
    const result = servableFromSecret(readSecret(secretObject(pair.material)), t0 + dayMs);
    assert.ok(result.ok);
    assert.equal(result.value.caBundle, pair.caPem);
    assert.equal(result.value.certificate.cert, pair.material.servingCertificate);
    assert.equal(result.value.certificate.ca, pair.caPem);
  });

  it('still publishes the bundle when the serving certificate cannot be served', async () => {
    const pair = await issuedPair({ now: t0 });
    const other = await issuedPair({ now: t0 });
    const result = servableFromSecret(
      readSecret(secretObject({ ...pair.material, servingKey: other.material.servingKey ?? '' })),
      t0 + dayMs,
    );
    assert.ok(!result.ok);
    assert.match(result.problem, /tls\.key does not belong to tls\.crt/);
    assert.equal(result.caBundle, pair.caPem);
  });
});

describe('checkExternalSecret (cert-manager mode)', () => {
  it('says clearly that a missing Secret is never created in external mode', () => {
    const report = checkExternalSecret(ref, undefined, t0);
    assert.ok(!report.servable.ok);
    assert.match(
      report.servable.problem,
      /Secret mesh-injector-system\/mesh-injector-webhook-tls does not exist/,
    );
    assert.match(report.servable.problem, /never creates it/);
  });

  it('lists the keys a Secret lacks', async () => {
    const pair = await issuedPair({ now: t0 });
    const report = checkExternalSecret(
      ref,
      readSecret(secretObject({ servingCertificate: pair.material.servingCertificate ?? '' })),
      t0,
    );
    assert.ok(!report.servable.ok);
    assert.match(report.servable.problem, /lacks tls\.key, ca\.crt/);
  });

  it('accepts a valid Secret and warns when the Service name is missing from it', async () => {
    const named = await issuedPair({ now: t0, dnsNames: [serviceName] });
    const good = checkExternalSecret(ref, readSecret(secretObject(named.material)), t0 + dayMs, [
      serviceName,
    ]);
    assert.ok(good.servable.ok);
    assert.deepEqual(good.warnings, []);

    const unnamed = await issuedPair({ now: t0, dnsNames: ['elsewhere.example.com'] });
    const warned = checkExternalSecret(ref, readSecret(secretObject(unnamed.material)), t0 + dayMs, [
      serviceName,
    ]);
    assert.ok(warned.servable.ok, 'served anyway: names are a warning, not a refusal');
    assert.match(warned.warnings[0] ?? '', /does not name mesh-injector\.mesh-injector-system\.svc/);
  });

  it('warns when renewal is overdue and refuses an expired or foreign certificate', async () => {
    const pair = await issuedPair({ now: t0, dnsNames: [serviceName] });
    const overdue = checkExternalSecret(ref, readSecret(secretObject(pair.material)), t0 + 0.9 * yearMs, [
      serviceName,
    ]);
    assert.ok(overdue.servable.ok);
    assert.match(overdue.warnings[0] ?? '', /has not been renewed/);

    const expired = checkExternalSecret(ref, readSecret(secretObject(pair.material)), t0 + 2 * yearMs);
    assert.ok(!expired.servable.ok);
    assert.match(expired.servable.problem, /outside its validity/);

    const foreign = await issuedPair({ now: t0 });
    const mixed = checkExternalSecret(
      ref,
      readSecret(secretObject({ ...pair.material, caBundle: foreign.caPem })),
      t0 + dayMs,
    );
    assert.ok(!mixed.servable.ok);
    assert.match(mixed.servable.problem, /not signed by any usable CA in ca\.crt/);
  });
});
