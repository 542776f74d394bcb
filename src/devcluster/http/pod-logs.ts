/** `GET …/pods/NAME/log`, served from the pod runtime's log buffers with the API server's Status errors. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../manifests/index.js';
import { LogRequestError, selectLog as select, sendLog as send } from '../../podruntime/pod-logs.js';
import type { LogBuffer } from '../../podruntime/log-buffer.js';
import type { PodRun } from '../../podruntime/pod-run.js';
import { badRequest } from '../errors.js';

function asStatus<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof LogRequestError) throw badRequest(err.message);
    throw err;
  }
}

/** Pick the log buffer a request asks for; a bad request becomes a 400 Status. */
export function selectLog(pod: KubeObject, run: PodRun | undefined, params: URLSearchParams): LogBuffer {
  return asStatus(() => select(pod, run, params));
}

/** Answer with the log (or stream it with `follow=true`); bad parameters become a 400 Status. */
export function sendLog(req: IncomingMessage, res: ServerResponse, buffer: LogBuffer, params: URLSearchParams): void {
  asStatus(() => send(req, res, buffer, params));
}
