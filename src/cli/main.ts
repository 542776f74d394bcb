import { Command, CommanderError } from 'commander';
import { registerApp } from './app/index.js';
import { formatMs } from '../util/index.js';
import { ExitCode } from './exit-codes.js';
import { processIO } from './io.js';
import type { CliIO } from './io.js';
import { registerCheck } from './check.js';
import { registerDemo } from './demo.js';
import { registerDevCluster } from './dev-cluster.js';
import { registerNotify } from './notify.js';
import { parseDurationOption } from './options.js';
import { registerPlan } from './plan.js';
import { registerServe, registerWorker } from './serve.js';
import { registerDelete } from './delete.js';
import { registerDiff } from './diff.js';
import { registerSync } from './sync.js';

export const VERSION = '0.1.0';

/**
 * Every command of `hookrunner`, writing to `io`; an action reports its exit code through
 * `setExit`. Commander's own errors (bad flags, `--help`) are thrown: see {@link main}.
 */
export function createProgram(io: CliIO, setExit: (code: number) => void): Command {
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
  registerDelete(program, io, setExit);
  registerDiff(program, io, setExit);
  registerApp(program, io, setExit);
  registerWorker(program, io, setExit);
  registerServe(program, io, setExit);
  registerNotify(program, io, setExit);
  registerCheck(program, io, setExit);
  registerDemo(program, io, setExit);
  registerDevCluster(program, io, setExit);
  describeDurationDefaults(program);
  return program;
}

/**
 * A duration flag is typed like `10s` or `2m` (a bare number is seconds) and parsed to
 * milliseconds, so its default is kept in milliseconds too. Help shows that default the way it
 * is typed (`(default: 10s)`, not `(default: 10000)`), for every command's duration flags
 * (those parsed by {@link parseDurationOption}) whose help text does not describe it already.
 */
export function describeDurationDefaults(command: Command): void {
  for (const option of command.options) {
    const value: unknown = option.defaultValue;
    if (option.parseArg === parseDurationOption && typeof value === 'number' && option.defaultValueDescription === undefined) {
      option.defaultValueDescription = formatMs(value);
    }
  }
  for (const sub of command.commands) describeDurationDefaults(sub);
}

/**
 * Run the `hookrunner` command line and resolve to its exit code. Never calls `process.exit`,
 * so tests run it in-process with their own {@link CliIO}.
 */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = createProgram(io, (code) => {
    exitCode = code;
  });
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
