/**
 * Container logs as the API server's `GET …/pods/NAME/log` and the kubelet's
 * `GET /containerLogs/NS/POD/CONTAINER` serve them: container, tailLines, limitBytes, previous,
 * timestamps, sinceSeconds, follow.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../manifests/index.js';
import { asArray, asString, isRecord } from '../util/json.js';
import { renderLines } from './log-buffer.js';
import type { LogBuffer, LogReadOptions } from './log-buffer.js';
import type { PodRun } from './pod-run.js';

/** A log request that cannot be answered (HTTP 400, with the API server's wording). */
export class LogRequestError extends Error {
  override readonly name = 'LogRequestError';
}

function badRequest(message: string): LogRequestError {
  return new LogRequestError(message);
}

function intParam(params: URLSearchParams, name: string, min: number): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw badRequest(`invalid value for ${name}: ${JSON.stringify(raw)}: must be an integer of at least ${min}`);
  return n;
}

function boolParam(params: URLSearchParams, name: string): boolean {
  const raw = params.get(name);
  return raw === 'true' || raw === '1';
}

function containerNames(pod: KubeObject, list: 'containers' | 'initContainers'): string[] {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  return (asArray(spec[list]) ?? []).map((c) => (isRecord(c) ? (asString(c.name) ?? '') : ''));
}

/** Pick the log buffer a request asks for, with the API server's errors. */
export function selectLog(pod: KubeObject, run: PodRun | undefined, params: URLSearchParams): LogBuffer {
  const name = pod.metadata.name ?? '';
  const main = containerNames(pod, 'containers');
  const init = containerNames(pod, 'initContainers');
  let container = params.get('container') ?? '';
  if (!container) {
    if (main.length === 1 && main[0]) container = main[0];
    else {
      const initPart = init.length > 0 ? ` or one of the init containers: [${init.join(' ')}]` : '';
      throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]${initPart}`);
    }
  }
  if (!main.includes(container) && !init.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  const c = run ? [...run.init, ...run.main].find((x) => x.name === container) : undefined;
  if (boolParam(params, 'previous')) {
    if (!c?.previous) throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    return c.previous;
  }
  if (!c || ('waiting' in c.state && c.restartCount === 0 && !c.lastState)) {
    const reason = c && 'waiting' in c.state ? c.state.waiting.reason : 'ContainerCreating';
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
  }
  return c.log;
}

export function readLogOptions(params: URLSearchParams): LogReadOptions {
  const tailLines = intParam(params, 'tailLines', 0);
  const limitBytes = intParam(params, 'limitBytes', 1);
  const sinceSeconds = intParam(params, 'sinceSeconds', 1);
  return {
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    timestamps: boolParam(params, 'timestamps'),
  };
}

/** Answer with the log; with `follow=true`, stream until the container instance ends or the client leaves. */
export function sendLog(req: IncomingMessage, res: ServerResponse, buffer: LogBuffer, params: URLSearchParams): void {
  const options = readLogOptions(params);
  const initial = renderLines(buffer.select(options), options);
  if (!boolParam(params, 'follow') || buffer.isEnded) {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(initial) });
    res.end(initial);
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' });
  let sent = Buffer.byteLength(initial);
  if (initial) res.write(initial);
  const limit = options.limitBytes;
  if (limit !== undefined && sent >= limit) {
    res.end();
    return;
  }
  const unsubscribe = buffer.follow((line) => {
    if (!line) {
      res.end();
      return;
    }
    let text = options.timestamps ? `${line.time} ${line.text}` : line.text;
    if (limit !== undefined) text = Buffer.from(text).subarray(0, Math.max(0, limit - sent)).toString('utf8');
    sent += Buffer.byteLength(text);
    res.write(text);
    if (limit !== undefined && sent >= limit) {
      unsubscribe();
      res.end();
    }
  });
  req.on('close', unsubscribe);
  res.on('close', unsubscribe);
}
