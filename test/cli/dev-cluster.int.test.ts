/** `hookrunner dev-cluster` in-process: prints the URL and `export KUBECONFIG=…`, serves until shutdown, stops cleanly. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registerDevCluster } from '../../src/cli/dev-cluster.js';
import type { CliIO } from '../../src/cli/io.js';
import { testBackends } from '../helpers/backends.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hookrunner-cli-dev-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Session {
  stdout: () => string;
  stderr: () => string;
  /** Resolves once stdout contains the text (rejects after 120 s: the real control plane takes a while). */
  printed: (text: string) => Promise<void>;
  stop: () => void;
  exit: Promise<number>;
}

function start(args: string[]): Session {
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const shutdown = new AbortController();
  const io: CliIO = {
    stdout: {
      write: (s: string) => {
        out += s;
        for (const w of [...waiters]) w();
      },
    },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    shutdown: shutdown.signal,
  };
  let code = -1;
  const program = new Command('hookrunner').exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  registerDevCluster(program, io, (c) => (code = c));
  const exit = program.parseAsync(['dev-cluster', ...args], { from: 'user' }).then(() => code);
  const printed = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!out.includes(text)) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`"${text}" never printed; stdout: ${out} stderr: ${err}`));
      }, 120_000);
      waiters.add(check);
      check();
    });
  return { stdout: () => out, stderr: () => err, printed, stop: () => shutdown.abort(), exit };
}

describe('when running hookrunner dev-cluster', () => {
  it('should write the kubeconfig, print the URL and the export line, serve the API and stop on shutdown with exit 0', async () => {
    const kubeconfig = join(dir, 'kc.yaml');
    const images = join(dir, 'images.yaml');
    await writeFile(images, '"example/*:*":\n  entrypoint: ["echo", "mapped"]\n');
    const session = start(['--port', '0', '--kubeconfig', kubeconfig, '--images', images, '--faults', 'latency=1ms']);
    await session.printed('export KUBECONFIG=');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(session.stdout())?.[1] ?? '';
    expect(session.stdout()).toContain(`export KUBECONFIG=${kubeconfig}\n`);
    const config = parse(await readFile(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] };
    expect(config.clusters[0]?.cluster.server).toBe(url);
    const ns = await fetch(`${url}/api/v1/namespaces/default`);
    expect(ns.status).toBe(200);
    session.stop();
    expect(await session.exit).toBe(0);
    expect(session.stdout()).toContain('dev cluster stopped\n');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it.each([
    [['--faults', 'rate=7'], 'invalid fault spec: rate'],
    [['--images', '/nonexistent/images.yaml'], 'cannot read image mapping /nonexistent/images.yaml'],
  ])('should refuse %j with exit 2 and a message naming the problem', async (args, message) => {
    const session = start(['--kubeconfig', join(dir, 'kc'), ...args]);
    expect(await session.exit).toBe(2);
    expect(session.stderr()).toContain(message);
  });

  it('should refuse a bad --port before starting', async () => {
    const session = start(['--port', 'eighty']);
    await expect(session.exit).rejects.toThrow(/must be a port number/);
  });
});

describe.runIf(testBackends().includes('real'))('when running hookrunner dev-cluster --real', () => {
  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const pids = (out: string): number[] => [...out.matchAll(/^ {2}(?:etcd|kube-[a-z-]+)\s+pid (\d+)/gm)].map((m) => Number(m[1]));

  it('should start every component, write a client-certificate kubeconfig, and leave no process behind on shutdown', async () => {
    const kubeconfig = join(dir, 'real.yaml');
    const session = start(['--real', '--kubeconfig', kubeconfig]);
    await session.printed('export KUBECONFIG=');
    expect(session.stdout()).toMatch(/real control plane v1\.34\.4 listening on https:\/\/127\.0\.0\.1:\d+/);
    const started = pids(session.stdout());
    expect(started).toHaveLength(4);
    expect(started.every(alive)).toBe(true);
    const config = parse(await readFile(kubeconfig, 'utf8')) as { users: { user: Record<string, string> }[] };
    expect(Object.keys(config.users[0]?.user ?? {}).sort()).toEqual(['client-certificate-data', 'client-key-data']);
    session.stop();
    expect(await session.exit).toBe(0);
    expect(started.filter(alive)).toEqual([]);
  }, 180_000);

  it('should exit 3 naming a component that died, and stop the rest', async () => {
    const session = start(['--real', '--kubeconfig', join(dir, 'real2.yaml')]);
    await session.printed('export KUBECONFIG=');
    const scheduler = /^ {2}kube-scheduler\s+pid (\d+)/m.exec(session.stdout())?.[1];
    process.kill(Number(scheduler), 'SIGKILL');
    expect(await session.exit).toBe(3);
    expect(session.stderr()).toContain('kube-scheduler died; stopping the rest');
    expect(session.stderr()).toContain('kube-scheduler was killed by SIGKILL');
    expect(pids(session.stdout()).filter(alive)).toEqual([]);
  }, 180_000);

  it('should refuse --faults with --real (exit 2)', async () => {
    const session = start(['--real', '--faults', 'latency=1ms', '--kubeconfig', join(dir, 'x')]);
    expect(await session.exit).toBe(2);
    expect(session.stderr()).toContain('--faults works only with the embedded dev cluster');
  });
});
