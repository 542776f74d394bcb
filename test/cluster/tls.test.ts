import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterUnreachableError, createClusterClient } from '../../src/cluster/index.js';
import type { KubeClusterClient } from '../../src/cluster/index.js';
import { sendJson, startScriptedServer } from './scripted-server.js';
import type { ScriptedServer } from './scripted-server.js';

/** The HTTPS path (a real API server's): the CA from the options, a bearer token, and no retry of a TLS failure. */
const TLS = {
  cert: readFileSync(join(import.meta.dirname, 'testdata', 'tls', 'server.crt'), 'utf8'),
  key: readFileSync(join(import.meta.dirname, 'testdata', 'tls', 'server.key'), 'utf8'),
};

let server: ScriptedServer | undefined;
let client: KubeClusterClient | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await server?.close();
  server = undefined;
});

async function serve(): Promise<ScriptedServer> {
  server = await startScriptedServer((_req, res) => sendJson(res, 200, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'app' } }), { tls: TLS });
  return server;
}

describe('when the API server speaks HTTPS', () => {
  it('should verify it against caData and send the token', async () => {
    const s = await serve();
    client = createClusterClient({ server: s.url, token: 'tls-token', caData: Buffer.from(TLS.cert).toString('base64'), namespace: 'app', env: {} });
    expect((await client.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' }))?.metadata.name).toBe('cm');
    expect(s.requests[0]?.headers.authorization).toBe('Bearer tls-token');
  });

  it('should refuse an unknown certificate at once, without retrying', async () => {
    const s = await serve();
    client = createClusterClient({ server: s.url, env: {}, retry: { attempts: 5, initialMs: 1, maxMs: 2 } });
    const err = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'cm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterUnreachableError);
    expect((err as ClusterUnreachableError).attempts).toBe(1);
    expect((err as Error).message).toMatch(/SELF_SIGNED|self.signed/i);
  });

  it('should connect without verification when insecureSkipTlsVerify is set', async () => {
    const s = await serve();
    client = createClusterClient({ server: s.url, insecureSkipTlsVerify: true, env: {} });
    expect((await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'app', name: 'cm' }))?.kind).toBe('ConfigMap');
  });
});
