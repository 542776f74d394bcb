/**
 * The control plane's certificates, generated at start: one CA, the API server's serving
 * certificate, client certificates for the admin (`system:masters`), the controller manager,
 * the scheduler, the node agent (`system:node:<name>` in `system:nodes`) and the API server's
 * kubelet client, the node agent's serving certificate, and the service-account signing key.
 * ECDSA P-256 certificates, an RSA 2048 service-account key; PEM files in `dir`.
 */
import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALIDITY_MS = 365 * 24 * 3600 * 1000;

/** A certificate and its key, as PEM file paths. */
export interface CertFiles {
  cert: string;
  key: string;
}

export interface Pki {
  dir: string;
  ca: CertFiles;
  /** The API server's serving certificate (127.0.0.1, localhost, kubernetes.default…, the service IP). */
  apiServer: CertFiles;
  /** `system:masters`: the kubeconfig written for users and tests. */
  admin: CertFiles;
  controllerManager: CertFiles;
  scheduler: CertFiles;
  /** The node agent's client identity, `system:node:<node>`. */
  nodeClient: CertFiles;
  /** The node agent's kubelet endpoint (127.0.0.1, localhost, the node name). */
  nodeServing: CertFiles;
  /** The API server's client certificate towards the kubelet endpoint. */
  kubeletClient: CertFiles;
  /** RSA private key (PEM) that signs and verifies service-account tokens. */
  serviceAccountKey: string;
}

export interface PkiOptions {
  /** Folder the PEM files are written to (mode 0600). */
  dir: string;
  nodeName: string;
  /** First address of the service range: `kubernetes.default`'s ClusterIP. */
  serviceIp: string;
}

interface Issued {
  cert: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01; // positive and never zero-led (Go rejects negative serials)
  return bytes.toString('hex');
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function pemKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const body = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

async function createCa(): Promise<Issued> {
  const keys = await keyPair();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: 'CN=hookrunner-control-plane-ca',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 10 * VALIDITY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

interface LeafSpec {
  subject: string;
  usage: 'client' | 'server';
  dns?: string[];
  ips?: string[];
}

async function issue(ca: Issued, spec: LeafSpec): Promise<Issued> {
  const keys = await keyPair();
  const now = Date.now();
  const names: x509.JsonGeneralName[] = [...(spec.dns ?? []).map((value) => ({ type: 'dns' as const, value })), ...(spec.ips ?? []).map((value) => ({ type: 'ip' as const, value }))];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: spec.subject,
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + VALIDITY_MS),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([spec.usage === 'client' ? x509.ExtendedKeyUsage.clientAuth : x509.ExtendedKeyUsage.serverAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
    ],
  });
  return { cert, keys };
}

async function save(dir: string, name: string, issued: Issued): Promise<CertFiles> {
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  await writeFile(files.cert, issued.cert.toString('pem') + '\n', { mode: 0o600 });
  await writeFile(files.key, await pemKey(issued.keys.privateKey), { mode: 0o600 });
  return files;
}

/** Generate every certificate and key into `options.dir`. */
export async function createPki(options: PkiOptions): Promise<Pki> {
  const { dir, nodeName, serviceIp } = options;
  const ca = await createCa();
  const leaf = (subject: string, usage: LeafSpec['usage'], extra: Omit<LeafSpec, 'subject' | 'usage'> = {}) => issue(ca, { subject, usage, ...extra });
  const [apiServer, admin, controllerManager, scheduler, nodeClient, nodeServing, kubeletClient] = await Promise.all([
    leaf('CN=kube-apiserver', 'server', {
      dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
      ips: ['127.0.0.1', serviceIp],
    }),
    leaf('CN=hookrunner-admin, O=system:masters', 'client'),
    leaf('CN=system:kube-controller-manager', 'client'),
    leaf('CN=system:kube-scheduler', 'client'),
    leaf(`CN=system:node:${nodeName}, O=system:nodes`, 'client'),
    leaf(`CN=${nodeName}`, 'server', { dns: ['localhost', nodeName], ips: ['127.0.0.1'] }),
    leaf('CN=kube-apiserver-kubelet-client, O=system:masters', 'client'),
  ]);
  const serviceAccountKey = join(dir, 'service-account.key');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  await writeFile(serviceAccountKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return {
    dir,
    ca: await save(dir, 'ca', ca),
    apiServer: await save(dir, 'apiserver', apiServer),
    admin: await save(dir, 'admin', admin),
    controllerManager: await save(dir, 'controller-manager', controllerManager),
    scheduler: await save(dir, 'scheduler', scheduler),
    nodeClient: await save(dir, 'node-client', nodeClient),
    nodeServing: await save(dir, 'node-serving', nodeServing),
    kubeletClient: await save(dir, 'kubelet-client', kubeletClient),
    serviceAccountKey,
  };
}
