import { describe, expect, it } from 'vitest';
import { ControlPlaneError, startControlPlane } from '../../src/controlplane/index.js';

describe('startControlPlane options', () => {
  it('should refuse an extra argument that is not a flag, naming the component, before starting anything', async () => {
    const started = startControlPlane({ extraArgs: { 'kube-controller-manager': ['--kube-api-qps=200', 'kube-api-burst=400'] } });
    await expect(started).rejects.toBeInstanceOf(ControlPlaneError);
    await expect(started).rejects.toThrow(/extraArgs\.kube-controller-manager: "kube-api-burst=400" is not a flag/);
  });
});

describe('startControlPlane maxPods', () => {
  it('should refuse a pod capacity that is not a whole number > 0', async () => {
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      await expect(startControlPlane({ maxPods: bad })).rejects.toThrow(/maxPods: want a whole number > 0/);
    }
  });
});
