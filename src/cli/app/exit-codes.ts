/**
 * The exit codes of `hookrunner app …`: those of every command (src/cli/exit-codes.ts) — 0 done,
 * 1 the operation failed or there are differences, 2 invalid input, 3 infrastructure — plus two
 * that only a client of the service meets: 4 not found, 5 the token is missing or not accepted.
 */
import { ExitCode } from '../exit-codes.js';

export const AppExit = {
  ...ExitCode,
  /** The application, operation or hook named does not exist (HTTP 404). */
  notFound: 4,
  /** No token, or the server does not accept it (HTTP 401, 403). */
  unauthorized: 5,
  /** Interrupted (Ctrl-C) while following an operation; the operation goes on. */
  interrupted: 130,
} as const;
export type AppExit = (typeof AppExit)[keyof typeof AppExit];

/** The exit codes, as `--help` and the README show them. */
export const EXIT_CODES_HELP = `
Exit codes:
  0    done; for sync/delete --wait the operation Succeeded; for diff no differences
  1    the operation Failed (or another operation of the app is running); for diff there are differences
  2    invalid input: a bad flag, configuration or request (HTTP 400, 422)
  3    infrastructure: the server is unreachable, timed out or failed (5xx), the operation ended in Error,
       or --wait reached its --timeout
  4    not found: no such application, operation or hook (HTTP 404)
  5    no token, or the token is not accepted (HTTP 401, 403)
  130  interrupted (Ctrl-C) while waiting; the operation goes on on the server
`;
