import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../../src/manifests/index.js';
import { HEALTH_STATUS_CODES, healthRank, isWorse, resourceHealth, worstHealth } from '../../../src/cluster/health/index.js';
import type { HealthOptions, HealthStatus } from '../../../src/cluster/health/index.js';

/**
 * Golden fixtures, one per case: `testdata/<kind>/<case>.yaml` holds two YAML documents, a header
 * `{ rule, expected, options? }` (`expected: null` = no health check for the kind) and then the
 * live object. `rule` cites the docs/semantics.md section the case pins down.
 */
interface Fixture {
  file: string;
  rule: string;
  expected: HealthStatus | null;
  options: HealthOptions | undefined;
  object: KubeObject;
}

const TESTDATA = join(import.meta.dirname, 'testdata');

function listYaml(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listYaml(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : []))
    .sort();
}

function load(path: string): Fixture {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  if (Array.isArray(docs) === false || docs.length !== 2) throw new Error(`${path}: expected 2 YAML documents (header, object)`);
  const [head, object] = docs.map((d) => {
    if (d.errors.length > 0) throw new Error(`${path}: ${d.errors[0]?.message}`);
    return d.toJS() as Record<string, unknown>;
  });
  if (!head || !object) throw new Error(`${path}: empty document`);
  return {
    file: relative(TESTDATA, path),
    rule: String(head['rule']),
    expected: (head['expected'] ?? null) as HealthStatus | null,
    options: head['options'] as HealthOptions | undefined,
    object: object as KubeObject,
  };
}

const fixtures = listYaml(TESTDATA).map(load);

describe('when judging live objects against the golden fixtures (§8)', () => {
  it('should have a fixture for every kind with a §8.2 rule', () => {
    const kinds = new Set(fixtures.map((f) => f.object.kind));
    for (const kind of ['Job', 'Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Service', 'Ingress', 'PersistentVolumeClaim',
      'HorizontalPodAutoscaler', 'APIService', 'Workflow', 'CronJob', 'CustomResourceDefinition', 'PodDisruptionBudget']) {
      expect(kinds, kind).toContain(kind);
    }
    for (const f of fixtures) expect(f.rule, f.file).toMatch(/§8|D2/);
  });

  it.each(fixtures.map((f) => [`${f.file} — ${f.rule}`, f] as const))('should judge %s', (_name, f) => {
    const before = structuredClone(f.object);
    expect(resourceHealth(f.object, f.options)).toEqual(f.expected ?? undefined);
    expect(f.object).toEqual(before); // never mutates its input
  });
});

describe('when ranking health codes (§8.1 IsWorse)', () => {
  it('should order Healthy, Suspended, Progressing, Missing, Degraded, Unknown from best to worst', () => {
    expect([...HEALTH_STATUS_CODES].sort((a, b) => healthRank(a) - healthRank(b))).toEqual([
      'Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown',
    ]);
  });

  it('should say whether the candidate is worse than the current code', () => {
    expect(isWorse('Healthy', 'Progressing')).toBe(true);
    expect(isWorse('Healthy', 'Degraded')).toBe(true);
    expect(isWorse('Degraded', 'Progressing')).toBe(false);
    expect(isWorse('Suspended', 'Suspended')).toBe(false);
    expect(isWorse('Degraded', 'Unknown')).toBe(true);
  });

  it('should pick the worst of several codes, Healthy for none', () => {
    expect(worstHealth([])).toBe('Healthy');
    expect(worstHealth(['Suspended', 'Missing', 'Progressing'])).toBe('Missing');
  });
});
