/** What a failed `hookrunner app` request means for the user: a message (never the token) and an exit code. */
import { errorMessage } from '../../util/index.js';
import { ApiError, ConnectionError, ResponseError } from './client.js';
import { UsageError } from './config.js';
import { AppExit } from './exit-codes.js';

/** A failure the command itself reports, with its exit code (e.g. no hook of that name: 4). */
export class AppFailure extends Error {
  override readonly name = 'AppFailure';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

export interface Explained {
  /** One or more lines, without the command prefix. */
  lines: string[];
  exitCode: number;
}

const TOKEN_SOURCES = '--token, HOOKRUNNER_API_TOKEN or "token:" in the config file';

/** The problem's `detail` (its `title` when it has none), then every field at fault when there are several. */
function problemLines(err: ApiError): string[] {
  const { problem } = err;
  const lines = [problem.detail ?? problem.title ?? `HTTP ${err.status}`];
  const errors = problem.errors ?? [];
  if (errors.length > 1) for (const e of errors) lines.push(`  - ${e.field}: ${e.message}`);
  return lines;
}

function explainApiError(err: ApiError, server: string): Explained {
  const { status, problem } = err;
  if (status === 401) {
    return err.sentToken
      ? { lines: [`the API token is not accepted by ${server} (HTTP 401)`], exitCode: AppExit.unauthorized }
      : { lines: [`${server} wants an API token (HTTP 401): give one with ${TOKEN_SOURCES}`], exitCode: AppExit.unauthorized };
  }
  if (status === 403) return { lines: [`the API token is not accepted by ${server} (HTTP 403); check ${TOKEN_SOURCES}`], exitCode: AppExit.unauthorized };
  if (status === 404 && problem.type === 'urn:hookrunner:problem:no-route') {
    return { lines: [`${server} does not serve ${err.method} /api/v1${err.path} (HTTP 404, no such route): is it a hookrunner service of this version?`], exitCode: AppExit.infrastructure };
  }
  if (status === 404) return { lines: problemLines(err), exitCode: AppExit.notFound };
  if (status === 409) return { lines: problemLines(err), exitCode: AppExit.failed };
  if (status >= 400 && status < 500) return { lines: problemLines(err), exitCode: AppExit.invalidInput };
  const id = problem.requestId ? ` (request id ${problem.requestId})` : '';
  return { lines: [`${server} failed (HTTP ${status}): ${problemLines(err).join('\n')}${id}`], exitCode: AppExit.infrastructure };
}

/** The message and exit code of any error a command meets. */
export function explain(err: unknown, server: string | undefined): Explained {
  if (err instanceof UsageError) return { lines: [err.message], exitCode: AppExit.invalidInput };
  if (err instanceof AppFailure) return { lines: [err.message], exitCode: err.exitCode };
  if (err instanceof ApiError) return explainApiError(err, server ?? 'the server');
  if (err instanceof ConnectionError || err instanceof ResponseError) return { lines: [err.message], exitCode: AppExit.infrastructure };
  return { lines: [errorMessage(err)], exitCode: AppExit.infrastructure };
}
