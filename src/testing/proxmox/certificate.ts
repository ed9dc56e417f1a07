/**
 * The simulated Proxmox's certificates, made at start with node:crypto: a cluster CA
 * (`pve-root-ca.pem`) and a node certificate it signed (`pve-ssl.pem`), valid for
 * `localhost`, 127.0.0.1 and ::1, as a fresh PVE install has them. Tests pin the node
 * certificate's fingerprint or trust the CA, as users do with a real cluster.
 * @module
 */
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { bitString, boolean, explicit, implicit, integer, octetString, oid, sequence, set, time, utf8String } from './der.js';

/** A certificate with its key, PEM-encoded. */
export interface IssuedCertificate {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, `AA:BB:…` (what `GET /nodes/{node}/certificates/info` reports). */
  fingerprint: string;
}

/** The CA and the node certificate it signed. */
export interface CertificateSet {
  ca: IssuedCertificate;
  node: IssuedCertificate;
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));
const DAY = 24 * 60 * 60 * 1000;

function name(commonName: string, organization: string): Buffer {
  return sequence(set(sequence(oid('2.5.4.10'), utf8String(organization))), set(sequence(oid('2.5.4.3'), utf8String(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

/** SHA-1 of the public key bits (RFC 5280 §4.2.1.2, method 1). */
function keyId(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // A P-256 SPKI ends with the 65-byte uncompressed point.
  return createHash('sha1').update(spki.subarray(spki.length - 65)).digest();
}

interface Subject {
  name: Buffer;
  publicKey: KeyObject;
  ca: boolean;
}

function issue(subject: Subject, issuerName: Buffer, issuerKey: KeyObject, issuerPublic: KeyObject, notBefore: Date, notAfter: Date): string {
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f;
  const extensions = subject.ca
    ? [extension('2.5.29.19', true, sequence(boolean(true))), extension('2.5.29.15', true, bitString(Buffer.from([0x06]), 1))]
    : [
        extension('2.5.29.19', false, sequence()),
        extension('2.5.29.15', true, bitString(Buffer.from([0xa0]), 5)),
        extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))),
        extension('2.5.29.17', false, sequence(implicit(2, Buffer.from('localhost')), implicit(7, Buffer.from([127, 0, 0, 1])), implicit(7, Buffer.alloc(16).fill(0, 0, 15).fill(1, 15)))),
      ];
  extensions.push(extension('2.5.29.14', false, octetString(keyId(subject.publicKey))));
  extensions.push(extension('2.5.29.35', false, sequence(implicit(0, keyId(issuerPublic)))));
  const tbs = sequence(
    explicit(0, integer(2)),
    integer(serial),
    ECDSA_WITH_SHA256,
    issuerName,
    sequence(time(notBefore), time(notAfter)),
    subject.name,
    subject.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const der = sequence(tbs, ECDSA_WITH_SHA256, bitString(sign('sha256', tbs, issuerKey)));
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;
}

/**
 * A new CA and node certificate, valid from a day ago for two years (pve-ssl.pem's term).
 *
 * @example
 * ```ts
 * const { ca, node } = makeCertificates('pve1');
 * https.createServer({ key: node.key, cert: node.cert + ca.cert });
 * ```
 */
export function makeCertificates(nodeName: string, now: Date = new Date()): CertificateSet {
  const notBefore = new Date(now.getTime() - DAY);
  const notAfter = new Date(now.getTime() + 730 * DAY);
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caName = name('Proxmox Virtual Environment', 'PVE Cluster Manager CA');
  const caCert = issue({ name: caName, publicKey: caKeys.publicKey, ca: true }, caName, caKeys.privateKey, caKeys.publicKey, notBefore, notAfter);
  const nodeKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const nodeCert = issue({ name: name(nodeName, 'PVE Cluster Node'), publicKey: nodeKeys.publicKey, ca: false }, caName, caKeys.privateKey, caKeys.publicKey, notBefore, notAfter);
  const pem = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;
  return {
    ca: { cert: caCert, key: pem(caKeys.privateKey), fingerprint: new X509Certificate(caCert).fingerprint256 },
    node: { cert: nodeCert, key: pem(nodeKeys.privateKey), fingerprint: new X509Certificate(nodeCert).fingerprint256 },
  };
}
