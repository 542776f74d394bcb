import { describe, expect, it } from 'vitest';
import {
  describeWatch,
  failuresAfterStream,
  parseWatchLine,
  PRODUCTIVE_STREAM_MS,
  reconnectDelay,
  resumeVersionAfterList,
  watchQuery,
} from '../../src/cluster/watch-protocol.js';

/** The watch protocol's decisions (pure): lines, queries, the resume point and reconnect backoff. */
const ref = { apiVersion: 'v1', kind: 'ConfigMap' };
const line = (value: unknown): string => JSON.stringify(value);

describe('when reading a watch line', () => {
  it('should pass an event, filling in apiVersion and kind, with its resourceVersion', () => {
    expect(parseWatchLine(line({ type: 'MODIFIED', object: { metadata: { name: 'a', resourceVersion: '7' } } }), ref)).toEqual({
      kind: 'progress',
      resourceVersion: '7',
      event: { type: 'MODIFIED', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', resourceVersion: '7' } } },
    });
    const own = parseWatchLine(line({ type: 'ADDED', object: { apiVersion: 'v2', kind: 'K', metadata: {} } }), ref);
    expect(own).toMatchObject({ kind: 'progress', resourceVersion: undefined, event: { object: { apiVersion: 'v2', kind: 'K' } } });
  });

  it('should take a BOOKMARK or an unknown type as progress without an event', () => {
    expect(parseWatchLine(line({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } }), ref)).toEqual({ kind: 'progress', resourceVersion: '9', event: undefined });
    expect(parseWatchLine(line({ type: 'SOMETHING', object: { metadata: {} } }), ref)).toEqual({ kind: 'progress', resourceVersion: undefined, event: undefined });
  });

  it('should read 410 ERROR events as gone and others as errors with their Status', () => {
    const expired = { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version: 1 (5)' };
    expect(parseWatchLine(line({ type: 'ERROR', object: expired }), ref)).toEqual({ kind: 'error', gone: true, status: { code: 410, reason: 'Expired', message: expired.message } });
    const internal = parseWatchLine(line({ type: 'ERROR', object: { kind: 'Status', code: 500, reason: 'InternalError', message: 'etcd' } }), ref);
    expect(internal).toEqual({ kind: 'error', gone: false, status: { code: 500, reason: 'InternalError', message: 'etcd' } });
    expect(parseWatchLine(line({ type: 'ERROR' }), ref)).toMatchObject({ kind: 'error', gone: false, status: { code: 500 } });
  });

  it('should tell blank, malformed and object-less lines apart', () => {
    expect(parseWatchLine('   ', ref)).toEqual({ kind: 'blank' });
    expect(parseWatchLine('{"type":', ref)).toEqual({ kind: 'malformed' });
    expect(parseWatchLine(line({ type: 'ADDED' }), ref)).toEqual({ kind: 'ignored' });
    expect(parseWatchLine(line({ type: 'ADDED', object: { name: 'no metadata' } }), ref)).toEqual({ kind: 'ignored' });
    expect(parseWatchLine('42', ref)).toEqual({ kind: 'ignored' });
  });
});

describe('when building a watch request', () => {
  it('should resume from the resourceVersion with bookmarks, the server timeout and the selectors, in this order', () => {
    const query = watchQuery('11', { fieldSelector: 'metadata.name=a' }, 300);
    expect(query).toEqual({ watch: 'true', resourceVersion: '11', allowWatchBookmarks: 'true', timeoutSeconds: 300, labelSelector: undefined, fieldSelector: 'metadata.name=a' });
    expect(Object.keys(query ?? {})).toEqual(['watch', 'resourceVersion', 'allowWatchBookmarks', 'timeoutSeconds', 'labelSelector', 'fieldSelector']);
    expect(watchQuery('', {}, 300)?.['resourceVersion']).toBeUndefined();
  });

  it('should name the watch', () => {
    expect(describeWatch({ apiVersion: 'batch/v1', kind: 'Job', namespace: 'app' })).toBe('Job.batch/v1 in app');
    expect(describeWatch({ apiVersion: 'v1', kind: 'Namespace' })).toBe('Namespace.v1');
  });
});

describe('when deciding where and when to reconnect', () => {
  it('should resume from a list when asked or when there is no resume point, else keep it', () => {
    expect(resumeVersionAfterList('20', '15', true)).toBe('15'); // initial list, 410 Gone
    expect(resumeVersionAfterList('', '15', false)).toBe('15');
    expect(resumeVersionAfterList('20', '25', false)).toBe('20'); // a periodic resync leaves the watch alone
  });

  it('should reset the failure count after a productive or long stream, else add one', () => {
    expect(failuresAfterStream(3, { productive: true, elapsedMs: 0 })).toBe(0);
    expect(failuresAfterStream(3, { productive: false, elapsedMs: PRODUCTIVE_STREAM_MS + 1 })).toBe(0);
    expect(failuresAfterStream(3, { productive: false, elapsedMs: PRODUCTIVE_STREAM_MS })).toBe(4);
  });

  it('should reconnect at once after no failure, else back off from the first retry delay', () => {
    const retry = { initialMs: 100, factor: 2, maxMs: 1_000, jitter: 0.5 };
    expect(reconnectDelay(0, retry, () => 1)).toBe(0);
    expect(reconnectDelay(1, retry, () => 1)).toBe(100);
    expect(reconnectDelay(1, retry, () => 0)).toBe(50);
    expect(reconnectDelay(3, retry, () => 1)).toBe(400);
    expect(reconnectDelay(10, retry, () => 1)).toBe(1_000);
  });
});
