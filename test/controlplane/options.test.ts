import { describe, expect, it } from 'vitest';
import { ControlPlaneError, checkControlPlaneOptions } from '../../src/controlplane/index.js';

/** What `startControlPlane` refuses before it starts anything (it calls `checkControlPlaneOptions` first). */
describe('control plane options', () => {
  it('should refuse an extra argument that is not a flag, naming the component', () => {
    expect(() => checkControlPlaneOptions({ extraArgs: { 'kube-controller-manager': ['--kube-api-qps=200', 'kube-api-burst=400'] } })).toThrow(ControlPlaneError);
    expect(() => checkControlPlaneOptions({ extraArgs: { 'kube-controller-manager': ['--kube-api-qps=200', 'kube-api-burst=400'] } })).toThrow(/extraArgs\.kube-controller-manager: "kube-api-burst=400" is not a flag/);
    expect(() => checkControlPlaneOptions({ extraArgs: { 'kube-apiserver': ['--v=2'] }, maxPods: 2_500 })).not.toThrow();
  });

  it('should refuse a pod capacity that is not a whole number > 0', () => {
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      expect(() => checkControlPlaneOptions({ maxPods: bad })).toThrow(/maxPods: want a whole number > 0/);
    }
  });
});
