import { describe, expect, it } from 'vitest';
import { createWatchCache, isOlder, objectKey } from '../../src/cluster/watch-cache.js';
import type { WatchEvent } from '../../src/cluster/index.js';
import type { KubeObject } from '../../src/manifests/index.js';

/** What a watch has seen and which events are new (pure): de-duplication, re-creation, re-list differences. */
const cm = (name: string, rv: string, uid = `u-${name}`): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'app', resourceVersion: rv, uid },
});
const show = (events: WatchEvent[]): string[] => events.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`);

describe('when comparing resourceVersions', () => {
  it('should order decimal counters, big ones included, and know nothing of others', () => {
    expect(isOlder('9', '10')).toBe(true);
    expect(isOlder('10', '9')).toBe(false);
    expect(isOlder('10', '10')).toBe(false);
    expect(isOlder('18446744073709551615', '18446744073709551616')).toBe(true);
    expect(isOlder('abc', '10')).toBe(false);
    expect(isOlder(undefined, '10')).toBe(false);
    expect(isOlder('', '10')).toBe(false);
  });

  it('should key objects by namespace and name', () => {
    expect(objectKey(cm('a', '1'))).toBe('app/a');
    expect(objectKey({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } })).toBe('/app');
  });
});

describe('when observing watch events', () => {
  it('should report a new object, then only newer versions of it', () => {
    const cache = createWatchCache();
    expect(show(cache.observe('ADDED', cm('a', '5')))).toEqual(['ADDED a 5']);
    expect(show(cache.observe('ADDED', cm('a', '5')))).toEqual([]); // a repeat
    expect(show(cache.observe('MODIFIED', cm('a', '4')))).toEqual([]); // older
    expect(show(cache.observe('ADDED', cm('a', '6')))).toEqual(['MODIFIED a 6']); // known: a modification
    expect(cache.size).toBe(1);
  });

  it('should report a re-creation under the same name as DELETED then ADDED', () => {
    const cache = createWatchCache();
    cache.observe('ADDED', cm('a', '5', 'u1'));
    expect(show(cache.observe('MODIFIED', cm('a', '8', 'u2')))).toEqual(['DELETED a 5', 'ADDED a 8']);
  });

  it('should treat versions it cannot order as new when they differ', () => {
    const cache = createWatchCache();
    cache.observe('ADDED', cm('a', 'x1'));
    expect(show(cache.observe('MODIFIED', cm('a', 'x0')))).toEqual(['MODIFIED a x0']);
  });

  it('should drop a DELETED older than what was seen', () => {
    const cache = createWatchCache();
    cache.observe('ADDED', cm('a', '5'));
    expect(show(cache.observe('DELETED', cm('a', '4')))).toEqual([]);
    expect(show(cache.observe('DELETED', cm('a', '6')))).toEqual(['DELETED a 6']);
    expect(cache.size).toBe(0);
  });

  it('should pass a DELETED of an unknown object before the first list, and drop it after', () => {
    const cache = createWatchCache();
    expect(show(cache.observe('DELETED', cm('x', '3')))).toEqual(['DELETED x 3']);
    cache.reconcile([], '10');
    expect(show(cache.observe('DELETED', cm('x', '11')))).toEqual([]);
  });
});

describe('when reconciling a list', () => {
  it('should report what was added, changed and removed, and nothing when nothing changed', () => {
    const cache = createWatchCache();
    expect(show(cache.reconcile([cm('a', '10'), cm('b', '11')], '11'))).toEqual(['ADDED a 10', 'ADDED b 11']);
    expect(show(cache.reconcile([cm('a', '10'), cm('b', '11')], '11'))).toEqual([]);
    expect(show(cache.reconcile([cm('a', '12'), cm('c', '13')], '13'))).toEqual(['MODIFIED a 12', 'ADDED c 13', 'DELETED b 11']);
    expect(cache.size).toBe(2);
  });

  it('should not delete what a list older than the last observation lacks', () => {
    const cache = createWatchCache();
    cache.reconcile([], '10');
    cache.observe('ADDED', cm('new', '20')); // seen on the watch after the list was taken
    expect(show(cache.reconcile([], '15'))).toEqual([]);
    expect(show(cache.reconcile([], '25'))).toEqual(['DELETED new 20']);
  });
});
