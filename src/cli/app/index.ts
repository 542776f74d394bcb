/**
 * `hookrunner app …`: a client of the service's API (`hookrunner serve`, `/api/v1`) in the
 * manner of `argocd app`: list, get, sync, diff, logs, history, delete, terminate, confirm.
 */
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import type { AppDependencies } from './command.js';
import { registerConfirm } from './confirm.js';
import { registerDelete } from './delete.js';
import { registerDiff } from './diff.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import { registerLogs } from './logs.js';
import { defaultView } from './operation-view.js';
import { terminalPrompter } from './prompt.js';
import { registerRead } from './read.js';
import { registerSync } from './sync.js';

export type { AppDependencies } from './command.js';
export type { OperationView } from './operation-view.js';
export { AppExit } from './exit-codes.js';

/**
 * Register `app` and its subcommands. `deps` replaces parts (tests: a prompter, a view). @defaultValue a
 * terminal prompter, the terminal view of src/cli/view, the global fetch
 */
export function registerApp(program: Command, io: CliIO, setExit: (code: number) => void, deps: Partial<AppDependencies> = {}): Command {
  const resolved: AppDependencies = { prompter: deps.prompter ?? terminalPrompter(), createView: deps.createView ?? defaultView, ...(deps.fetch ? { fetch: deps.fetch } : {}) };
  const app = program
    .command('app')
    .description('Applications on a hookrunner service (hookrunner serve): list, get, sync, diff, logs, history, delete, terminate, confirm; --server/HOOKRUNNER_SERVER, --token/HOOKRUNNER_API_TOKEN or ~/.config/hookrunner/config.yaml')
    .addHelpText('after', EXIT_CODES_HELP);
  registerRead(app, io, setExit, resolved);
  registerSync(app, io, setExit, resolved);
  registerDiff(app, io, setExit, resolved);
  registerLogs(app, io, setExit, resolved);
  registerDelete(app, io, setExit, resolved);
  registerConfirm(app, io, setExit, resolved);
  return app;
}
