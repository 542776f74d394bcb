/**
 * Prerequisites the integration tests need from the machine, checked before the first test so a
 * missing one fails the run in its first second with what to install (README "Prerequisites").
 * Nothing is ever downloaded here.
 *
 * - Chromium, for the browser tests (files that import `playwright-core`): `HOOKRUNNER_CHROMIUM`,
 *   else `chromium` or `chromium-browser` on PATH. Checked only when such a file is part of the
 *   run, so `vitest run test/worker` does not need a browser. The browser test looks it up again
 *   with `chromiumPath()` (and throws the same message), which covers runs this check cannot see.
 * - tmux, for the terminal tests (files that import `test/helpers/tmux.ts`): `tmux` on PATH, checked
 *   only when such a file is part of the run; the helper looks it up again with `tmuxPath()`.
 * - Redis: see test/setup/redis.ts.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

export const NO_CHROMIUM_MESSAGE =
  "the browser test (test/e2e/dashboard.int.test.ts) needs Chromium: install Debian's chromium (apt-get install chromium) or set HOOKRUNNER_CHROMIUM to a Chromium executable; a browser is never downloaded";

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The absolute path of `command` on PATH, or undefined. */
export function onPath(command: string, path = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/** Where Chromium is, or why it is not found (the message names the prerequisite). */
export function findChromium(env: Readonly<Record<string, string | undefined>> = process.env): { path: string } | { missing: string } {
  const configured = env['HOOKRUNNER_CHROMIUM'];
  if (configured) {
    const path = isAbsolute(configured) ? configured : onPath(configured, env['PATH'] ?? '') ?? resolve(configured);
    if (executable(path)) return { path };
    return { missing: `${NO_CHROMIUM_MESSAGE} (HOOKRUNNER_CHROMIUM=${configured} is not an executable file)` };
  }
  for (const name of ['chromium', 'chromium-browser']) {
    const path = onPath(name, env['PATH'] ?? '');
    if (path) return { path };
  }
  return { missing: `${NO_CHROMIUM_MESSAGE} (neither chromium nor chromium-browser is on PATH)` };
}

/** Chromium's path for a browser test; throws the prerequisite's message when it is missing. */
export function chromiumPath(): string {
  const found = findChromium();
  if ('missing' in found) throw new Error(found.missing);
  return found.path;
}

export const NO_TMUX_MESSAGE = "the terminal tests (test/cli/sync-view.int.test.ts) need tmux: install Debian's tmux (apt-get install tmux)";

/** tmux's path; throws the prerequisite's message when it is not on PATH. */
export function tmuxPath(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const path = onPath('tmux', env['PATH'] ?? '');
  if (!path) throw new Error(`${NO_TMUX_MESSAGE} (tmux is not on PATH)`);
  return path;
}

/** True when the test file drives a terminal through tmux. */
function isTmuxTest(file: string): boolean {
  try {
    return /from ['"][./]*helpers\/tmux\.js['"]/.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

/** True when the test file drives a browser. */
function isBrowserTest(file: string): boolean {
  try {
    return /from ['"]playwright-core['"]/.test(readFileSync(file, 'utf8'));
  } catch {
    return false;
  }
}

export default function setup(project: TestProject): void {
  // The files of this run (every project's), collected before the global setups run.
  const planned = project.vitest.state.getPaths();
  if (planned.some(isTmuxTest)) console.log(`tmux: ${tmuxPath()}`);
  const browserTests = planned.filter(isBrowserTest);
  if (browserTests.length === 0) return;
  const found = findChromium();
  if ('missing' in found) throw new Error(found.missing);
  console.log(`chromium: ${found.path}`);
}
