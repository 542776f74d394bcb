/**
 * The chaos suite's rig: real parts only. A private Redis with AOF, a dev cluster (in this
 * process, optionally with `--faults`), a dev Mattermost server, a bare git repository with a
 * lab-like application, and spawned `bin/hookrunner serve` / `bin/hookrunner worker` processes.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { startDevCluster } from '../../src/devcluster/index.js';
import type { DevCluster } from '../../src/devcluster/index.js';
import { startMattermostServer } from '../../src/devchat/index.js';
import type { MattermostServer } from '../../src/devchat/index.js';
import { freePort, startPrivateRedis } from '../../src/engine/index.js';

const exec = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', '..', 'bin', 'hookrunner');
export const TOKEN = 'chaos-api-token-0123456789abcdef';

/** A spawned hookrunner process; stderr lines kept (the last 200) for error messages. */
export interface Proc {
  name: string;
  proc: ChildProcess;
  lines: string[];
  exited: Promise<void>;
  alive(): boolean;
}

/**
 * `CHAOS_LOG_DIR`: append every process's stderr to `<dir>/<name>.log` (for reading a failure
 * afterwards); `CHAOS_LOG_LEVEL`: the processes' log level (default info).
 */
export function spawnHookrunner(name: string, args: string[], env: Record<string, string>): Proc {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', HOOKRUNNER_LOG_LEVEL: process.env['CHAOS_LOG_LEVEL'] ?? 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const logDir = process.env['CHAOS_LOG_DIR'];
  const logFile = logDir ? createWriteStream(join(logDir, `${name}.log`), { flags: 'a' }) : undefined;
  const lines: string[] = [];
  let buffer = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    logFile?.write(chunk);
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
    if (lines.length > 400) lines.splice(0, lines.length - 200);
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => {
    logFile?.end();
    r();
  }));
  return { name, proc, lines, exited, alive: () => proc.exitCode === null && proc.signalCode === null };
}

export async function killProc(p: Proc, signal: NodeJS.Signals): Promise<void> {
  if (!p.alive()) return;
  p.proc.kill(signal);
  const timer = setTimeout(() => p.proc.kill('SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(timer);
}

export interface RigOptions {
  /** `--faults` spec for the dev cluster. @defaultValue none */
  faults?: string;
  /** serve replicas. @defaultValue 1 */
  serves?: number;
  /** worker processes. @defaultValue 2 */
  workers?: number;
  /** Redis URL to use instead of a private one (`redis-sentinel` scenario). @defaultValue a private Redis with AOF */
  redisEnv?: Record<string, string>;
  /** Prefix of the keys. @defaultValue chaos */
  prefix?: string;
}

export interface Rig {
  dir: string;
  cluster: DevCluster;
  chat: MattermostServer;
  repoUrl: string;
  redis: { port: number; url: string; restart(): Promise<void> } | undefined;
  serves: Proc[];
  servePorts: number[];
  workers: Proc[];
  startServe(i: number): Proc;
  startWorker(i: number): Proc;
  close(): Promise<void>;
}

/** A hook Job that sleeps `seconds`. */
function hook(name: string, type: string, seconds: number, wave = 0): string {
  return `apiVersion: batch/v1
kind: Job
metadata:
  name: ${name}
  annotations:
    argocd.argoproj.io/hook: ${type}
    argocd.argoproj.io/sync-wave: "${wave}"
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{ name: main, image: busybox, command: ["/bin/sh", "-c", "sleep ${seconds}"] }]
`;
}

/** The application: PreSync hook (2 s) → ConfigMap (wave -1) → Sync hook (1 s, wave 1) → PostSync hook (1 s). */
export const APP_FILES: Record<string, string> = {
  'app/pre.yaml': hook('pre-hook', 'PreSync', 2),
  'app/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  annotations: { argocd.argoproj.io/sync-wave: "-1" }\ndata: { a: "1" }\n',
  'app/sync.yaml': hook('sync-hook', 'Sync', 1, 1),
  'app/post.yaml': hook('post-hook', 'PostSync', 1),
};
export const HOOK_JOBS = ['pre-hook', 'sync-hook', 'post-hook'];

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await exec('git', args, { cwd, env: { ...process.env, GIT_AUTHOR_NAME: 'chaos', GIT_AUTHOR_EMAIL: 'chaos@example.com', GIT_COMMITTER_NAME: 'chaos', GIT_COMMITTER_EMAIL: 'chaos@example.com' }, timeout: 30_000 });
  return stdout.trim();
}

async function makeRepo(dir: string): Promise<string> {
  const bare = join(dir, 'repo.git');
  const work = join(dir, 'work');
  await git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  await git(dir, 'init', '--quiet', '--initial-branch=main', work);
  for (const [path, text] of Object.entries(APP_FILES)) {
    await mkdir(join(work, path, '..'), { recursive: true });
    await writeFile(join(work, path), text);
  }
  await git(work, 'add', '--all');
  await git(work, 'commit', '--quiet', '-m', 'chaos app');
  await git(work, 'push', '--quiet', bare, 'main');
  return `file://${bare}`;
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'hookrunner-chaos-'));
  const prefix = options.prefix ?? 'chaos';
  const cluster = await startDevCluster({ port: 0, workloadReadyDelayMs: 100, auditSize: 1_000_000, ...(options.faults ? { faults: options.faults } : {}) });
  await cluster.writeKubeconfig(join(dir, 'kubeconfig'));
  const chat = await startMattermostServer({ token: 'chaos-bot-token', teams: { chaos: ['deploys'] } });
  const repoUrl = await makeRepo(dir);
  let redisHandle: Awaited<ReturnType<typeof startPrivateRedis>> | undefined;
  let redisEnv = options.redisEnv;
  if (!redisEnv) {
    await mkdir(join(dir, 'redis'));
    redisHandle = await startPrivateRedis({ appendonly: true, dir: join(dir, 'redis') });
    redisEnv = { REDIS_URL: redisHandle.url };
  }
  const env: Record<string, string> = { ...redisEnv, HOOKRUNNER_PREFIX: prefix, KUBECONFIG: join(dir, 'kubeconfig') };
  // docs/semantics.md §18: the built-in default project refuses file:// repositories; the rig defines its own default project, allowing its repository.
  await mkdir(join(dir, 'projects'));
  await writeFile(join(dir, 'projects', 'default.yaml'), `apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata:\n  name: default\nspec:\n  sourceRepos: ["${repoUrl}"]\n  destinations: [{ server: "*", namespace: "*" }]\n  clusterResourceWhitelist: [{ group: "*", kind: "*" }]\n`);
  const serveCount = options.serves ?? 1;
  const servePorts: number[] = [];
  for (let i = 0; i < serveCount; i++) servePorts.push(await freePort());
  const rig: Rig = {
    dir,
    cluster,
    chat,
    repoUrl,
    redis: undefined,
    serves: [],
    servePorts,
    workers: [],
    startServe(i) {
      const p = spawnHookrunner(`serve-${i}`, ['serve', '--port', String(servePorts[i]), '--host', '127.0.0.1', '--git-poll-interval', '0', '--projects-dir', join(dir, 'projects'), '--default-project', 'default'], {
        ...env,
        HOOKRUNNER_API_TOKEN: TOKEN,
        HOOKRUNNER_CACHE_DIR: join(dir, `git-cache-${i}`),
        MATTERMOST_URL: chat.url,
        MATTERMOST_TOKEN: 'chaos-bot-token',
        MATTERMOST_TEAM: 'chaos',
        MATTERMOST_CHANNEL: 'deploys',
      });
      rig.serves[i] = p;
      return p;
    },
    startWorker(i) {
      const p = spawnHookrunner(`worker-${i}`, ['worker', '--concurrency', '8'], env);
      rig.workers[i] = p;
      return p;
    },
    async close() {
      await Promise.all([...rig.serves, ...rig.workers].map((p) => killProc(p, 'SIGTERM')));
      await chat.close();
      await cluster.stop();
      await redisHandle?.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  if (redisHandle) {
    const handle = redisHandle;
    const redisDir = join(dir, 'redis');
    rig.redis = {
      port: handle.port,
      url: handle.url,
      /** Stop Redis (SIGTERM: it writes its AOF) and start it again on the same port and directory. */
      async restart() {
        await redisHandle?.stop();
        redisHandle = await startPrivateRedis({ appendonly: true, dir: redisDir, port: handle.port });
      },
    };
  }
  for (let i = 0; i < serveCount; i++) rig.startServe(i);
  for (let i = 0; i < (options.workers ?? 2); i++) rig.startWorker(i);
  await Promise.all(servePorts.map((port, i) => waitUp(`http://127.0.0.1:${port}`, () => rig.serves[i]!)));
  return rig;
}

async function waitUp(url: string, proc: () => Proc): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1_000) });
      if (res.status === 200) return;
    } catch {
      // not up yet
    }
    if (!proc().alive()) throw new Error(`${proc().name} exited before answering ${url}/readyz:\n${proc().lines.slice(-10).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc().name} did not answer ${url}/readyz within 30 s:\n${proc().lines.slice(-10).join('\n')}`);
}
