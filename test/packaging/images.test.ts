import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import type { Dockerfile, Stage } from './dockerfile.js';
import { DockerfileSyntaxError, execForm, instructionsOf, parseDockerfile } from './dockerfile.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

interface ImageSpec {
  readonly file: string;
  /** The image name the examples, the chart and docker-compose use. */
  readonly image: string;
  readonly entrypoint: readonly string[];
}

// ARCHITECTURE.md "One binary, several roles": same build, different entrypoints.
const IMAGES: readonly ImageSpec[] = [
  { file: 'images/service.Dockerfile', image: 'hookrunner/hookrunner', entrypoint: ['node', '/app/bin/hookrunner'] },
  {
    file: 'images/notifier.Dockerfile',
    image: 'hookrunner/notifier',
    entrypoint: ['node', '/app/bin/hookrunner', 'notify'],
  },
  {
    file: 'images/health-check.Dockerfile',
    image: 'hookrunner/health-check',
    entrypoint: ['node', '/app/bin/hookrunner', 'check'],
  },
];

async function load(file: string): Promise<{ text: string; parsed: Dockerfile }> {
  const text = await readFile(join(ROOT, file), 'utf8');
  return { text, parsed: parseDockerfile(text) };
}

function finalStage(parsed: Dockerfile): Stage {
  const stage = parsed.stages.at(-1);
  if (!stage) throw new Error('no stage');
  return stage;
}

function runs(stage: Stage): string[] {
  return instructionsOf(stage, 'RUN').map((i) => i.args);
}

/** `COPY` sources taken from the build context (not `--from=` another stage). */
function contextSources(stage: Stage): string[] {
  return instructionsOf(stage, 'COPY')
    .filter((i) => !i.args.includes('--from='))
    .flatMap((i) => i.args.split(/\s+/).filter((p) => !p.startsWith('--')).slice(0, -1));
}

describe('when reading a Dockerfile with the test parser', () => {
  it('should join continuations, skip comments and substitute global ARGs into FROM', () => {
    const parsed = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=node:22-alpine',
        'FROM ${BASE} AS build',
        'RUN a \\',
        '  # a comment inside a continuation',
        '  && b',
        'FROM --platform=linux/amd64 $BASE',
        'USER 10001',
      ].join('\n'),
    );
    expect(parsed.globalArgs).toEqual({ BASE: 'node:22-alpine' });
    expect(parsed.stages.map((s) => [s.from, s.name])).toEqual([
      ['node:22-alpine', 'build'],
      ['node:22-alpine', undefined],
    ]);
    expect(parsed.stages[0]?.instructions).toEqual([{ keyword: 'RUN', args: 'a && b', line: 4 }]);
  });

  it('should reject an instruction before FROM and a file ending mid-continuation', () => {
    expect(() => parseDockerfile('RUN x\nFROM a')).toThrow(DockerfileSyntaxError);
    expect(() => parseDockerfile('FROM a\nRUN x \\')).toThrow(/ends inside a continued RUN/);
    expect(() => execForm('node /app/bin/hookrunner')).toThrow(/exec form/);
  });
});

describe.each(IMAGES)('when checking $file', (spec) => {
  it('should have a node 22 build stage and a node 22 runtime stage', async () => {
    const { parsed } = await load(spec.file);
    expect(parsed.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    for (const stage of parsed.stages) expect(stage.from).toMatch(/^node:22-(bookworm-slim|alpine)$/);
  });

  it('should build in the build stage with npm ci and npm run build', async () => {
    const { parsed } = await load(spec.file);
    const build = parsed.stages[0];
    if (!build) throw new Error('no build stage');
    expect(runs(build).some((r) => /^npm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(runs(build)).toContain('npm run build');
  });

  it('should install production dependencies only in the runtime stage and copy dist and bin', async () => {
    const { parsed } = await load(spec.file);
    const runtime = finalStage(parsed);
    expect(runs(runtime).some((r) => /\bnpm ci\b[^&]*--omit=dev/.test(r))).toBe(true);
    expect(runs(runtime).some((r) => r.includes('npm run build'))).toBe(false);
    const copies = instructionsOf(runtime, 'COPY').map((i) => i.args);
    expect(copies).toContain('--from=build /src/dist ./dist');
    expect(copies).toContain('bin ./bin');
    expect(instructionsOf(runtime, 'WORKDIR').map((i) => i.args)).toEqual(['/app']);
    expect(instructionsOf(runtime, 'ENV').map((i) => i.args)).toContain('NODE_ENV=production');
  });

  it('should run as a non-root numeric user set after the last RUN', async () => {
    const { parsed } = await load(spec.file);
    const runtime = finalStage(parsed);
    const users = instructionsOf(runtime, 'USER');
    const user = users.at(-1);
    expect(user?.args).toMatch(/^\d+(:\d+)?$/);
    const uid = Number((user?.args ?? '0').split(':')[0]);
    expect(uid).toBeGreaterThan(0);
    const lastRun = instructionsOf(runtime, 'RUN').at(-1);
    expect(user?.line).toBeGreaterThan(lastRun?.line ?? 0);
  });

  it('should have the exec-form entrypoint of its role', async () => {
    const { parsed } = await load(spec.file);
    const entrypoints = instructionsOf(finalStage(parsed), 'ENTRYPOINT');
    expect(entrypoints).toHaveLength(1);
    expect(execForm(entrypoints[0]?.args ?? '')).toEqual(spec.entrypoint);
    // The entrypoint's script is the repository's bin/hookrunner, copied to /app/bin.
    expect(existsSync(join(ROOT, 'bin', 'hookrunner'))).toBe(true);
  });

  it('should carry OCI labels with the package version', async () => {
    const { parsed } = await load(spec.file);
    const runtime = finalStage(parsed);
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const labels = instructionsOf(runtime, 'LABEL').map((i) => i.args).join(' ');
    for (const key of ['title', 'description', 'version', 'licenses']) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
    expect(instructionsOf(runtime, 'ARG').map((i) => i.args)).toContain(`VERSION=${pkg.version}`);
  });

  it('should document the build command with the image name the examples use', async () => {
    const { text } = await load(spec.file);
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(text).toContain(`docker build -f ${spec.file} -t ${spec.image}:${pkg.version} .`);
  });

  it('should only copy context files that exist and that .dockerignore keeps', async () => {
    const { parsed } = await load(spec.file);
    const ignore = (await readFile(join(ROOT, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const sources = parsed.stages.flatMap(contextSources);
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) {
      expect(existsSync(join(ROOT, source)), `${source} exists`).toBe(true);
      const ignoredBy = ignore.filter((p) => minimatch(source, p) || source.startsWith(`${p}/`));
      expect(ignoredBy, `${source} is excluded from the build context`).toEqual([]);
    }
  });
});

describe('when comparing the three Dockerfiles', () => {
  it('should share the same build stage text, so BuildKit builds it once', async () => {
    const builds = await Promise.all(
      IMAGES.map(async (spec) => (await load(spec.file)).parsed.stages[0]?.instructions.map((i) => `${i.keyword} ${i.args}`)),
    );
    expect(builds[1]).toEqual(builds[0]);
    expect(builds[2]).toEqual(builds[0]);
  });

  it('should give the service image a HEALTHCHECK on /healthz and a default serve command', async () => {
    const { parsed } = await load('images/service.Dockerfile');
    const runtime = finalStage(parsed);
    const [healthcheck] = instructionsOf(runtime, 'HEALTHCHECK');
    expect(execForm(healthcheck?.args ?? '')).toEqual(
      expect.arrayContaining(['/app/bin/hookrunner', 'check', 'http://127.0.0.1:8080/healthz']),
    );
    expect(execForm(instructionsOf(runtime, 'CMD')[0]?.args ?? '')).toEqual(['serve']);
    expect(instructionsOf(runtime, 'EXPOSE').map((i) => i.args)).toEqual(['8080']);
  });
});

describe('when reading .dockerignore', () => {
  it('should keep dependencies, build output, git data and tool caches out of the context', async () => {
    const lines = (await readFile(join(ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', '.tools', 'test-artifacts', 'coverage']) {
      expect(lines).toContain(entry);
    }
  });
});
