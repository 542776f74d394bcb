/**
 * The orchestrator in its own process for the sync bench, so its CPU, memory and `--cpu-prof`
 * profile are its own. It runs the built engine (dist/, as `bin/hookrunner` does), not src/.
 * Driven over IPC (see children.ts): `start` → `ready`; `round` submits `apps` lab-like
 * operations (namespace and app `bench-r<round>-<i>`) and answers with their ids once all are
 * done; `ops` answers with the stored operations; `stop` closes the engine and exits.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as EngineModule from '../../src/engine/index.js';
import type * as ManifestsModule from '../../src/manifests/index.js';
import type * as SyncModule from '../../src/sync/index.js';
import type * as HeapModule from '../../src/cli/heap.js';
import { LAB } from './lab.js';

const DIST = resolve(import.meta.dirname, '..', '..', 'dist');
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(DIST, path)).href)) as T;
const { startEngine } = await load<typeof EngineModule>('engine/index.js');
const { parseManifestText } = await load<typeof ManifestsModule>('manifests/index.js');
const { isDone, operationSpec } = await load<typeof SyncModule>('sync/index.js');
// The heap as `serve` sets it (src/cli/heap.ts), so the orchestrator's RSS is the one it would have there.
const heapProblem = (await load<typeof HeapModule>('cli/heap.js')).configureHeapGrowth(process.env);
if (heapProblem) throw new Error(heapProblem);

const { manifests, issues } = parseManifestText(LAB, 'bench-lab.yaml');
if (issues.length > 0) throw new Error(JSON.stringify(issues));
const done = new Set<string>();
let onDone: (() => void) | undefined;
let engine: EngineModule.Engine | undefined;
const ROUND_DEADLINE_MS = 15 * 60_000;

type Message = { type: 'start'; redisUrl: string; prefix: string } | { type: 'round'; apps: number; round: number } | { type: 'ops'; ids: string[] } | { type: 'stop' };

async function round(apps: number, n: number): Promise<string[]> {
  const orchestrator = engine?.orchestrator;
  if (!orchestrator) throw new Error('orchestrator child: round before start');
  const ids = await Promise.all(
    Array.from({ length: apps }, (_, i) =>
      orchestrator.submit(operationSpec({ app: `bench-r${n}-${i}`, namespace: `bench-r${n}-${i}`, revision: '0123456789abcdef', manifests: structuredClone(manifests), createNamespace: true, initiatedBy: 'bench' })).then((op) => op.id),
    ),
  );
  const started = Date.now();
  while (ids.some((id) => !done.has(id))) {
    const left = ROUND_DEADLINE_MS - (Date.now() - started);
    if (left <= 0) throw new Error(`orchestrator child: round ${n}: ${ids.filter((id) => !done.has(id)).length} of ${apps} operations not done after ${ROUND_DEADLINE_MS} ms`);
    await new Promise<void>((r) => {
      const t = setTimeout(r, Math.min(left, 1_000));
      onDone = () => {
        clearTimeout(t);
        r();
      };
    });
  }
  return ids;
}

async function handle(msg: Message): Promise<void> {
  if (msg.type === 'start') {
    engine = startEngine({
      redisUrl: msg.redisUrl,
      prefix: msg.prefix,
      workers: false,
      sweepIntervalMs: 10_000,
      onTransition: (_previous, next) => {
        if (!isDone(next)) return;
        done.add(next.id);
        onDone?.();
      },
    });
    process.send?.({ type: 'ready' });
  } else if (msg.type === 'round') {
    process.send?.({ type: 'round', ids: await round(msg.apps, msg.round) });
  } else if (msg.type === 'ops') {
    const ops = await Promise.all(msg.ids.map((id) => engine?.store.getOperation(id)));
    process.send?.({ type: 'ops', ops });
  } else {
    await engine?.close();
    process.exit(0);
  }
}

process.on('message', (msg: Message) => {
  handle(msg).catch((err: unknown) => {
    process.send?.({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  });
});
