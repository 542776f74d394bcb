/**
 * Server-sent events: one Redis subscription (the store's live operation events) shared by every
 * connected client. Each store event becomes an `operation` event (header and all rows) and one
 * `task` event per row that changed since the previous version of that operation. Application
 * status changes (docs/semantics.md §17) go out as `application` events.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { OperationEvent, Store } from '../store/index.js';
import { liveOperation } from './documents.js';
import type { ApiResourceDocument, LiveOperation } from './documents.js';

export interface EventFilter {
  /** Only these applications. @defaultValue all */
  apps?: ReadonlySet<string>;
  /** Only this operation. @defaultValue all */
  operation?: string;
}

export interface EventHubOptions {
  subscribe: Store['subscribe'];
  /** A comment line this often keeps proxies from closing idle streams. @defaultValue 15_000 */
  heartbeatMs?: number;
  /** A client this far behind (bytes not yet sent) is disconnected; it reconnects. @defaultValue 1 MiB */
  maxBufferedBytes?: number;
  /** Operations whose rows are remembered for `task` diffs. @defaultValue 1_000 */
  maxTrackedOperations?: number;
  logger: Logger;
}

export interface EventHub {
  /** Stream events to one client until it goes away. Resolves once the stream is open and subscribed. */
  attach(req: Request, res: Response, filter: EventFilter): Promise<void>;
  /** An `application` event (`{name, status}`) to the clients that follow this application (and no single operation). */
  publishApplication(name: string, status: unknown): void;
  readonly clients: number;
  close(): Promise<void>;
}

interface Client {
  res: Response;
  filter: EventFilter;
}

function frame(event: string, data: unknown, id?: string): string {
  return `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function createEventHub(options: EventHubOptions): EventHub {
  const { heartbeatMs = 15_000, maxBufferedBytes = 1024 * 1024, maxTrackedOperations = 1_000, logger } = options;
  const clients = new Set<Client>();
  const known = new Map<string, { version: number; rows: Map<string, string> }>();
  let subscription: Promise<() => Promise<void>> | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let closed = false;

  function send(client: Client, text: string): void {
    if (client.res.writableLength > maxBufferedBytes) {
      logger.warn({ buffered: client.res.writableLength }, 'event stream client too slow; disconnecting it');
      client.res.end();
      clients.delete(client);
      return;
    }
    client.res.write(text);
  }

  /** Rows that changed since the last version seen of this operation. */
  function changedRows(live: LiveOperation): ApiResourceDocument[] | undefined {
    const previous = known.get(live.operation.id);
    if (previous && previous.version >= live.operation.version) return undefined; // stale or repeated
    const rows = new Map(live.resources.map((r) => [r.key, JSON.stringify(r)]));
    const changed = live.resources.filter((r) => previous?.rows.get(r.key) !== rows.get(r.key));
    known.delete(live.operation.id);
    known.set(live.operation.id, { version: live.operation.version, rows });
    while (known.size > maxTrackedOperations) known.delete(known.keys().next().value as string);
    return changed;
  }

  function onEvent(event: OperationEvent): void {
    const live = liveOperation(event);
    const changed = changedRows(live);
    if (!changed) return;
    const opFrame = frame('operation', live, `${event.id}:${event.version}`);
    const taskFrames = changed.map((resource) => frame('task', { operationId: event.id, app: event.app, version: event.version, resource })).join('');
    for (const client of clients) {
      if (client.filter.apps && !client.filter.apps.has(event.app)) continue;
      if (client.filter.operation && client.filter.operation !== event.id) continue;
      send(client, opFrame + taskFrames);
    }
  }

  function ensureSubscribed(): Promise<() => Promise<void>> {
    subscription ??= options.subscribe(onEvent).catch((err: unknown) => {
      subscription = undefined;
      throw err;
    });
    heartbeat ??= setInterval(() => {
      for (const client of clients) send(client, ': ping\n\n');
    }, heartbeatMs);
    heartbeat.unref();
    return subscription;
  }

  return {
    async attach(req, res, filter) {
      if (closed) throw new Error('the event hub is closed');
      await ensureSubscribed();
      if (req.destroyed || res.destroyed) return; // the client left while we subscribed
      res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      res.flushHeaders();
      const client: Client = { res, filter };
      clients.add(client);
      const drop = (): void => {
        clients.delete(client);
      };
      req.on('close', drop);
      res.on('error', drop);
      res.write(`retry: 3000\n${frame('ready', { apps: filter.apps ? [...filter.apps] : null, operation: filter.operation ?? null })}`);
    },
    publishApplication(name, status) {
      const text = frame('application', { name, status });
      for (const client of clients) {
        if (client.filter.operation || (client.filter.apps && !client.filter.apps.has(name))) continue;
        send(client, text);
      }
    },
    get clients() {
      return clients.size;
    },
    async close() {
      closed = true;
      if (heartbeat) clearInterval(heartbeat);
      for (const client of clients) client.res.end();
      clients.clear();
      const unsubscribe = await subscription?.catch(() => undefined);
      await unsubscribe?.();
    },
  };
}
