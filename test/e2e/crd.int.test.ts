/**
 * §9.6: a CustomResourceDefinition and an object of its kind in one sync. The kind is unknown at
 * the dry run (allowed: this sync defines it) and is applied in the next wave once the API server
 * serves it — on the real one a moment after the CRD is Established.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayStatus, orderedResults } from '../../src/sync/index.js';
import { testBackends } from '../helpers/backends.js';
import { startHarness } from '../helpers/harness.js';
import type { Harness } from '../helpers/harness.js';

const CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.e2e.example.com
spec:
  group: e2e.example.com
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;
const WIDGET = `apiVersion: e2e.example.com/v1
kind: Widget
metadata:
  name: first
  annotations:
    argocd.argoproj.io/sync-wave: "1"
spec:
  size: 3
`;

describe.each(testBackends())('a CRD and its custom resource in one sync on the %s cluster', (backend) => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness({ backend });
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-crd-'));
    await writeFile(join(dir, 'crd.yaml'), CRD);
    await writeFile(join(dir, 'widget.yaml'), WIDGET);
  });
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies the CRD, then the Widget of the next wave', async () => {
    const op = await h.sync([dir], { app: 'crd-app', namespace: 'crd-app' });
    expect(op.phase, op.message).toBe('Succeeded');
    expect(orderedResults(op).map((r) => `${r.kind} ${r.name} ${displayStatus(r)}`)).toEqual(
      expect.arrayContaining(['CustomResourceDefinition widgets.e2e.example.com Synced', 'Widget first Synced']),
    );
    const widget = await h.client.get({ apiVersion: 'e2e.example.com/v1', kind: 'Widget', namespace: 'crd-app', name: 'first' });
    expect((widget?.['spec'] as { size?: number } | undefined)?.size).toBe(3);
  });
});
