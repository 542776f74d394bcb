import { spawn } from 'node:child_process';
import { realTools } from './tools.js';

/** One `kubectl` invocation's outcome; a non-zero exit is data here, not an exception. */
export interface KubectlRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real `kubectl` (1.34, `realTools()`) bound to one kubeconfig, with its caches under `home`. */
export interface Kubectl {
  /** Runs `kubectl --kubeconfig <file> ...args`; `input` is written to its stdin (for `-f -`). */
  run(args: readonly string[], input?: string): Promise<KubectlRun>;
  /** Like `run`, but throws with kubectl's stderr when it exits non-zero. */
  ok(args: readonly string[], input?: string): Promise<string>;
}

const KUBECTL_TIMEOUT_MS = 60_000;

export async function createKubectl(kubeconfig: string, home: string): Promise<Kubectl> {
  const { kubectl } = await realTools();
  // Never read a developer's cluster credentials or cache: only the given kubeconfig, caches in `home`.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, KUBECONFIG: kubeconfig };
  const run = (args: readonly string[], input?: string): Promise<KubectlRun> =>
    new Promise((done, fail) => {
      const child = spawn(kubectl, ['--kubeconfig', kubeconfig, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), KUBECTL_TIMEOUT_MS);
      child.once('error', (err) => {
        clearTimeout(timer);
        fail(new Error(`kubectl ${args.join(' ')} did not run: ${err.message}`, { cause: err }));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === null) {
          fail(new Error(`kubectl ${args.join(' ')} was killed (${signal ?? 'unknown signal'}) after at most ${KUBECTL_TIMEOUT_MS} ms`));
          return;
        }
        done({ code, stdout, stderr });
      });
      child.stdin.end(input ?? '');
    });
  return {
    run,
    async ok(args, input) {
      const result = await run(args, input);
      if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
      return result.stdout;
    },
  };
}
