/**
 * `hookrunner check`: the health-check image's entrypoint, replacing the lab's PreSync curl
 * one-liner. One line per outcome: `OK http://mm:8065 → 200 in 12 ms` on stdout, or
 * `FAIL http://mm:9999: connection refused (ECONNREFUSED) after 3 attempts in 4.1 s` on stderr.
 * Exit 0 healthy, 1 unhealthy, 2 bad arguments.
 */
import { connect } from 'node:net';
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { describeNetworkError, formatSeconds, redactSecrets } from '../chat/index.js';
import { sleep } from '../util/index.js';
import { ExitCode } from './exit-codes.js';
import type { CliIO } from './io.js';
import { intInRange, parseDurationOption } from './options.js';

interface CheckFlags {
  expectStatus?: StatusMatcher;
  contains?: string;
  timeout: number;
  retries: number;
  interval: number;
}

/** Accepted statuses: exact codes and classes (`3xx`). */
interface StatusMatcher {
  codes: number[];
  classes: number[];
  text: string;
}

type Target = { kind: 'http'; url: string } | { kind: 'tcp'; host: string; port: number; url: string };
type Attempt = { ok: true; detail: string; ms: number } | { ok: false; reason: string };

/** Largest body read for `--contains`. */
const MAX_BODY_BYTES = 1024 * 1024;

export function registerCheck(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
    .command('check')
    .description('Check that a URL answers as expected, or that a TCP port accepts connections (the health-check image entrypoint)')
    .argument('<target>', 'http://…, https://… or tcp://host:port')
    .option('--expect-status <codes>', 'accepted statuses, codes and classes, e.g. 200,204,3xx (default: 2xx); redirects are not followed', parseStatusList)
    .option('--contains <text>', 'the response body must contain this text')
    .option('--timeout <duration>', 'timeout of each attempt, e.g. 5s', parseDurationOption, 5000)
    .option('--retries <n>', 'attempts after the first one fails', intInRange(0, 1000), 0)
    .option('--interval <duration>', 'wait between attempts', parseDurationOption, 2000)
    .addHelpText('after', '\nExit codes: 0 healthy, 1 unhealthy, 2 bad arguments')
    .action(async (target: string, flags: CheckFlags) => {
      setExit(await runCheck(target, flags, io));
    });
}

/** Run `hookrunner check`; resolves to the exit code. */
export async function runCheck(rawTarget: string, flags: CheckFlags, io: CliIO): Promise<number> {
  const target = parseTarget(rawTarget);
  if (typeof target === 'string') {
    io.stderr.write(`hookrunner check: ${target}\n`);
    return ExitCode.invalidInput;
  }
  if (target.kind === 'tcp' && (flags.expectStatus || flags.contains !== undefined)) {
    io.stderr.write(`hookrunner check: --expect-status and --contains apply to http(s) targets, not ${target.url}\n`);
    return ExitCode.invalidInput;
  }
  const shown = redactSecrets(rawTarget.trim());
  const attempts = flags.retries + 1;
  const started = performance.now();
  let last: Attempt = { ok: false, reason: 'not tried' };
  let made = 0;
  for (let i = 1; i <= attempts; i++) {
    made = i;
    last = target.kind === 'tcp' ? await tcpAttempt(target, flags.timeout) : await httpAttempt(target.url, flags);
    if (last.ok) {
      io.stdout.write(`OK ${shown} → ${last.detail} in ${formatSeconds(last.ms)}${i > 1 ? ` (attempt ${i} of ${attempts})` : ''}\n`);
      return ExitCode.ok;
    }
    if (i < attempts) {
      try {
        await sleep(flags.interval, io.shutdown);
      } catch {
        break;
      }
    }
  }
  const reason = last.ok ? '' : last.reason;
  const stopped = made < attempts ? ' (stopped)' : '';
  io.stderr.write(`FAIL ${shown}: ${reason} after ${made} attempt${made === 1 ? '' : 's'} in ${formatSeconds(performance.now() - started)}${stopped}\n`);
  return ExitCode.failed;
}

async function httpAttempt(url: string, flags: CheckFlags): Promise<Attempt> {
  const started = performance.now();
  const expect = flags.expectStatus ?? { codes: [], classes: [2], text: '2xx' };
  try {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(flags.timeout), headers: { 'User-Agent': 'hookrunner-check' } });
    const { status } = response;
    if (!expect.codes.includes(status) && !expect.classes.includes(Math.floor(status / 100))) {
      await response.body?.cancel();
      return { ok: false, reason: `status ${status} (expected ${expect.text})` };
    }
    if (flags.contains !== undefined) {
      const body = await readLimited(response, MAX_BODY_BYTES);
      if (!body.includes(flags.contains)) return { ok: false, reason: `status ${status} but the body does not contain ${JSON.stringify(flags.contains)}` };
      return { ok: true, detail: `${status}, body contains ${JSON.stringify(flags.contains)}`, ms: performance.now() - started };
    }
    await response.body?.cancel();
    return { ok: true, detail: String(status), ms: performance.now() - started };
  } catch (err) {
    return { ok: false, reason: failureReason(err, flags.timeout) };
  }
}

function tcpAttempt(target: { host: string; port: number }, timeoutMs: number): Promise<Attempt> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const finish = (result: Attempt): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => finish({ ok: false, reason: `no connection within ${formatSeconds(timeoutMs)}` }));
    socket.once('connect', () => finish({ ok: true, detail: 'connected', ms: performance.now() - started }));
    socket.once('error', (err) => finish({ ok: false, reason: failureReason(err, timeoutMs) }));
  });
}

function failureReason(err: unknown, timeoutMs: number): string {
  const net = describeNetworkError(err, timeoutMs);
  if (net) return net.code === 'timeout' || net.code === 'network' ? net.reason : `${net.reason} (${net.code})`;
  return redactSecrets(err instanceof Error ? err.message : String(err));
}

/** Read at most `limit` bytes of the body as text (a larger body is cut, not an error). */
async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= limit) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

/** The target as typed, with anything between `//` and `@` (a user, a token, a password) hidden: for error messages. */
function shownTarget(raw: string): string {
  return JSON.stringify(raw.replace(/\/\/[^/?#]*@/g, '//[REDACTED]@'));
}

function parseTarget(raw: string): Target | string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return `bad target ${shownTarget(raw)}: must be an http://, https:// or tcp://host:port URL`;
  }
  // fetch refuses such URLs anyway, and printing the target would print the secret.
  if (url.username !== '' || url.password !== '') return `bad target ${shownTarget(raw)}: must not carry credentials (user, token or password before "@")`;
  if (url.protocol === 'http:' || url.protocol === 'https:') return { kind: 'http', url: url.href };
  if (url.protocol === 'tcp:') {
    const port = Number(url.port);
    if (!url.hostname || !url.port || !(port >= 1 && port <= 65_535)) return `bad target ${shownTarget(raw)}: tcp targets need a host and a port, e.g. tcp://redis:6379`;
    return { kind: 'tcp', host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, url: `tcp://${url.host}` };
  }
  return `bad target ${shownTarget(raw)}: must be an http://, https:// or tcp://host:port URL`;
}

/** `200,204,3xx` → codes and classes. */
export function parseStatusList(value: string): StatusMatcher {
  const codes: number[] = [];
  const classes: number[] = [];
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new InvalidArgumentError('must list status codes or classes, e.g. 200,204,3xx');
  for (const item of items) {
    if (/^[1-5]\d\d$/.test(item)) codes.push(Number(item));
    else if (/^[1-5]xx$/i.test(item)) classes.push(Number(item[0]));
    else throw new InvalidArgumentError(`"${item}" is not a status code (100-599) or class (1xx-5xx)`);
  }
  return { codes, classes, text: items.map((i) => i.toLowerCase()).join(',') };
}


