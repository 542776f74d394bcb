import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { realTools } from '../helpers/tools.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CHART = join(ROOT, 'charts', 'hookrunner');

/** One `helm` invocation's outcome; a non-zero exit is data here, not an exception. */
export interface HelmRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RenderOptions {
  /** Values files, relative to the chart folder (e.g. `ci/default-values.yaml`). @defaultValue `[]` */
  readonly valuesFiles?: readonly string[];
  /** `--set` pairs. @defaultValue `{}` */
  readonly set?: Readonly<Record<string, string>>;
  /** Release name. @defaultValue `'rel'` */
  readonly release?: string;
  /** Release namespace. @defaultValue `'hookrunner'` */
  readonly namespace?: string;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A rendered Kubernetes object; tests narrow `spec` etc. with the interfaces below. */
export interface Rendered {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [field: string]: unknown;
}

export interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly secretKeyRef?: { readonly name: string; readonly key: string; readonly optional?: boolean };
    readonly configMapKeyRef?: { readonly name: string; readonly key: string };
  };
}

export interface Probe {
  readonly httpGet?: { readonly path: string; readonly port: string | number };
  readonly exec?: { readonly command: readonly string[] };
  readonly periodSeconds?: number;
  readonly timeoutSeconds?: number;
}

export interface SecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly readOnlyRootFilesystem?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly capabilities?: { readonly drop?: readonly string[] };
  readonly seccompProfile?: { readonly type: string };
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env?: readonly EnvVar[];
  readonly envFrom?: readonly { readonly configMapRef?: { readonly name: string } }[];
  readonly ports?: readonly { readonly name: string; readonly containerPort: number }[];
  readonly livenessProbe?: Probe;
  readonly readinessProbe?: Probe;
  readonly securityContext?: SecurityContext;
  readonly resources?: { readonly requests?: Readonly<Record<string, string>>; readonly limits?: Readonly<Record<string, string>> };
  readonly volumeMounts?: readonly { readonly name: string; readonly mountPath: string; readonly readOnly?: boolean }[];
}

export interface PodSpec {
  readonly serviceAccountName?: string;
  readonly automountServiceAccountToken?: boolean;
  readonly terminationGracePeriodSeconds?: number;
  readonly restartPolicy?: string;
  readonly securityContext?: SecurityContext & { readonly fsGroup?: number };
  readonly containers: readonly Container[];
  readonly volumes?: readonly {
    readonly name: string;
    readonly emptyDir?: object;
    readonly configMap?: { readonly name: string };
  }[];
}

export interface Workload extends Rendered {
  readonly spec: {
    readonly replicas?: number;
    readonly serviceName?: string;
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly template: { readonly metadata: ObjectMeta; readonly spec: PodSpec };
    readonly volumeClaimTemplates?: readonly { readonly metadata: { readonly name: string } }[];
  };
}

export interface PodObject extends Rendered {
  readonly spec: PodSpec;
}

export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly resourceNames?: readonly string[];
  readonly verbs: readonly string[];
}

export interface RoleObject extends Rendered {
  readonly rules: readonly PolicyRule[];
}

export interface BindingObject extends Rendered {
  readonly roleRef: { readonly kind: string; readonly name: string };
  readonly subjects: readonly { readonly kind: string; readonly name: string; readonly namespace: string }[];
}

export interface ServiceObject extends Rendered {
  readonly spec: {
    readonly type: string;
    readonly selector: Readonly<Record<string, string>>;
    readonly ports: readonly { readonly name: string; readonly port: number; readonly targetPort: string | number; readonly nodePort?: number }[];
  };
}

export interface ConfigMapObject extends Rendered {
  readonly data: Readonly<Record<string, string>>;
}

/** A private `helm` (real binary, own HOME and Helm folders in a temp dir). Call `close()` after use. */
export interface Helm {
  run(args: readonly string[]): Promise<HelmRun>;
  /** `helm template`; throws with helm's stderr when rendering fails. */
  render(options?: RenderOptions): Promise<Rendered[]>;
  close(): Promise<void>;
}

const HELM_TIMEOUT_MS = 60_000;

export async function createHelm(): Promise<Helm> {
  const { helm } = await realTools();
  const home = await mkdtemp(join(tmpdir(), 'hookrunner-helm-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    // Never read a developer's cluster credentials.
    KUBECONFIG: join(home, 'no-kubeconfig'),
  };
  const run = (args: readonly string[]): Promise<HelmRun> =>
    new Promise((done, fail) => {
      execFile(helm, [...args], { cwd: CHART, env, timeout: HELM_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          fail(new Error(`helm ${args.join(' ')} did not run (${error.killed ? 'timed out' : String(error.code)})`, { cause: error }));
          return;
        }
        done({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
    });
  return {
    run,
    async render(options = {}) {
      const { valuesFiles = [], set = {}, release = 'rel', namespace = 'hookrunner' } = options;
      const args = ['template', release, '.', '--namespace', namespace];
      for (const file of valuesFiles) args.push('-f', file);
      for (const [key, value] of Object.entries(set)) args.push('--set', `${key}=${value}`);
      const result = await run(args);
      if (result.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
      return parseManifests(result.stdout);
    },
    async close() {
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Parse `helm template` output: every non-empty YAML document, in order. */
export function parseManifests(text: string): Rendered[] {
  const out: Rendered[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`rendered YAML is invalid: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || !('kind' in value) || !('metadata' in value)) {
      throw new Error(`a rendered document is not a Kubernetes object: ${JSON.stringify(value).slice(0, 200)}`);
    }
    out.push(value as Rendered);
  }
  return out;
}

/** The chart's `ci/*-values.yaml` scenarios, relative to the chart folder. */
export async function ciScenarios(): Promise<string[]> {
  return (await readdir(join(CHART, 'ci')))
    .filter((f) => f.endsWith('-values.yaml'))
    .sort()
    .map((f) => `ci/${f}`);
}

/** Every object of a kind; `name` narrows to one name. */
export function allOf<T extends Rendered>(objects: readonly Rendered[], kind: string): T[] {
  return objects.filter((o): o is T => o.kind === kind);
}

/** The one object of a kind whose name ends with `suffix`; throws when there is not exactly one. */
export function oneOf<T extends Rendered>(objects: readonly Rendered[], kind: string, suffix = ''): T {
  const found = allOf<T>(objects, kind).filter((o) => o.metadata.name.endsWith(suffix));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind} named *${suffix}, found ${found.map((o) => o.metadata.name).join(', ') || 'none'}`);
  }
  return found[0] as T;
}

/** The first container of a workload or pod. */
export function containerOf(object: Workload | PodObject): Container {
  const spec = 'template' in object.spec ? object.spec.template.spec : object.spec;
  const container = spec.containers[0];
  if (!container) throw new Error(`${object.kind} ${object.metadata.name} has no container`);
  return container;
}

export function podSpecOf(object: Workload | PodObject): PodSpec {
  return 'template' in object.spec ? object.spec.template.spec : object.spec;
}

export function envOf(container: Container, name: string): EnvVar | undefined {
  return container.env?.find((e) => e.name === name);
}
