/** Kubeconfigs with the CA and a client certificate embedded (self-contained files). */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import type { CertFiles } from './pki.js';

export interface KubeconfigSpec {
  server: string;
  caFile: string;
  client: CertFiles;
  /** Context, cluster and user name. @defaultValue 'hookrunner-real' */
  name?: string;
}

const b64 = (file: string): string => readFileSync(file).toString('base64');

export function renderCertKubeconfig(spec: KubeconfigSpec): string {
  const name = spec.name ?? 'hookrunner-real';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: spec.server, 'certificate-authority-data': b64(spec.caFile) } }],
    users: [{ name, user: { 'client-certificate-data': b64(spec.client.cert), 'client-key-data': b64(spec.client.key) } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    'current-context': name,
  });
}
