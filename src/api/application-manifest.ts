/**
 * The Argo CD `Application` manifest hookrunner accepts (validated with zod; every error names
 * its field) and the {@link ApplicationRecord} made from it. The lab's `app-sync-phase-1.yaml`
 * is accepted unchanged; `server` is kept but not used (hookrunner syncs to the cluster it runs
 * against); `project` names the application's project (docs/semantics.md §18).
 */
import { posix } from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../manifests/index.js';
import { TRANSPORT_HELPER_MESSAGE, isTransportHelperForm, repoUrlKind } from '../sources/index.js';
import type { ApplicationRecord } from '../store/index.js';
import type { IgnoreDifference, RetryStrategy } from '../sync/index.js';
import type { FieldError } from './problem.js';
import { subscriptionsFromAnnotations } from './subscriptions.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_LABEL_MESSAGE = 'must be a DNS-1123 label: lower case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters';
const GIT_URL_MESSAGE = 'must be an https://, ssh:// (or git@host:path) or file:// git URL';
const SYNC_OPTION = /^[A-Za-z][A-Za-z0-9]*=[^\s=][^\s]*$/;
/** What git accepts as a branch, tag or commit name (and nothing that reads as an option). */
export const REVISION = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[^\s~^:?*[\\\p{Cc}]{1,255}$/u;

const dnsLabel = z.string().regex(DNS_LABEL, DNS_LABEL_MESSAGE);
const durationLike = z.union([z.number().int().positive(), z.string()], { error: 'must be a duration such as 5s, 3m or 1h (a plain integer is seconds)' }).refine((v) => toMs(v) !== undefined, 'must be a duration such as 5s, 3m or 1h (a plain integer is seconds)');
const globs = z.union([z.string(), z.array(z.string())], { error: 'must be a glob or a list of globs' });
const unsupported = (what: string) => z.unknown().refine((v) => v === undefined, `is not supported: ${what}`);

const sourceSchema = z.looseObject({
  repoURL: z
    .string()
    .refine((u) => !isTransportHelperForm(u), TRANSPORT_HELPER_MESSAGE)
    .refine((u) => isTransportHelperForm(u) || repoUrlKind(u) !== undefined, GIT_URL_MESSAGE)
    .refine((u) => !/^https?:\/\/[^/]*@/i.test(u) && !/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(u), 'must not carry credentials (they would be stored and shown): give the server a git credential helper or an ssh key'),
  path: z
    .string()
    .refine((p) => !posix.isAbsolute(p) && !posix.normalize(p || '.').startsWith('..'), 'must be a folder inside the repository (relative, without "..")')
    .default('.'),
  targetRevision: z.string().refine((r) => r === '' || REVISION.test(r), 'must be a branch, tag, commit sha or HEAD').default('HEAD'),
  directory: z
    .looseObject({
      recurse: z.boolean().optional(),
      include: globs.optional(),
      exclude: globs.optional(),
      jsonnet: unsupported('jsonnet directories').optional(),
    })
    .optional(),
  chart: unsupported('Helm chart sources; hookrunner reads plain manifests from a folder').optional(),
  helm: unsupported('Helm sources; hookrunner reads plain manifests from a folder').optional(),
  kustomize: unsupported('Kustomize sources; hookrunner reads plain manifests from a folder').optional(),
  plugin: unsupported('plugin sources; hookrunner reads plain manifests from a folder').optional(),
});

const applicationSchema = z.object({
  apiVersion: z.literal('argoproj.io/v1alpha1', { error: (i) => (i.input === undefined ? 'is required' : 'must be "argoproj.io/v1alpha1"') }),
  kind: z.literal('Application', { error: (i) => (i.input === undefined ? 'is required' : 'must be "Application"') }),
  metadata: z.looseObject({
    name: dnsLabel,
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.looseObject({
    project: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/, 'must be the name of a project (a DNS-1123 subdomain)').or(z.literal('')).optional(),
    destination: z.looseObject({
      namespace: dnsLabel,
      server: z.string().optional(),
      name: z.string().optional(),
    }),
    source: sourceSchema,
    sources: unsupported('multiple sources; give one spec.source').optional(),
    /** docs/semantics.md §9.12: what ApplyOutOfSyncOnly and RespectIgnoreDifferences leave aside. */
    ignoreDifferences: z
      .array(
        z.looseObject({
          group: z.string().max(253).optional(),
          kind: z.string().min(1, 'is required').max(63),
          name: z.string().max(253).optional(),
          namespace: z.string().max(63).optional(),
          jsonPointers: z.array(z.string().regex(/^(\/[^/]*)+$/, 'must be a JSON pointer such as /spec/replicas')).max(100).optional(),
          jqPathExpressions: z.array(z.string().max(1000)).max(100).optional(),
          managedFieldsManagers: z.array(z.string().min(1).max(128)).max(100).optional(),
        }),
      )
      .max(100)
      .optional(),
    syncPolicy: z
      .looseObject({
        automated: z
          .looseObject({
            prune: z.boolean().optional(),
            selfHeal: z.boolean().optional(),
            allowEmpty: z.boolean().optional(),
            enabled: z.boolean().optional(),
          })
          .nullable()
          .optional(),
        syncOptions: z.array(z.string().regex(SYNC_OPTION, 'must be "Name=value", e.g. CreateNamespace=true')).optional(),
        retry: z
          .looseObject({
            limit: z.number().int().optional(),
            backoff: z
              .looseObject({
                duration: durationLike.optional(),
                factor: z.number().int().min(1).optional(),
                maxDuration: durationLike.optional(),
              })
              .optional(),
            refresh: z.boolean().optional(),
          })
          .optional(),
      })
      .nullable()
      .optional(),
  }),
});

export type ApplicationManifest = z.infer<typeof applicationSchema>;

/** `5s`, `3m`, `1h`, or a plain integer (or integer string) of seconds (§10.3). */
function toMs(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value * 1000 : undefined;
  return parseDuration(value);
}

/** `spec.syncPolicy.syncOptions[1]` from a zod path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(body)';
}

const describeType = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

export type ManifestCheck = { ok: true; manifest: ApplicationManifest } | { ok: false; errors: FieldError[] };

/** Validate a parsed manifest; errors name the field (`spec.destination.namespace is required`). */
export function validateApplication(input: unknown): ManifestCheck {
  const result = applicationSchema.safeParse(input, {
    error: (issue) => {
      if (issue.code === 'invalid_type') return issue.input === undefined ? 'is required' : `must be ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}, not ${describeType(issue.input)}`;
      return undefined;
    },
  });
  if (result.success) {
    const { errors } = subscriptionsFromAnnotations(result.data.metadata.annotations);
    return errors.length > 0 ? { ok: false, errors } : { ok: true, manifest: result.data };
  }
  return { ok: false, errors: result.error.issues.map((i) => ({ field: fieldPath(i.path), message: i.message })) };
}

const asList = (v: string | string[] | undefined): string[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : v === '' ? [] : [v]);

/** The `Name=value` sync options as a map (the last one given wins). */
export function syncOptionMap(options: readonly string[]): Map<string, string> {
  return new Map(options.map((o) => [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)]));
}

/** One `ignoreDifferences` entry with only the fields hookrunner reads. */
function ignoreRule(rule: NonNullable<ApplicationManifest['spec']['ignoreDifferences']>[number]): IgnoreDifference {
  return {
    kind: rule.kind,
    ...(rule.group !== undefined ? { group: rule.group } : {}),
    ...(rule.name ? { name: rule.name } : {}),
    ...(rule.namespace ? { namespace: rule.namespace } : {}),
    ...(rule.jsonPointers?.length ? { jsonPointers: [...rule.jsonPointers] } : {}),
    ...(rule.jqPathExpressions?.length ? { jqPathExpressions: [...rule.jqPathExpressions] } : {}),
    ...(rule.managedFieldsManagers?.length ? { managedFieldsManagers: [...rule.managedFieldsManagers] } : {}),
  };
}

/** §10.3 `syncPolicy.retry` → the engine's {@link RetryStrategy} (durations in ms). */
function retryStrategy(retry: NonNullable<NonNullable<ApplicationManifest['spec']['syncPolicy']>['retry']>): RetryStrategy {
  const backoff = retry.backoff ?? {};
  const duration = backoff.duration !== undefined ? toMs(backoff.duration) : undefined;
  const max = backoff.maxDuration !== undefined ? toMs(backoff.maxDuration) : undefined;
  return {
    limit: retry.limit ?? 0,
    ...(duration !== undefined ? { backoffMs: duration } : {}),
    ...(backoff.factor !== undefined ? { factor: backoff.factor } : {}),
    ...(max !== undefined ? { maxBackoffMs: max } : {}),
  };
}

/**
 * The record to store: the original manifest, and what hookrunner reads from it. Never mutates `original`.
 * @param input.defaultProject - the project of a manifest without `spec.project` @defaultValue 'default'
 */
export function applicationRecord(input: { manifest: ApplicationManifest; original: Record<string, unknown>; now: Date; createdAt?: string; defaultProject?: string }): ApplicationRecord {
  const { manifest, now } = input;
  const { source, destination } = manifest.spec;
  const policy = manifest.spec.syncPolicy ?? {};
  const { subscriptions } = subscriptionsFromAnnotations(manifest.metadata.annotations);
  const automated = policy.automated && policy.automated.enabled !== false ? policy.automated : undefined;
  const include = asList(source.directory?.include);
  const exclude = asList(source.directory?.exclude);
  const directory = source.directory
    ? {
        ...(source.directory.recurse !== undefined ? { recurse: source.directory.recurse } : {}),
        ...(include ? { include } : {}),
        ...(exclude ? { exclude } : {}),
      }
    : undefined;
  return {
    name: manifest.metadata.name,
    manifest: structuredClone(input.original),
    source: { repoURL: source.repoURL, path: source.path, targetRevision: source.targetRevision || 'HEAD', ...(directory ? { directory } : {}) },
    destination: { namespace: destination.namespace, ...(destination.server !== undefined ? { server: destination.server } : {}), ...(destination.name !== undefined ? { name: destination.name } : {}) },
    project: manifest.spec.project || (input.defaultProject ?? 'default'),
    syncPolicy: {
      ...(automated ? { automated: { ...(automated.prune !== undefined ? { prune: automated.prune } : {}), ...(automated.selfHeal !== undefined ? { selfHeal: automated.selfHeal } : {}), ...(automated.allowEmpty !== undefined ? { allowEmpty: automated.allowEmpty } : {}) } } : {}),
      syncOptions: [...(policy.syncOptions ?? [])],
      ...(policy.retry ? { retry: retryStrategy(policy.retry) } : {}),
    },
    ...(subscriptions.length > 0 ? { notifications: subscriptions } : {}),
    ...(manifest.spec.ignoreDifferences?.length ? { ignoreDifferences: manifest.spec.ignoreDifferences.map(ignoreRule) } : {}),
    createdAt: input.createdAt ?? now.toISOString(),
    updatedAt: now.toISOString(),
  };
}
