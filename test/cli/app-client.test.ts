/**
 * The API client of `hookrunner app` with a scripted fetch: retries only for GETs on connection
 * errors and 502/503/504, a timeout per request, problem details kept, and what each failure
 * means for the user (message, exit code) — the token never in either.
 */
import { describe, expect, it } from 'vitest';
import { ApiError, ConnectionError, ResponseError, createApiClient } from '../../src/cli/app/client.js';
import { explain } from '../../src/cli/app/errors.js';

const TOKEN = 'client-token-0123456789abcdef';
const SERVER = 'http://hookrunner.test:8080';

type Step = Response | Error | 'hang';

/** A fetch that answers each call with the next step, recording what was asked. */
function scripted(steps: Step[]) {
  const calls: { url: string; method: string; headers: Record<string, string>; body?: string }[] = [];
  const fetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    calls.push({ url: String(input), method: init.method ?? 'GET', headers: init.headers as Record<string, string>, ...(typeof init.body === 'string' ? { body: init.body } : {}) });
    const step = steps.shift();
    if (step === undefined) throw new Error('no more steps');
    if (step === 'hang') {
      return new Promise<Response>((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)));
    }
    if (step instanceof Error) throw step;
    return step;
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
const refused = (): Error => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:8080'), { code: 'ECONNREFUSED' }) });

function client(steps: Step[], extra: { token?: string; requestTimeoutMs?: number } = {}) {
  const { fetch, calls } = scripted(steps);
  const sleeps: number[] = [];
  const debug: string[] = [];
  const api = createApiClient({ server: SERVER, token: TOKEN, fetch, sleep: async (ms) => void sleeps.push(ms), debug: (l) => debug.push(l), ...extra });
  return { api, calls, sleeps, debug };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

describe('hookrunner app: the API client', () => {
  it('should send the token as a bearer header and JSON bodies, and never show the token in debug lines', async () => {
    const { api, calls, debug } = client([json(200, { items: [] }), json(202, { ok: true })]);
    expect(await api.get('/applications', { limit: 5, skip: undefined })).toEqual({ items: [] });
    expect(await api.post('/applications/a/sync', { prune: true })).toEqual({ ok: true });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([`GET ${SERVER}/api/v1/applications?limit=5`, `POST ${SERVER}/api/v1/applications/a/sync`]);
    expect(calls[0]?.headers['Authorization']).toBe(`Bearer ${TOKEN}`);
    expect(calls[1]?.body).toBe('{"prune":true}');
    expect(calls[1]?.headers['Content-Type']).toBe('application/json');
    expect(debug).toEqual([expect.stringMatching(/^GET http:\/\/hookrunner.test:8080\/api\/v1\/applications\?limit=5 → 200 \(\d+ms\)$/), expect.stringMatching(/^POST .* → 202/)]);
    expect(debug.join('\n')).not.toContain(TOKEN);
    const anonymous = createApiClient({ server: SERVER, fetch: scripted([json(200, {})]).fetch });
    expect(await anonymous.get('/x')).toEqual({});
  });

  it('should retry a GET on connection errors and 502/503/504 with growing delays (Retry-After wins), then give up', async () => {
    const { api, calls, sleeps } = client([refused(), json(502, {}), new Response('', { status: 503, headers: { 'Retry-After': '2' } }), json(200, { fine: true })]);
    expect(await api.get('/applications')).toEqual({ fine: true });
    expect(calls).toHaveLength(4);
    expect(sleeps).toEqual([500, 1_000, 2_000]);

    const down = client([refused(), refused(), refused(), refused()]);
    const err = await failure(down.api.get('/applications'));
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toBe(`cannot reach ${SERVER}: connect ECONNREFUSED 10.0.0.1:8080`);
    expect(down.calls).toHaveLength(4);
  });

  it('should never retry a POST or DELETE, nor a 500', async () => {
    const post = client([refused()]);
    expect(await failure(post.api.post('/applications/a/sync'))).toBeInstanceOf(ConnectionError);
    expect(post.calls).toHaveLength(1);
    const del = client([json(503, { detail: 'busy' })]);
    expect(await failure(del.api.delete('/applications/a', { cascade: 'orphan' }))).toBeInstanceOf(ApiError);
    expect(del.calls.map((c) => c.url)).toEqual([`${SERVER}/api/v1/applications/a?cascade=orphan`]);
    const internal = client([json(500, { title: 'Internal Server Error', detail: 'internal error', requestId: 'r-1' })]);
    const err = await failure(internal.api.get('/applications'));
    expect(internal.calls).toHaveLength(1);
    expect(explain(err, SERVER)).toEqual({ lines: [`${SERVER} failed (HTTP 500): internal error (request id r-1)`], exitCode: 3 });
  });

  it('should time a request out after --request-timeout, without retrying it', async () => {
    const { api, calls } = client(['hang'], { requestTimeoutMs: 20 });
    const err = await failure(api.get('/applications'));
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toBe(`no answer from ${SERVER} to GET /api/v1/applications within 20ms (--request-timeout)`);
    expect(calls).toHaveLength(1);
  });

  it('should keep problem details, read a non-JSON error page, and refuse a non-JSON success', async () => {
    const problem = { type: 'urn:hookrunner:problem:validation', title: 'Invalid request', status: 400, detail: 'revision must be a branch (and 1 more)', errors: [{ field: 'revision', message: 'must be a branch' }, { field: 'prune', message: 'must be a boolean' }] };
    const bad = await failure(client([json(400, problem)]).api.post('/applications/a/sync', {}));
    expect(bad).toBeInstanceOf(ApiError);
    expect(explain(bad, SERVER)).toEqual({ lines: ['revision must be a branch (and 1 more)', '  - revision: must be a branch', '  - prune: must be a boolean'], exitCode: 2 });
    const proxy = await failure(client([new Response('<html><body><h1>502 Bad Gateway</h1></body></html>', { status: 502, statusText: 'Bad Gateway' })]).api.post('/x'));
    expect((proxy as ApiError).problem).toEqual({ status: 502, title: 'Bad Gateway', detail: '502 Bad Gateway' });
    const html = await failure(client([new Response('<html>hello</html>', { status: 200 })]).api.get('/applications'));
    expect(html).toBeInstanceOf(ResponseError);
    expect((html as Error).message).toContain('is not JSON');
  });

  it('should explain each status with its exit code: 401 (missing or refused token), 403, 404, no route, 409, 422', () => {
    const err = (status: number, problem: Record<string, unknown>, sentToken = true) => new ApiError('GET', '/applications/a', status, problem, sentToken);
    expect(explain(err(401, {}, false), SERVER)).toEqual({ lines: [`${SERVER} wants an API token (HTTP 401): give one with --token, HOOKRUNNER_API_TOKEN or "token:" in the config file`], exitCode: 5 });
    expect(explain(err(401, {}), SERVER)).toEqual({ lines: [`the API token is not accepted by ${SERVER} (HTTP 401)`], exitCode: 5 });
    expect(explain(err(403, { detail: 'the API token is not accepted' }), SERVER).exitCode).toBe(5);
    expect(explain(err(404, { type: 'urn:hookrunner:problem:not-found', detail: 'application a not found' }), SERVER)).toEqual({ lines: ['application a not found'], exitCode: 4 });
    expect(explain(err(404, { type: 'urn:hookrunner:problem:no-route', detail: 'no route' }), SERVER)).toEqual({ lines: [`${SERVER} does not serve GET /api/v1/applications/a (HTTP 404, no such route): is it a hookrunner service of this version?`], exitCode: 3 });
    expect(explain(err(409, { detail: 'operation op-1 of a is running' }), SERVER)).toEqual({ lines: ['operation op-1 of a is running'], exitCode: 1 });
    expect(explain(err(422, { detail: 'revision nope not found' }), SERVER)).toEqual({ lines: ['revision nope not found'], exitCode: 2 });
  });
});
