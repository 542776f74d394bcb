import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMattermostServer } from '../helpers/chat-servers.js';
import type { MattermostServer } from '../helpers/chat-servers.js';

const exec = promisify(execFile);

/**
 * APIS.md §C.1 pitfall 3: `@mattermost/client` is CommonJS; a named import of Client4 crashes under
 * Node's ESM loader while vitest's interop lets it pass. So this runs our Mattermost module in a real
 * Node process (tsx uses Node's own ESM loader for node_modules) and posts to a live server.
 */
describe('mattermost module in a real Node ESM process', () => {
  let server: MattermostServer;
  let dir: string;

  beforeAll(async () => {
    server = await startMattermostServer({ token: 'tok-real-node-1234', teams: { argocdorg: ['argocd-test-phases'] } });
    dir = await mkdtemp(join(tmpdir(), 'hookrunner-client4-'));
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should import @mattermost/client by default import and post through Client4 and fetch', async () => {
    const script = join(dir, 'post.mts');
    const entry = pathToFileURL(resolve('src/chat/index.ts')).href;
    await writeFile(
      script,
      [
        `import { createMattermostNotifier } from ${JSON.stringify(entry)};`,
        `const n = createMattermostNotifier({ url: process.env.MM_URL, token: process.env.MM_TOKEN, team: 'argocdorg', channel: 'argocd-test-phases', timeoutMs: 5000 });`,
        `await n.check();`,
        `const ref = await n.post({ text: 'from a real node process' });`,
        `process.stdout.write(JSON.stringify(ref));`,
      ].join('\n'),
    );
    const { stdout } = await exec(resolve('node_modules/.bin/tsx'), [script], {
      env: { ...process.env, MM_URL: server.url, MM_TOKEN: 'tok-real-node-1234' },
      timeout: 20_000,
    });
    expect(JSON.parse(stdout)).toEqual({ kind: 'mattermost', postId: server.posts[0]?.id, channelId: server.channelId('argocdorg', 'argocd-test-phases') });
    expect(server.posts.map((p) => p.message)).toEqual(['from a real node process']);
    expect(server.requests.map((r) => r.endpoint)).toEqual(['users/me', 'channel', 'members/me', 'posts']);
  });
});
