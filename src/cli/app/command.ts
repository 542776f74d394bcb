/** What every `hookrunner app` subcommand shares: the connection flags, the client, and errors turned into messages and exit codes. */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { parseDurationOption } from '../options.js';
import { createApiClient } from './client.js';
import type { ApiClient } from './client.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, resolveConnection } from './config.js';
import type { ConnectionFlags } from './config.js';
import { explain } from './errors.js';
import { EXIT_CODES_HELP } from './exit-codes.js';
import type { OperationView, ViewRequest } from './operation-view.js';
import type { Prompter } from './prompt.js';

/** What the program gives the commands; tests and the live terminal view replace parts. */
export interface AppDependencies {
  /** Asks `app delete`'s question. */
  prompter: Prompter;
  /** The view of `--wait`. @defaultValue the terminal view (operation-view.ts) */
  createView: (request: ViewRequest) => OperationView;
  /** @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
}

export interface CommonFlags extends ConnectionFlags {
  verbose?: boolean;
}

export interface AppContext {
  io: CliIO;
  client: ApiClient;
  deps: AppDependencies;
  /** `hookrunner app <command>:`, the prefix of this command's messages. */
  prefix: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const OPERATION_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The NAME argument: an application name (a DNS-1123 label, as the server's `metadata.name`). */
export function parseAppName(value: string): string {
  if (!DNS_LABEL.test(value)) throw new InvalidArgumentError(`NAME must be an application name (a DNS-1123 label: lower case letters, digits and '-', at most 63), got "${value}"`);
  return value;
}

export function parseOperationId(value: string): string {
  if (!OPERATION_ID.test(value)) throw new InvalidArgumentError(`must be an operation id (letters, digits, '.', '_', '-'; at most 128), got "${value}"`);
  return value;
}

/** `--server`, `--token`, `--config`, `--request-timeout`, `--verbose`, and the exit codes in `--help`. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('--server <url>', 'the hookrunner service, http(s)://host[:port][/prefix] (default: $HOOKRUNNER_SERVER, then "server:" in the config file)')
    .option('--token <token>', 'API token (default: $HOOKRUNNER_API_TOKEN, then "token:" in the config file; prefer those: a flag shows in the process list)')
    .option('--config <file>', 'config file with "server:" and "token:" (default: $HOOKRUNNER_CONFIG, then $XDG_CONFIG_HOME or ~/.config, /hookrunner/config.yaml)')
    .option('--request-timeout <duration>', 'timeout of each HTTP request; GETs are retried 3 times on connection errors, 502, 503, 504', parseDurationOption, DEFAULT_REQUEST_TIMEOUT_MS)
    .option('-v, --verbose', 'print each HTTP request (method, URL, status, time; never the token) to stderr')
    .addHelpText('after', EXIT_CODES_HELP);
}

/** The token must never reach the terminal, whatever the message. */
function redact(text: string, token: string | undefined): string {
  return token ? text.split(token).join('***') : text;
}

/**
 * Resolve the connection, make the client, run `body`, and turn any error into a message on
 * stderr and an exit code (errors.ts). Resolves to the exit code.
 */
export async function runApp(command: string, io: CliIO, deps: AppDependencies, flags: CommonFlags, body: (ctx: AppContext) => Promise<number>): Promise<number> {
  const prefix = `hookrunner app ${command}:`;
  let server: string | undefined;
  let token: string | undefined;
  const stderr = { write: (text: string) => io.stderr.write(redact(text, token ?? flags.token)) };
  const safeIo: CliIO = { ...io, stderr };
  try {
    const connection = await resolveConnection({ flags, env: io.env });
    ({ server, token } = connection);
    for (const warning of connection.warnings) stderr.write(`${prefix} warning: ${warning}\n`);
    const client = createApiClient({
      server: connection.server,
      ...(token !== undefined ? { token } : {}),
      requestTimeoutMs: connection.requestTimeoutMs,
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(flags.verbose ? { debug: (line: string) => stderr.write(`${prefix} ${line}\n`) } : {}),
    });
    return await body({ io: safeIo, client, deps, prefix });
  } catch (err) {
    const { lines, exitCode } = explain(err, server);
    stderr.write(`${prefix} ${lines.join('\n')}\n`);
    return exitCode;
  }
}
