import { Command, CommanderError } from 'commander';
import { ExitCode } from './exit-codes.js';
import { processIO } from './io.js';
import type { CliIO } from './io.js';
import { registerCheck } from './check.js';
import { registerDemo } from './demo.js';
import { registerDevCluster } from './dev-cluster.js';
import { registerNotify } from './notify.js';
import { registerPlan } from './plan.js';
import { registerServe, registerWorker } from './serve.js';
import { registerSync } from './sync.js';

export const VERSION = '0.1.0';

/**
 * Run the `hookrunner` command line and resolve to its exit code. Never calls `process.exit`,
 * so tests run it in-process with their own {@link CliIO}.
 */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  const program = new Command('hookrunner')
    .description('Runs Kubernetes sync operations with Argo-CD-compatible phases, waves, hooks and deletion policies')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  registerPlan(program, io, setExit);
  registerSync(program, io, setExit);
  registerWorker(program, io, setExit);
  registerServe(program, io, setExit);
  registerNotify(program, io, setExit);
  registerCheck(program, io, setExit);
  registerDemo(program, io, setExit);
  registerDevCluster(program, io, setExit);

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return ExitCode.ok;
      return ExitCode.invalidInput;
    }
    io.stderr.write(`hookrunner: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return ExitCode.infrastructure;
  }
  return exitCode;
}
