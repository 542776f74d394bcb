import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCheck } from '../../src/cli/check.js';
import { startMattermostServer } from '../helpers/chat-servers.js';
import type { MattermostServer } from '../helpers/chat-servers.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `hookrunner check …` in-process, wired the way src/cli/main.ts wires commands. */
async function check(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: {} };
  const program = new Command('hookrunner').exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  registerCheck(program, io, (c) => (code = c));
  try {
    await program.parseAsync(['check', ...args], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    code = 2;
  }
  return { code, stdout, stderr };
}

/** A port nothing listens on: bound, then released. */
async function deadPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('hookrunner check (the PreSync health-check image)', () => {
  let mattermost: MattermostServer;
  let web: Server;
  let webUrl: string;
  let hits: string[];
  let flaky = 0;

  beforeAll(async () => {
    mattermost = await startMattermostServer({ token: 't0ken-unused', teams: {} });
    hits = [];
    web = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/no-content') res.writeHead(204).end();
      else if (req.url === '/moved') res.writeHead(302, { Location: '/elsewhere' }).end();
      else if (req.url === '/down') res.writeHead(503).end('maintenance');
      else if (req.url === '/flaky') res.writeHead(flaky++ < 2 ? 503 : 200).end('ok now');
      else if (req.url === '/hang') return;
      else res.writeHead(200, { 'Content-Type': 'text/plain' }).end('status: ready');
    });
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await mattermost.close();
    web.closeAllConnections();
    await new Promise<void>((resolve) => web.close(() => resolve()));
  });

  it('should pass for a live server answering 200, like the lab curl pre-job (exit 0, one line on stdout)', async () => {
    const run = await check([mattermost.url, '--expect-status', '200']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(new RegExp(`^OK ${mattermost.url} → 200 in \\d+ ms\\n$`));
  });

  it('should fail a dead port (exit 1) with the reason and the attempts on one line', async () => {
    const port = await deadPort();
    const run = await check([`http://127.0.0.1:${port}`, '--retries', '2', '--interval', '20ms']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^FAIL http://127\\.0\\.0\\.1:${port}: connection refused \\(ECONNREFUSED\\) after 3 attempts in \\d+(\\.\\d)? m?s\\n$`));
  });

  it('should accept only the listed statuses and classes, without following redirects', async () => {
    expect((await check([`${webUrl}/no-content`])).code).toBe(0);
    expect((await check([`${webUrl}/moved`])).stderr).toContain(': status 302 (expected 2xx) after 1 attempt');
    const moved = await check([`${webUrl}/moved`, '--expect-status', '200,3xx']);
    expect(moved).toMatchObject({ code: 0, stdout: expect.stringMatching(/ → 302 in /) as unknown });
    expect(hits).not.toContain('/elsewhere');
    const down = await check([`${webUrl}/down`, '--expect-status', '200,204']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`FAIL ${webUrl}/down: status 503 (expected 200,204) after 1 attempt`);
  });

  it('should check the body with --contains', async () => {
    expect((await check([webUrl, '--contains', 'ready'])).stdout).toMatch(/^OK http:\/\/127\.0\.0\.1:\d+ → 200, body contains "ready" in /);
    const missing = await check([webUrl, '--contains', 'healthy']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('status 200 but the body does not contain "healthy"');
  });

  it('should retry until healthy and say which attempt passed', async () => {
    const run = await check([`${webUrl}/flaky`, '--retries', '3', '--interval', '10ms']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/→ 200 in \d+ ms \(attempt 3 of 4\)\n$/);
  });

  it('should time out an attempt with --timeout', async () => {
    const run = await check([`${webUrl}/hang`, '--timeout', '100ms']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/: no answer within 100 ms after 1 attempt in \d+ ms\n$/);
  });

  it('should check that a TCP port accepts connections', async () => {
    const live = await check([`tcp://127.0.0.1:${mattermost.port}`]);
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(new RegExp(`^OK tcp://127\\.0\\.0\\.1:${mattermost.port} → connected in \\d+ ms\\n$`));
    const port = await deadPort();
    const dead = await check([`tcp://127.0.0.1:${port}`]);
    expect(dead.code).toBe(1);
    expect(dead.stderr).toMatch(new RegExp(`^FAIL tcp://127\\.0\\.0\\.1:${port}: connection refused \\(ECONNREFUSED\\) after 1 attempt in \\d+ ms\\n$`));
  });

  it.each([
    ['an unsupported scheme', ['ftp://example.com'], 'bad target "ftp://example.com": must be an http://, https:// or tcp://host:port URL'],
    ['a tcp target without a port', ['tcp://redis'], 'tcp targets need a host and a port'],
    ['a bad status list', ['http://x', '--expect-status', '200,abc'], '"abc" is not a status code (100-599) or class (1xx-5xx)'],
    ['a bad duration', ['http://x', '--timeout', 'soon'], 'must be a duration such as 500ms, 10s or 2m, got "soon"'],
    ['a negative retry count', ['http://x', '--retries', '-1'], 'must be an integer from 0 to 1000'],
    ['--contains on a tcp target', ['tcp://127.0.0.1:1', '--contains', 'x'], '--expect-status and --contains apply to http(s) targets'],
  ])('should exit 2 on %s', async (_what, args, words) => {
    const run = await check(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(words);
  });

  it.each([
    ['a token as the user', 'https://s3cr3tT0ken@health.example/health', 's3cr3tT0ken'],
    ['a user and password', 'http://admin:pa55w0rd-x@127.0.0.1:1/ready', 'pa55w0rd-x'],
    ['a tcp target with a password', 'tcp://:r3dis-pw@127.0.0.1:6379', 'r3dis-pw'],
  ])('should exit 2 on a URL with %s, without echoing it (S2: redactSecrets missed a lone token before "@")', async (_what, target, secret) => {
    const run = await check([target]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('must not carry credentials');
    expect(run.stderr).not.toContain(secret);
  });
});
