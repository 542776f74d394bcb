/** `/api/v1/projects`: Argo CD AppProjects (YAML or JSON), as applications are managed (docs/semantics.md §18). */
import { Router } from 'express';
import type { Request } from 'express';
import { parseProject } from '../../projects/index.js';
import type { ProjectCheck } from '../../projects/index.js';
import type { ApplicationStore } from '../../store/index.js';
import { hasBody, parseTextBody, textBody } from '../body.js';
import { HttpProblem, validationProblem } from '../problem.js';
import { managedByInstall, projectRecord } from '../projects.js';
import type { ProjectPolicy } from '../projects.js';
import { routeLabel } from './route-label.js';

export interface ProjectRoutesOptions {
  policy: ProjectPolicy;
  applications: Pick<ApplicationStore, 'listApplications'>;
  bodyLimitBytes: number;
  now: () => Date;
  /** Told of every change (for logs and events). @defaultValue nothing */
  onChange?: (name: string, change: 'created' | 'replaced' | 'deleted') => void;
}

function readProject(req: Request): { original: Record<string, unknown>; parsed: Extract<ProjectCheck, { ok: true }> } {
  const original = parseTextBody({ body: req.body, contentType: req.get('content-type'), hasBody: hasBody(req), required: true });
  const parsed = parseProject(original);
  if (!parsed.ok) throw validationProblem(parsed.errors);
  return { original, parsed };
}

export function projectRoutes(options: ProjectRoutesOptions): Router {
  const { policy, applications, bodyLimitBytes, now, onChange = () => undefined } = options;
  const { store } = policy;
  const router = Router();
  const text = textBody(bodyLimitBytes);

  async function found(name: string) {
    const record = await store.getProject(name);
    if (!record) throw new HttpProblem(404, `project ${name} not found`, { type: 'not-found' });
    return record;
  }

  router.get('/', routeLabel, async (_req, res) => {
    res.json({ items: await store.listProjects(), defaultProject: policy.defaultProject });
  });

  router.get('/:name', routeLabel, async (req, res) => {
    res.json(await found(req.params['name'] as string));
  });

  router.post('/', routeLabel, text, async (req, res) => {
    const { original, parsed } = readProject(req);
    const record = projectRecord({ name: parsed.name, spec: parsed.spec, original, now: now() });
    if (!(await store.createProject(record))) {
      throw new HttpProblem(409, `project ${parsed.name} already exists; PUT /api/v1/projects/${parsed.name} replaces it`, { type: 'already-exists' });
    }
    onChange(record.name, 'created');
    res.status(201).location(`/api/v1/projects/${record.name}`).json(record);
  });

  router.put('/:name', routeLabel, text, async (req, res) => {
    const name = req.params['name'] as string;
    const { original, parsed } = readProject(req);
    if (parsed.name !== name) throw validationProblem([{ field: 'metadata.name', message: `must be "${name}", the name in the URL` }]);
    const existing = await store.getProject(name);
    if (existing?.managedBy === 'install') throw managedByInstall(name);
    const record = projectRecord({ name, spec: parsed.spec, original, now: now(), ...(existing ? { createdAt: existing.createdAt } : {}) });
    await store.putProject(record);
    onChange(name, existing ? 'replaced' : 'created');
    res.status(existing ? 200 : 201).json(record);
  });

  /** As Argo CD: a project that applications still reference cannot be deleted. */
  router.delete('/:name', routeLabel, async (req, res) => {
    const record = await found(req.params['name'] as string);
    if (record.managedBy === 'install') throw managedByInstall(record.name);
    const users = (await applications.listApplications()).filter((a) => policy.projectOf(a) === record.name).map((a) => a.name);
    if (users.length > 0) {
      throw new HttpProblem(409, `project ${record.name} is referenced by ${users.length} application(s): ${users.slice(0, 10).join(', ')}${users.length > 10 ? ', …' : ''}`, {
        type: 'project-in-use',
        extensions: { applications: users },
      });
    }
    await store.deleteProject(record.name);
    onChange(record.name, 'deleted');
    res.status(204).end();
  });

  return router;
}
