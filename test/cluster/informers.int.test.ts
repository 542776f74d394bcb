import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/manifests/index.js';
import { connectDevCluster, hasCondition, shJob } from './dev-cluster.js';
import type { Connected } from './dev-cluster.js';

/**
 * What waits cost the API server (issue 13): the dev cluster's request log counts the watches and
 * the direct reads of many waits (one list and one watch of Jobs across namespaces).
 */
describe('shared informers on the dev cluster', () => {
  let dev: Connected;
  beforeAll(async () => {
    dev = await connectDevCluster();
  });
  afterAll(async () => {
    await dev?.close();
  });

  it('should serve many waits of one kind with one list and one watch across namespaces, and no reads', async () => {
    const ns = await dev.namespace();
    const jobs = 10;
    const from = Date.now();
    const created: KubeObject[] = [];
    for (let i = 0; i < jobs; i++) created.push(await dev.client.create(shJob(`j${i}`, ns, 'sleep 1')));
    const done = await Promise.all(
      created.map((job) =>
        dev.client.waitFor({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns, name: job.metadata.name ?? '' }, (o) => hasCondition(o, 'Complete'), {
          timeoutMs: 30_000,
          description: `Job ${job.metadata.name ?? ''} to complete`,
          after: { resourceVersion: job.metadata.resourceVersion },
        }),
      ),
    );
    expect(done.every((o) => hasCondition(o, 'Complete'))).toBe(true);
    dev.client.close(); // ends the watch, so the request log has it
    await new Promise((resolve) => setTimeout(resolve, 200));
    const allJobs = '/apis/batch/v1/jobs';
    const jobsPath = `/apis/batch/v1/namespaces/${ns}/jobs`;
    const requests = dev.cluster.requests().filter((r) => r.time >= from && r.method === 'GET' && (r.url.startsWith(jobsPath) || r.url === allJobs || r.url.startsWith(`${allJobs}?`)));
    const watches = requests.filter((r) => r.url.includes('watch=true'));
    const lists = requests.filter((r) => !r.url.includes('watch=true') && (r.url === allJobs || r.url.startsWith(`${allJobs}?`)));
    const reads = requests.filter((r) => r.url.startsWith(`${jobsPath}/`) || r.url === jobsPath || r.url.startsWith(`${jobsPath}?`));
    expect({ watches: watches.length, lists: lists.length, reads: reads.length, fieldSelectors: watches.filter((r) => r.url.includes('fieldSelector')).length }).toEqual({
      watches: 1,
      lists: 1,
      reads: 0,
      fieldSelectors: 0,
    });
  });
});
