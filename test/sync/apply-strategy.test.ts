/** Which way an object is applied (src/sync/apply-strategy.ts, docs/semantics.md §9.5, §9.6), as gitops-engine's `applyObject` decides. */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/manifests/index.js';
import { applyStrategy } from '../../src/sync/index.js';

const obj = (options?: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', ...(options ? { annotations: { 'argocd.argoproj.io/sync-options': options } } : {}) } });

describe('applyStrategy', () => {
  it('should apply, validating, with nothing set', () => {
    expect(applyStrategy(obj(), undefined, [])).toEqual({ replace: false, force: false, serverSideApply: false, validate: true });
  });

  it('should read Replace from the app, the target or the live object; Force from the target or the live object only', () => {
    expect(applyStrategy(obj(), undefined, ['Replace=true']).replace).toBe(true);
    expect(applyStrategy(obj('Replace=true'), undefined, []).replace).toBe(true);
    expect(applyStrategy(obj(), obj('Replace=true'), []).replace).toBe(true);
    expect(applyStrategy(obj(' Force=true , Replace=true'), undefined, []).force).toBe(true);
    expect(applyStrategy(obj(), obj('Force=true'), []).force).toBe(true);
    expect(applyStrategy(obj(), undefined, ['Force=true']).force).toBe(false);
  });

  it('should read ServerSideApply from the app or the target, a target ServerSideApply=false winning', () => {
    expect(applyStrategy(obj(), undefined, ['ServerSideApply=true']).serverSideApply).toBe(true);
    expect(applyStrategy(obj('ServerSideApply=true'), undefined, []).serverSideApply).toBe(true);
    expect(applyStrategy(obj('ServerSideApply=false'), undefined, ['ServerSideApply=true']).serverSideApply).toBe(false);
    expect(applyStrategy(obj(), obj('ServerSideApply=true'), []).serverSideApply).toBe(false);
  });

  it('should turn validation off with Validate=false on the app or the target', () => {
    expect(applyStrategy(obj(), undefined, ['Validate=false']).validate).toBe(false);
    expect(applyStrategy(obj('Validate=false'), undefined, []).validate).toBe(false);
    expect(applyStrategy(obj(), obj('Validate=false'), []).validate).toBe(true);
  });
});
