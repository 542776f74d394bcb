/**
 * Read an Argo CD `AppProject` document (parsed YAML/JSON): every error names its field. Spec
 * fields hookrunner does not implement are refused by name rather than ignored, since ignoring
 * them would change what the project means (roles, syncWindows, signatureKeys, …).
 */
import { z } from 'zod';
import { isValidGlob } from './glob.js';
import type { ProjectFieldError, ProjectSpec } from './types.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const MAX_ENTRIES = 500;

const glob = (max: number) => z.string().min(1, 'must not be empty').max(max).refine(isValidGlob, 'is not a valid glob');
const optionalGlob = (max: number) => z.string().max(max).refine((g) => g === '' || isValidGlob(g), 'is not a valid glob');
const groupKind = z.strictObject({ group: optionalGlob(253).default(''), kind: glob(63) });
const clusterItem = z.strictObject({ group: optionalGlob(253).default(''), kind: glob(63), name: optionalGlob(253).optional() });

/** Spec fields of Argo CD's AppProject that hookrunner does not implement, and why it refuses them. */
export const UNSUPPORTED_SPEC_FIELDS: Record<string, string> = {
  roles: 'project roles and their tokens are not implemented (hookrunner has one API token)',
  syncWindows: 'sync windows are not implemented',
  signatureKeys: 'commit signature verification is not implemented',
  orphanedResources: 'orphaned-resource monitoring is not implemented',
  sourceNamespaces: 'applications in other namespaces are not implemented',
  permitOnlyProjectScopedClusters: 'project-scoped clusters are not implemented (hookrunner deploys to one cluster)',
  destinationServiceAccounts: 'impersonation is not implemented',
};

const specSchema = z
  .looseObject({
    description: z.string().max(1000).optional(),
    sourceRepos: z.array(glob(2048)).max(MAX_ENTRIES).default([]),
    destinations: z
      .array(
        z
          .strictObject({ server: optionalGlob(2048).optional(), name: optionalGlob(253).optional(), namespace: glob(253) })
          .refine((d) => Boolean(d.server) || Boolean(d.name), { message: 'must give server or name (https://kubernetes.default.svc or in-cluster)' }),
      )
      .max(MAX_ENTRIES)
      .default([]),
    clusterResourceWhitelist: z.array(clusterItem).max(MAX_ENTRIES).default([]),
    clusterResourceBlacklist: z.array(clusterItem).max(MAX_ENTRIES).default([]),
    namespaceResourceWhitelist: z.array(groupKind).max(MAX_ENTRIES).optional(),
    namespaceResourceBlacklist: z.array(groupKind).max(MAX_ENTRIES).default([]),
  })
  .superRefine((spec, ctx) => {
    for (const key of Object.keys(spec)) {
      if (key in specSchema_known) continue;
      const why = UNSUPPORTED_SPEC_FIELDS[key];
      ctx.addIssue({ code: 'custom', path: [key], message: why ? `is not supported: ${why}` : 'is not a field of an AppProject spec hookrunner knows' });
    }
  });

const specSchema_known: Record<string, true> = {
  description: true,
  sourceRepos: true,
  destinations: true,
  clusterResourceWhitelist: true,
  clusterResourceBlacklist: true,
  namespaceResourceWhitelist: true,
  namespaceResourceBlacklist: true,
};

const projectSchema = z.looseObject({
  apiVersion: z.literal('argoproj.io/v1alpha1', { error: (i) => (i.input === undefined ? 'is required' : 'must be "argoproj.io/v1alpha1"') }),
  kind: z.literal('AppProject', { error: (i) => (i.input === undefined ? 'is required' : 'must be "AppProject"') }),
  metadata: z.looseObject({
    name: z.string().regex(DNS_SUBDOMAIN, 'must be a DNS-1123 subdomain: lower case letters, digits, "-" and ".", at most 253 characters'),
    namespace: z.string().optional(),
  }),
  spec: specSchema,
});

/** `spec.destinations[0].namespace` from a zod path. */
function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out || '(body)';
}

const describeType = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

export type ProjectCheck = { ok: true; name: string; spec: ProjectSpec } | { ok: false; errors: ProjectFieldError[] };

/** Validate a parsed AppProject document. */
export function parseProject(input: unknown): ProjectCheck {
  const result = projectSchema.safeParse(input, {
    error: (issue) => {
      if (issue.code === 'invalid_type') return issue.input === undefined ? 'is required' : `must be a ${issue.expected}, not ${describeType(issue.input)}`;
      if (issue.code === 'unrecognized_keys') return `is not a field hookrunner knows here`;
      return undefined;
    },
  });
  if (!result.success) {
    const errors = result.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ field: fieldPath([...i.path, k]), message: 'is not a field hookrunner knows here' })) : [{ field: fieldPath(i.path), message: i.message }],
    );
    return { ok: false, errors };
  }
  const s = result.data.spec;
  const spec: ProjectSpec = {
    ...(s.description !== undefined ? { description: s.description } : {}),
    sourceRepos: s.sourceRepos,
    destinations: s.destinations.map((d) => ({ namespace: d.namespace, ...(d.server ? { server: d.server } : {}), ...(d.name ? { name: d.name } : {}) })),
    clusterResourceWhitelist: s.clusterResourceWhitelist.map((c) => ({ group: c.group, kind: c.kind, ...(c.name ? { name: c.name } : {}) })),
    clusterResourceBlacklist: s.clusterResourceBlacklist.map((c) => ({ group: c.group, kind: c.kind, ...(c.name ? { name: c.name } : {}) })),
    ...(s.namespaceResourceWhitelist !== undefined ? { namespaceResourceWhitelist: s.namespaceResourceWhitelist } : {}),
    namespaceResourceBlacklist: s.namespaceResourceBlacklist,
  };
  return { ok: true, name: result.data.metadata.name, spec };
}

/** The AppProject document of a spec (for the built-in default project). */
export function projectDocument(name: string, spec: ProjectSpec): Record<string, unknown> {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name }, spec: structuredClone(spec) };
}

/**
 * The built-in `default` project when the install defines none: https repos and ssh repos with a user (`git@host:path`; no
 * `file://`), every namespace but the system ones (and the service's own), only `Namespace`
 * among cluster kinds (so CreateNamespace works), no ResourceQuota/LimitRange.
 */
export function builtinDefaultProject(options: { ownNamespace?: string } = {}): ProjectSpec {
  const denied = ['kube-system', 'kube-public', 'kube-node-lease', ...(options.ownNamespace ? [options.ownNamespace] : [])];
  return {
    description: 'built-in default project of hookrunner (narrow): define a project named default to replace it',
    sourceRepos: ['https://**', '*@*/**'],
    destinations: [{ server: 'https://kubernetes.default.svc', namespace: '*' }, ...denied.map((ns) => ({ server: 'https://kubernetes.default.svc', namespace: `!${ns}` }))],
    clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }],
    clusterResourceBlacklist: [],
    namespaceResourceBlacklist: [
      { group: '', kind: 'ResourceQuota' },
      { group: '', kind: 'LimitRange' },
    ],
  };
}
