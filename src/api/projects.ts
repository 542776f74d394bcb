/**
 * Projects as the API uses them (docs/semantics.md §18): which project an application belongs
 * to, whether its source and destination are permitted (checked when it is saved and again when
 * it syncs), and the install-defined projects written at start.
 */
import { IN_CLUSTER, builtinDefaultProject, isDestinationPermitted, isSourcePermitted, projectDocument } from '../projects/index.js';
import type { ProjectRecord, ProjectSpec } from '../projects/index.js';
import type { ApplicationRecord, ProjectStore } from '../store/index.js';
import { HttpProblem, validationProblem } from './problem.js';
import type { FieldError } from './problem.js';

/** The default project's name when the install names none (`--default-project`). */
export const DEFAULT_PROJECT = 'default';

export interface ProjectPolicy {
  readonly store: ProjectStore;
  /** The project of applications without `spec.project`. */
  readonly defaultProject: string;
  /** The application's project name (`spec.project`, else the default). */
  projectOf(app: Pick<ApplicationRecord, 'project'>): string;
  /**
   * The project, or a 422 naming `spec.project` when it does not exist.
   * @param field - the field to name in the error @defaultValue 'spec.project'
   */
  require(name: string, field?: string): Promise<ProjectRecord>;
  /** 422 naming `spec.source.repoURL` or `spec.destination.namespace` when the project does not permit them. */
  checkApplication(app: Pick<ApplicationRecord, 'source' | 'destination'>, project: Pick<ProjectRecord, 'name' | 'spec'>): void;
}

/** Argo CD's messages for an application its project refuses (`util/argo` `ValidatePermissions`). */
export function applicationViolations(app: Pick<ApplicationRecord, 'source' | 'destination'>, project: Pick<ProjectRecord, 'name' | 'spec'>): FieldError[] {
  const errors: FieldError[] = [];
  if (!isSourcePermitted(project.spec, app.source.repoURL)) {
    errors.push({ field: 'spec.source.repoURL', message: `application repo ${app.source.repoURL} is not permitted in project '${project.name}'` });
  }
  if (!isDestinationPermitted(project.spec, app.destination.namespace, IN_CLUSTER)) {
    errors.push({
      field: 'spec.destination.namespace',
      message: `application destination server '${IN_CLUSTER.server}' and namespace '${app.destination.namespace}' do not match any of the allowed destinations in project '${project.name}'`,
    });
  }
  return errors;
}

export function createProjectPolicy(options: { store: ProjectStore; defaultProject?: string }): ProjectPolicy {
  const { store, defaultProject = DEFAULT_PROJECT } = options;
  return {
    store,
    defaultProject,
    projectOf: (app) => app.project || defaultProject,
    async require(name, field = 'spec.project') {
      const project = await store.getProject(name);
      if (!project) throw validationProblem([{ field, message: `project ${name} does not exist` }], { status: 422, title: 'Unknown project' });
      return project;
    },
    checkApplication(app, project) {
      const errors = applicationViolations(app, project);
      if (errors.length > 0) throw validationProblem(errors, { status: 422, title: 'Not permitted by the project' });
    },
  };
}

/** A project record from a validated document. */
export function projectRecord(input: { name: string; spec: ProjectSpec; original: Record<string, unknown>; now: Date; createdAt?: string; managedBy?: 'install' }): ProjectRecord {
  return {
    name: input.name,
    spec: input.spec,
    manifest: structuredClone(input.original),
    ...(input.managedBy ? { managedBy: input.managedBy } : {}),
    createdAt: input.createdAt ?? input.now.toISOString(),
    updatedAt: input.now.toISOString(),
  };
}

/**
 * Write the install's projects (created or replaced, marked managed by the install); when none is
 * named `default`, the built-in narrow `default` too. Projects the install no longer defines stay
 * (as applications may use them) but lose the mark, so the API may change or delete them.
 */
export async function installProjects(input: { store: ProjectStore; projects: readonly { name: string; spec: ProjectSpec; original: Record<string, unknown> }[]; ownNamespace?: string; now?: Date }): Promise<string[]> {
  const now = input.now ?? new Date();
  const defined = [...input.projects];
  if (!defined.some((p) => p.name === DEFAULT_PROJECT)) {
    const spec = builtinDefaultProject(input.ownNamespace ? { ownNamespace: input.ownNamespace } : {});
    defined.push({ name: DEFAULT_PROJECT, spec, original: projectDocument(DEFAULT_PROJECT, spec) });
  }
  const names = new Set(defined.map((p) => p.name));
  for (const existing of await input.store.listProjects()) {
    if (existing.managedBy === 'install' && !names.has(existing.name)) {
      const { managedBy: _managed, ...rest } = existing;
      await input.store.putProject({ ...rest, updatedAt: now.toISOString() });
    }
  }
  for (const p of defined) {
    const existing = await input.store.getProject(p.name);
    await input.store.putProject(projectRecord({ ...p, now, managedBy: 'install', ...(existing ? { createdAt: existing.createdAt } : {}) }));
  }
  return [...names].sort();
}

/** 409 for a change through the API to a project the install defines. */
export function managedByInstall(name: string): HttpProblem {
  return new HttpProblem(409, `project ${name} is managed by the install (--projects-dir or the built-in default); change it there`, { type: 'managed-by-install' });
}
