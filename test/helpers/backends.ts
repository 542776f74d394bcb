/**
 * The two cluster backends every integration suite runs against: the embedded dev cluster
 * (`src/devcluster`, always) and the real control plane (`src/controlplane`: etcd,
 * kube-apiserver, controller manager, scheduler, node agent) when its binaries are built.
 *
 * `HOOKRUNNER_TEST_BACKENDS=embedded,real` (what `.ci/run` sets) demands both: a missing
 * binary then fails the run instead of skipping. Unset, the real backend runs when
 * `npm run control-plane:build` (or `$KUBEBUILDER_ASSETS`) provided it, and is reported as
 * not run otherwise (see `test/setup/backends.ts`).
 */
import { findBinaries, startControlPlane } from '../../src/controlplane/index.js';
import type { AuditEntry, Binaries, ControlPlane, TlsClient } from '../../src/controlplane/index.js';
import { startDevCluster } from '../../src/devcluster/index.js';
import type { DevCluster, DevClusterOptions } from '../../src/devcluster/index.js';

export type Backend = 'embedded' | 'real';

/** What the real backend needs, or why it cannot run. */
export function realBinaries(): { binaries: Binaries } | { missing: string } {
  try {
    return { binaries: findBinaries() };
  } catch (err) {
    return { missing: err instanceof Error ? err.message : String(err) };
  }
}

function requested(): Backend[] | undefined {
  const raw = process.env.HOOKRUNNER_TEST_BACKENDS;
  if (!raw) return undefined;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const b of list) if (b !== 'embedded' && b !== 'real') throw new Error(`HOOKRUNNER_TEST_BACKENDS: unknown backend "${b}" (embedded, real)`);
  return list as Backend[];
}

/** The backends to run: as requested, else embedded plus real when it is built. */
export function testBackends(): Backend[] {
  const wanted = requested();
  if (wanted) {
    const real = realBinaries();
    if (wanted.includes('real') && 'missing' in real) throw new Error(`HOOKRUNNER_TEST_BACKENDS asks for the real backend, but ${real.missing}`);
    return wanted;
  }
  return 'missing' in realBinaries() ? ['embedded'] : ['embedded', 'real'];
}

/** A cluster of either backend, behind one face. */
export interface TestCluster {
  backend: Backend;
  /** The API server's URL (http for embedded, https for real). */
  url: string;
  /** What a proxy in front of the API server connects to: the URL, and for the real one the admin's TLS client material. */
  proxyTarget: { url: string; tls?: TlsClient };
  kubeconfig(): string;
  writeKubeconfig(path: string): Promise<void>;
  /** Writes the API server answered and the container processes' starts and exits, oldest first. */
  audit(): Promise<AuditEntry[]>;
  spawnedPids(): number[];
  /** The embedded dev cluster (embedded backend only). */
  dev?: DevCluster;
  /** The real control plane (real backend only). */
  real?: ControlPlane;
  stop(): Promise<void>;
}

export interface TestClusterOptions {
  /** Options of the embedded dev cluster (ignored by the real backend). */
  devCluster?: DevClusterOptions;
}

export async function startTestCluster(backend: Backend, options: TestClusterOptions = {}): Promise<TestCluster> {
  if (backend === 'embedded') {
    const dev = await startDevCluster({ port: 0, workloadReadyDelayMs: 50, ...(options.devCluster ?? {}) });
    return {
      backend,
      url: dev.url,
      proxyTarget: { url: dev.url },
      kubeconfig: () => dev.kubeconfig(),
      writeKubeconfig: (path) => dev.writeKubeconfig(path),
      audit: () => Promise.resolve(dev.audit()),
      spawnedPids: () => dev.spawnedPids(),
      dev,
      stop: () => dev.stop(),
    };
  }
  const real = await startControlPlane({ auditLog: true, startTimeoutMs: 180_000 });
  return {
    backend,
    url: real.url,
    proxyTarget: { url: real.url, tls: real.adminTls() },
    kubeconfig: () => real.kubeconfig(),
    writeKubeconfig: (path) => real.writeKubeconfig(path),
    audit: () => real.audit(),
    spawnedPids: () => real.spawnedPids(),
    real,
    stop: () => real.stop(),
  };
}
