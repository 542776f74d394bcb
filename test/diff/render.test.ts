/** What `hookrunner diff` prints (src/diff/render.ts): the live fields the manifest sets, against the manifest. */
import { describe, expect, it } from 'vitest';
import { projectLive, unifiedDiff } from '../../src/diff/index.js';
import type { KubeObject } from '../../src/manifests/index.js';

const desired: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' }, spec: { ports: [{ port: 80, targetPort: 8080 }] } };
const live: KubeObject = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop', uid: 'u', resourceVersion: '7' },
  spec: { clusterIP: '10.0.0.1', type: 'ClusterIP', ports: [{ port: 80, targetPort: 9090, protocol: 'TCP' }] },
  status: { loadBalancer: {} },
};

describe('unifiedDiff', () => {
  it('should keep only the live fields the desired object sets', () => {
    expect(projectLive({ spec: { ports: [{ port: 80 }] } }, live)).toEqual({ spec: { ports: [{ port: 80 }] } });
    expect(projectLive({ a: [1, 2] }, { a: [1], b: 2 })).toEqual({ a: [1] });
  });

  it('should print a unified diff of the YAML, live first, and nothing when they agree', () => {
    const text = unifiedDiff(desired, live);
    expect(text).toContain('--- live/Service shop/web');
    expect(text).toContain('+++ desired/Service shop/web');
    expect(text).toContain('-      targetPort: 9090');
    expect(text).toContain('+      targetPort: 8080');
    expect(text).not.toContain('clusterIP');
    const same = structuredClone(live);
    (same['spec'] as { ports: { targetPort: number }[] }).ports[0]!.targetPort = 8080;
    expect(unifiedDiff(desired, same)).toBe('');
    expect(unifiedDiff(desired, same, [{ kind: 'Service', jsonPointers: ['/spec/ports'] }])).toBe('');
  });

  it('should show an object to create as all added, one to prune as all removed', () => {
    expect(unifiedDiff(desired, undefined)).toMatch(/\+kind: Service/);
    expect(unifiedDiff(undefined, live)).toMatch(/-kind: Service/);
  });
});
