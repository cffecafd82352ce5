import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { TLSSocket } from 'node:tls';

import {
  DEFAULT_BACKDATE_MS,
  createCertificateAuthority,
  createSigningKeyPair,
  isSignedBy,
  issueCertificate,
  loadCertificateAuthority,
  randomSerialNumber,
  summarizeCertificate,
} from '../../../src/certs/pki.ts';

const hour = 60 * 60 * 1000;

describe('createCertificateAuthority', () => {
  it('makes a self-signed ECDSA P-256 CA with CA:TRUE and the requested subject', async () => {
    const ca = await createCertificateAuthority({ commonName: 'mesh-ca', organizations: ['mesh-injector'] });
    const cert = new X509Certificate(ca.certificatePem);
    assert.equal(cert.ca, true);
    assert.equal(cert.subject, 'O=mesh-injector\nCN=mesh-ca');
    assert.equal(cert.issuer, cert.subject);
    assert.ok(cert.verify(cert.publicKey), 'self-signature verifies');
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.equal(ca.commonName, 'mesh-ca');
    assert.match(ca.certificatePem, /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    assert.match(ca.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    // The exported key is the certificate's key.
    const publicFromPrivate = createPublicKey(createPrivateKey(ca.privateKeyPem));
    assert.ok(publicFromPrivate.equals(cert.publicKey));
  });

  it('defaults to ten years, backdated a few minutes', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const ca = await createCertificateAuthority({ commonName: 'c', now });
    assert.equal(ca.notBefore.getTime(), now.getTime() - DEFAULT_BACKDATE_MS);
    assert.equal(ca.notAfter.getTime(), ca.notBefore.getTime() + 3650 * 24 * hour);
  });

  it('honours explicit bounds', async () => {
    const notBefore = new Date('2030-01-01T00:00:00Z');
    const notAfter = new Date('2030-02-01T00:00:00Z');
    const ca = await createCertificateAuthority({ commonName: 'c', notBefore, notAfter });
    assert.deepEqual([ca.notBefore, ca.notAfter], [notBefore, notAfter]);
  });

  it('rejects an empty name, a reversed window and a bad path length with precise messages', async () => {
    await assert.rejects(createCertificateAuthority({ commonName: ' ' }), /commonName must not be empty/);
    await assert.rejects(
      createCertificateAuthority({
        commonName: 'c',
        notBefore: new Date('2030-02-01T00:00:00Z'),
        notAfter: new Date('2030-01-01T00:00:00Z'),
      }),
      /certificate authority "c": notAfter 2030-01-01T00:00:00.000Z must be after notBefore/,
    );
    await assert.rejects(createCertificateAuthority({ commonName: 'c', pathLength: -1 }), /pathLength/);
    await assert.rejects(
      createCertificateAuthority({ commonName: 'c', validityMs: 0 }),
      /validityMs must be positive/,
    );
  });
});

describe('issueCertificate', () => {
  it('issues a server certificate with SANs, serverAuth and a chain to the CA', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ca' });
    const leaf = await issueCertificate(ca, {
      commonName: 'webhook',
      dnsNames: ['localhost', 'svc.ns.svc'],
      ipAddresses: ['127.0.0.1', '::1'],
      usage: 'server',
    });
    const cert = new X509Certificate(leaf.certificatePem);
    assert.equal(cert.ca, false);
    assert.ok(cert.checkIssued(new X509Certificate(ca.certificatePem)));
    assert.ok(isSignedBy(leaf.certificatePem, ca.certificatePem));
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkHost('svc.ns.svc'), 'svc.ns.svc');
    assert.equal(cert.checkHost('other.example'), undefined);
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    const summary = summarizeCertificate(leaf.certificatePem);
    assert.deepEqual(summary.dnsNames, ['localhost', 'svc.ns.svc']);
    assert.deepEqual(summary.ipAddresses, ['127.0.0.1', '::1']);
    assert.equal(summary.isCertificateAuthority, false);
    assert.equal(summary.subject, 'CN=webhook');
    assert.equal(leaf.serialNumber, summary.serialNumber);
  });

  it('puts client identity in CN and groups in O, with clientAuth only', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ca' });
    const leaf = await issueCertificate(ca, {
      commonName: 'alice',
      organizations: ['system:masters', 'devs'],
      usage: 'client',
    });
    const cert = new X509Certificate(leaf.certificatePem);
    assert.equal(cert.subject, 'O=system:masters\nO=devs\nCN=alice');
    assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.equal(cert.subjectAltName, undefined);
  });

  it('usage "both" carries serverAuth and clientAuth', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ca' });
    const leaf = await issueCertificate(ca, { commonName: 'x', dnsNames: ['x'], usage: 'both' });
    assert.deepEqual(new X509Certificate(leaf.certificatePem).keyUsage.toSorted(), [
      '1.3.6.1.5.5.7.3.1',
      '1.3.6.1.5.5.7.3.2',
    ]);
  });

  it('links the leaf to its CA by key identifier, so a same-named rotated CA does not verify it', async () => {
    const oldCa = await createCertificateAuthority({ commonName: 'ca' });
    const newCa = await createCertificateAuthority({ commonName: 'ca' });
    const leaf = await issueCertificate(oldCa, { commonName: 'x', dnsNames: ['x'], usage: 'server' });
    assert.ok(isSignedBy(leaf.certificatePem, oldCa.certificatePem));
    assert.equal(isSignedBy(leaf.certificatePem, newCa.certificatePem), false);
    const { authorityKeyId } = summarizeCertificate(leaf.certificatePem);
    assert.match(authorityKeyId ?? '', /^[0-9a-f]{40}$/);
    assert.equal(authorityKeyId, summarizeCertificate(oldCa.certificatePem).subjectKeyId);
    assert.notEqual(authorityKeyId, summarizeCertificate(newCa.certificatePem).subjectKeyId);
  });

  it('gives every certificate a different positive serial', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ca' });
    const serials = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const leaf = await issueCertificate(ca, { commonName: 'x', usage: 'client' });
      serials.add(leaf.serialNumber);
      const firstByte = Number.parseInt(
        new X509Certificate(leaf.certificatePem).serialNumber.slice(0, 2),
        16,
      );
      assert.ok(firstByte > 0 && firstByte < 0x80, `serial ${leaf.serialNumber} is positive without padding`);
    }
    serials.add(ca.serialNumber);
    assert.equal(serials.size, 6);
  });

  it('never lets a defaulted lifetime outlive the CA, and rejects an explicit one that would', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const ca = await createCertificateAuthority({ commonName: 'ca', now, validityMs: 30 * 24 * hour });
    const leaf = await issueCertificate(ca, { commonName: 'x', usage: 'client', now });
    assert.equal(leaf.notAfter.getTime(), ca.notAfter.getTime());
    const short = await issueCertificate(ca, { commonName: 'x', usage: 'client', now, validityMs: hour });
    assert.equal(short.notAfter.getTime() - short.notBefore.getTime(), hour);
    await assert.rejects(
      issueCertificate(ca, { commonName: 'x', usage: 'client', notAfter: new Date('2031-01-01T00:00:00Z') }),
      /certificate "x": notAfter 2031-01-01T00:00:00.000Z is later than its CA's notAfter/,
    );
  });

  it('isSignedBy is false outside the validity window', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ca' });
    const leaf = await issueCertificate(ca, { commonName: 'x', usage: 'client', validityMs: hour });
    assert.ok(isSignedBy(leaf.certificatePem, ca.certificatePem));
    assert.equal(isSignedBy(leaf.certificatePem, ca.certificatePem, new Date(Date.now() + 2 * hour)), false);
  });

  it('rejects bad SANs and a server certificate without any name', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ca' });
    await assert.rejects(
      issueCertificate(ca, { commonName: 'x', ipAddresses: ['300.1.1.1'], usage: 'server' }),
      /certificate "x": ipAddresses entry "300.1.1.1" is not an IPv4 or IPv6 address/,
    );
    await assert.rejects(
      issueCertificate(ca, { commonName: 'x', dnsNames: ['bad name'], usage: 'server' }),
      /dnsNames entry "bad name" is not a valid DNS name/,
    );
    await assert.rejects(
      issueCertificate(ca, { commonName: 'x', usage: 'server' }),
      /a server certificate needs at least one of dnsNames, ipAddresses or uris/,
    );
    await assert.rejects(
      issueCertificate(ca, { commonName: 'x', usage: 'client', organizations: [''] }),
      /organizations entry must not be empty/,
    );
  });

  it('serves real TLS that a client trusting only the CA accepts (and mutual TLS with a client cert)', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ca' });
    const server = await issueCertificate(ca, {
      commonName: 's',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    const client = await issueCertificate(ca, { commonName: 'bob', organizations: ['g'], usage: 'client' });
    const httpsServer = createServer(
      {
        cert: server.certificatePem,
        key: server.privateKeyPem,
        ca: ca.certificatePem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const socket = req.socket;
        res.end(socket instanceof TLSSocket ? socket.getPeerCertificate().subject.CN : 'not TLS');
      },
    );
    httpsServer.listen(0, '127.0.0.1');
    await once(httpsServer, 'listening');
    try {
      const { port } = httpsServer.address() as AddressInfo;
      const body = await new Promise<string>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port,
            ca: ca.certificatePem,
            cert: client.certificatePem,
            key: client.privateKeyPem,
          },
          (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => {
              resolve(text);
            });
          },
        );
        req.on('error', reject);
        req.end();
      });
      assert.equal(body, 'bob');
    } finally {
      httpsServer.close();
    }
  });
});

describe('loadCertificateAuthority', () => {
  it('round-trips a CA through its PEM strings and keeps signing', async () => {
    const ca = await createCertificateAuthority({ commonName: 'persisted' });
    const loaded = await loadCertificateAuthority({
      certificatePem: ca.certificatePem,
      privateKeyPem: ca.privateKeyPem,
    });
    assert.equal(loaded.commonName, 'persisted');
    assert.equal(loaded.serialNumber, ca.serialNumber);
    const leaf = await issueCertificate(loaded, { commonName: 'x', usage: 'client' });
    assert.ok(isSignedBy(leaf.certificatePem, ca.certificatePem));
  });

  it('rejects a leaf certificate, a foreign key and garbage', async () => {
    const ca = await createCertificateAuthority({ commonName: 'ca' });
    const other = await createCertificateAuthority({ commonName: 'other' });
    const leaf = await issueCertificate(ca, { commonName: 'leaf', usage: 'client' });
    await assert.rejects(loadCertificateAuthority(leaf), /"CN=leaf" is not a certificate authority/);
    await assert.rejects(
      loadCertificateAuthority({ certificatePem: ca.certificatePem, privateKeyPem: other.privateKeyPem }),
      /the private key does not match the certificate/,
    );
    await assert.rejects(
      loadCertificateAuthority({ certificatePem: 'nope', privateKeyPem: ca.privateKeyPem }),
      /certificate authority: not a PEM certificate/,
    );
    await assert.rejects(
      loadCertificateAuthority({
        certificatePem: ca.certificatePem,
        privateKeyPem: ca.certificatePem,
      }),
      /expected a PEM "PRIVATE KEY" \(PKCS#8\) block, found "CERTIFICATE"/,
    );
  });
});

describe('createSigningKeyPair', () => {
  it('returns a matching ECDSA P-256 PKCS#8 private key and SPKI public key', async () => {
    const { privateKeyPem, publicKeyPem } = await createSigningKeyPair();
    assert.match(privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/);
    assert.match(publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
    const privateKey = createPrivateKey(privateKeyPem);
    const publicKey = createPublicKey(publicKeyPem);
    assert.equal(publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    assert.ok(createPublicKey(privateKey).equals(publicKey));
    const signature = sign('sha256', Buffer.from('token'), privateKey);
    assert.ok(verify('sha256', Buffer.from('token'), publicKey, signature));
    assert.equal(verify('sha256', Buffer.from('other'), publicKey, signature), false);
  });
});

describe('randomSerialNumber', () => {
  it('is 32 hex digits whose first byte is between 0x01 and 0x7f', () => {
    for (let i = 0; i < 200; i++) {
      const serial = randomSerialNumber();
      assert.match(serial, /^[0-9a-f]{32}$/);
      const first = Number.parseInt(serial.slice(0, 2), 16);
      assert.ok(first >= 1 && first <= 0x7f);
    }
  });
});
