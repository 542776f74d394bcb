import { describe, expect, it } from 'vitest';
import { expand, resolveEnv } from '../../src/podruntime/env.js';
import { LogBuffer, renderLines } from '../../src/podruntime/log-buffer.js';
import type { KubeObject } from '../../src/manifests/index.js';

describe('when expanding $(VAR) references', () => {
  it.each([
    ['$(A)-$(B)', 'a-$(B)'],
    ['$$(A)', '$(A)'],
    ['$$', '$'],
    ['$(A', '$(A'],
    ['cost $5', 'cost $5'],
  ])('%s → %s', (input, out) => {
    expect(expand(input, { A: 'a' })).toBe(out);
  });
});

describe('when resolving env', () => {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { app: 'x' } } };
  const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: Buffer.from('v').toString('base64') } };
  const source = { secret: (_ns: string, name: string) => (name === 's' ? secret : undefined), configMap: () => undefined };

  it('should read envFrom with a prefix, then env in order, the Downward API included', () => {
    const r = resolveEnv(pod, { envFrom: [{ secretRef: { name: 's' }, prefix: 'S_' }], env: [{ name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }, { name: 'BOTH', value: '$(S_k)$(APP)' }] }, source);
    expect(r).toEqual({ env: { S_k: 'v', APP: 'x', BOTH: 'vx' } });
  });

  it.each([
    [{ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'missing' } } }] }, "couldn't find key missing in Secret ns/s"],
    [{ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'c', key: 'k' } } }] }, 'configmap "c" not found'],
    [{ envFrom: [{ secretRef: { name: 'nope' } }] }, 'secret "nope" not found'],
  ])('should explain a missing source: %j', (container, error) => {
    expect(resolveEnv(pod, container, source)).toEqual({ error });
  });
});

describe('when keeping logs', () => {
  it('should drop the oldest lines beyond the byte bound and render tail and limit', () => {
    const log = new LogBuffer(12);
    log.append('aaaa\nbbbb\n');
    log.append('cccc\ndd');
    log.end();
    expect(log.text()).toBe('bbbb\ncccc\ndd');
    expect(renderLines(log.select({ tailLines: 2 }), { limitBytes: 7 })).toBe('cccc\ndd');
    expect(log.tail(1, 100)).toBe('dd');
  });
});
