/** Stopping: open watches end, every spawned process (and its children) is gone, the port is closed. */
import { describe, expect, it } from 'vitest';
import { startDevCluster } from '../../src/devcluster/index.js';
import { alive, call, hasCondition, openWatch, waitFor } from './helpers.js';

/** Read a streamed response until `done(text)` holds, then hang up. */
async function readUntil(url: string, done: (text: string) => boolean): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (reader && !done(text)) {
    const chunk = await reader.read();
    if (chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  controller.abort();
  return text;
}

describe('when the dev cluster stops', () => {
  it('should end watches, kill every process it spawned with their children, and close the server', async () => {
    const cluster = await startDevCluster({ port: 0 });
    const pods = '/api/v1/namespaces/default/pods';
    const sleeper = (name: string, command: string[]): Record<string, unknown> => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { restartPolicy: 'Always', containers: [{ name: 'c', image: 'busybox', command }] },
    });
    await call(cluster, 'POST', pods, { body: sleeper('plain', ['sleep', '60']) });
    await call(cluster, 'POST', pods, { body: sleeper('parent', ['sh', '-c', 'sleep 60 & echo child=$!; sleep 60 & echo child=$!; wait']) });
    await call(cluster, 'POST', pods, { body: sleeper('ignores-term', ['sh', '-c', 'trap "" TERM; while true; do sleep 0.05; done']) });
    for (const name of ['plain', 'parent', 'ignores-term']) await waitFor(cluster, `${pods}/${name}`, (o) => hasCondition(o, 'Ready'), `Pod ${name} to run`);
    const parentLog = await readUntil(`${cluster.url}${pods}/parent/log?follow=true`, (text) => text.split('\n').filter((l) => l.startsWith('child=')).length === 2);
    const children = parentLog
      .split('\n')
      .filter((l) => l.startsWith('child='))
      .map((l) => Number(l.slice(6)));
    const pids = cluster.spawnedPids();
    expect(pids).toHaveLength(3);
    expect([...pids, ...children].every(alive)).toBe(true);
    const watch = await openWatch(cluster, `${pods}?watch=true`);
    await cluster.stop();
    await watch.ended;
    expect([...pids, ...children].filter(alive)).toEqual([]);
    await expect(fetch(`${cluster.url}/healthz`)).rejects.toThrow();
    await cluster.stop();
  });
});
