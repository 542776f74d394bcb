/**
 * `hookrunner app` commands in-process with a scripted service (a fetch answering by route):
 * what each sends, the delete question, the view `--wait` feeds, and the output formats.
 */
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import type { ApiOperationDocument } from '../../src/api/index.js';
import { registerApp } from '../../src/cli/app/index.js';
import type { AppDependencies } from '../../src/cli/app/index.js';

const TOKEN = 'commands-token-0123456789';

function opDoc(phase: string, version: number): ApiOperationDocument {
  return {
    operation: { id: 'op-9', app: 'guestbook', phase, message: phase, revision: 'abc', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: phase === 'Running' ? null : '2026-01-01T00:00:03.000Z', version, initiatedBy: 'api', retryCount: 0, dryRun: false, kind: 'sync', awaitingConfirmation: null },
    resources: [],
    pending: [],
    warnings: [],
  } as unknown as ApiOperationDocument;
}

/** An event stream with an `operation` event every 10 ms, until aborted. */
function operationEvents(signal: AbortSignal | null | undefined): Response {
  let timer: NodeJS.Timeout | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      timer = setInterval(() => controller.enqueue(new TextEncoder().encode('event: operation\ndata: {}\n\n')), 10);
      signal?.addEventListener('abort', () => {
        clearInterval(timer);
        controller.close();
      });
    },
    cancel: () => clearInterval(timer),
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

type Route = (body: unknown, url: URL) => { status: number; body: unknown };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  requests: { method: string; url: URL; body: unknown }[];
  views: string[];
}

/** Run `hookrunner app …args` against these routes (`METHOD /api/v1/path`). */
async function run(args: string[], routes: Record<string, Route>, deps: Partial<AppDependencies> = {}): Promise<Run> {
  const out = { code: 0, stdout: '', stderr: '', requests: [] as Run['requests'], views: [] as string[] };
  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(String(input));
    const method = init.method ?? 'GET';
    const body: unknown = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    out.requests.push({ method, url, body });
    if (url.pathname === '/api/v1/events') return operationEvents(init.signal);
    const route = routes[`${method} ${url.pathname}`];
    if (!route) return new Response(JSON.stringify({ type: 'urn:hookrunner:problem:no-route', detail: 'no route' }), { status: 404 });
    const answer = route(body, url);
    return new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'Content-Type': 'application/json' } });
  }) as typeof globalThis.fetch;
  const io = { stdout: { write: (s: string) => (out.stdout += s), isTTY: false }, stderr: { write: (s: string) => (out.stderr += s) }, env: { HOOKRUNNER_SERVER: 'http://svc.test', HOOKRUNNER_API_TOKEN: TOKEN, HOME: '/nonexistent-home' } };
  const program = new Command('hookrunner').exitOverride().configureOutput({ writeOut: (s) => (out.stdout += s), writeErr: (s) => (out.stderr += s) });
  const view: AppDependencies['createView'] = ({ format }) => ({
    stderr: io.stderr,
    update: (d) => void out.views.push(`update ${d.operation.version}`),
    finish: (d) => void out.views.push(`finish ${d.operation.phase} (${format})`),
    close: () => void out.views.push('close'),
  });
  registerApp(program, io, (code) => (out.code = code), { fetch, createView: view, prompter: { interactive: false, confirm: async () => false }, ...deps });
  try {
    await program.parseAsync(['app', ...args], { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    out.code = 2;
  }
  return out;
}

const started: Route = () => ({ status: 202, body: opDoc('Running', 1) });

describe('hookrunner app sync', () => {
  it('should send revision, prune, dry run and the selected resources, and print the operation id without --wait', async () => {
    const r = await run(['sync', 'guestbook', '--revision', 'v1.2', '--prune', '--dry-run', '--resource', 'apps:Deployment:demo/web', '--resource', ':ConfigMap:settings'], { 'POST /api/v1/applications/guestbook/sync': started });
    expect(r.code).toBe(0);
    expect(r.requests[0]?.body).toEqual({ revision: 'v1.2', prune: true, dryRun: true, resources: [{ group: 'apps', kind: 'Deployment', namespace: 'demo', name: 'web' }, { group: '', kind: 'ConfigMap', name: 'settings' }] });
    expect(r.stdout).toBe('op-9\n');
    expect(r.views).toEqual([]);
    const plain = await run(['sync', 'guestbook'], { 'POST /api/v1/applications/guestbook/sync': started });
    expect(plain.requests[0]?.body).toEqual({});
  });

  it('should feed the view with every newer version and finish it with the result; exit by the phase', async () => {
    const answers = [opDoc('Running', 2), opDoc('Failed', 3)];
    const route: Route = () => ({ status: 200, body: answers.length > 1 ? answers.shift() : answers[0] });
    const r = await run(['sync', 'guestbook', '--wait'], { 'POST /api/v1/applications/guestbook/sync': started, 'GET /api/v1/operations/op-9': route });
    expect(r.views).toEqual(['update 1', 'update 2', 'update 3', 'finish Failed (table)']);
    expect(r.code).toBe(1);
  });

  it('should print the finished document with -o json and close the view without a table', async () => {
    const r = await run(['sync', 'guestbook', '--wait', '-o', 'json'], { 'POST /api/v1/applications/guestbook/sync': started, 'GET /api/v1/operations/op-9': () => ({ status: 200, body: opDoc('Succeeded', 2) }) });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as ApiOperationDocument).operation.phase).toBe('Succeeded');
    expect(r.views).toEqual(['update 1', 'update 2', 'close']);
  });

  it('should refuse bad flags naming them, before any request', async () => {
    for (const args of [
      ['sync', 'guestbook', '--resource', 'web'],
      ['sync', 'guestbook', '--revision', 'a..b'],
      ['sync', 'guestbook', '-o', 'wide'],
      ['sync', 'guestbook', '--timeout', 'soon'],
      ['sync', 'Guestbook'],
      ['list', '-o', 'xml'],
      ['history', 'guestbook', '--limit', '500'],
      ['logs', 'guestbook', '--hook', 'Bad Name'],
      ['delete', 'guestbook', '--cascade', 'all'],
      ['list', '--request-timeout', 'x'],
    ]) {
      const r = await run(args, {});
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.requests, args.join(' ')).toEqual([]);
      expect(r.stderr, args.join(' ')).toMatch(/error: (option|command-argument value)/);
    }
  });
});

describe('hookrunner app delete', () => {
  const deleted: Route = (_body, url) => ({ status: 202, body: { ...opDoc('Running', 1), cascade: url.searchParams.get('cascade') } });

  it('should refuse without --yes when nobody can be asked, ask on a terminal, and send the cascade', async () => {
    const refused = await run(['delete', 'guestbook'], { 'DELETE /api/v1/applications/guestbook': deleted });
    expect(refused.code).toBe(2);
    expect(refused.requests).toEqual([]);

    const questions: string[] = [];
    const no = await run(['delete', 'guestbook'], { 'DELETE /api/v1/applications/guestbook': deleted }, { prompter: { interactive: true, confirm: async (q) => (questions.push(q), false) } });
    expect(no.code).toBe(0);
    expect(no.requests).toEqual([]);
    expect(no.stderr).toBe('hookrunner app delete: not deleted\n');
    expect(questions).toEqual(['Delete application guestbook? its hooks run and its live resources are deleted (cascade foreground).']);

    const yes = await run(['delete', 'guestbook', '--cascade', 'orphan'], { 'DELETE /api/v1/applications/guestbook': deleted }, { prompter: { interactive: true, confirm: async () => true } });
    expect(yes.code).toBe(0);
    expect(yes.requests.map((q) => `${q.method} ${q.url.pathname}?${q.url.searchParams.toString()}`)).toEqual(['DELETE /api/v1/applications/guestbook?cascade=orphan']);
    expect(yes.stdout).toBe('op-9\n');
  });
});

describe('hookrunner app get, list and logs', () => {
  const record = { name: 'guestbook', manifest: {}, source: { repoURL: 'https://git.example/a.git', path: 'g', targetRevision: 'main' }, destination: { namespace: 'demo' }, syncPolicy: { syncOptions: [] }, createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', lastOperation: null };

  it('should show Unknown status from a server without the status API, and say when there are no applications', async () => {
    const got = await run(['get', 'guestbook', '-o', 'yaml'], { 'GET /api/v1/applications/guestbook': () => ({ status: 200, body: record }) });
    expect(got.code).toBe(0);
    expect(got.stdout).toContain('status:\n  sync:\n    status: Unknown\n    revision: null\n  health:\n    status: Unknown\n');
    const empty = await run(['list'], { 'GET /api/v1/applications': () => ({ status: 200, body: { items: [] } }) });
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('');
    expect(empty.stderr).toBe('No applications found.\n');
  });

  it('should say an unexpected answer is one, naming the field (exit 3)', async () => {
    const r = await run(['list'], { 'GET /api/v1/applications': () => ({ status: 200, body: { items: [{ name: 7 }] } }) });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^hookrunner app list: unexpected answer for GET \/api\/v1\/applications: items\.0\.name: /);
  });

  it('should refuse logs of an operation of another application, and say when an application never ran', async () => {
    const other = await run(['logs', 'guestbook', '--operation', 'op-9'], { 'GET /api/v1/operations/op-9': () => ({ status: 200, body: { ...opDoc('Succeeded', 2), operation: { ...opDoc('Succeeded', 2).operation, app: 'api' } } }) });
    expect(other.code).toBe(2);
    expect(other.stderr).toBe('hookrunner app logs: --operation op-9 is an operation of api, not of guestbook\n');
    const never = await run(['logs', 'guestbook'], { 'GET /api/v1/applications/guestbook': () => ({ status: 200, body: record }) });
    expect(never.code).toBe(4);
    expect(never.stderr).toBe('hookrunner app logs: guestbook has no operations yet, so no hook logs\n');
  });
});
