import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterClient } from '../../src/cluster/index.js';
import { AbortedError, DeadlineExceededError } from '../../src/util/index.js';
import { connectCluster, hasCondition, shJob } from './dev-cluster.js';
import type { Connected } from './dev-cluster.js';
import type { TestCluster } from '../helpers/backends.js';
import { testBackends } from '../helpers/backends.js';

describe.each(testBackends())('waitFor on the %s cluster', (backend) => {

  /** waitFor: watch + backstop reads, a deadline that says what it waited for (USER-NEEDS A.1 items 2–3, D3). */
  let dev: Connected<TestCluster>;
  beforeAll(async () => {
    dev = await connectCluster(backend);
  });
  afterAll(async () => {
    await dev?.close();
  });

  const jobRef = (namespace: string, name: string) => ({ apiVersion: 'batch/v1', kind: 'Job', namespace, name });

  describe('when waiting for a Job', () => {
    it('should resolve with the Job once it is Complete', async () => {
      const ns = await dev.namespace();
      const waiting = dev.client.waitFor(jobRef(ns, 'ok'), (o) => hasCondition(o, 'Complete'), { timeoutMs: 10_000, description: `Job ${ns}/ok to complete` });
      await dev.client.create(shJob('ok', ns, 'echo done'));
      const job = await waiting;
      expect(hasCondition(job, 'Complete')).toBe(true);
      expect((job?.['status'] as { succeeded?: number }).succeeded).toBe(1);
    });

    it('should time out with DeadlineExceededError naming what it waited for and the Job it last saw', async () => {
      const ns = await dev.namespace();
      await dev.client.create(shJob('slow', ns, 'sleep 30'));
      const err = await dev.client
        .waitFor(jobRef(ns, 'slow'), (o) => hasCondition(o, 'Complete'), { timeoutMs: 400, description: `Job ${ns}/slow to complete` })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DeadlineExceededError);
      const e = err as DeadlineExceededError;
      expect(e.waitedFor).toBe(`Job ${ns}/slow to complete`);
      expect(e.message).toMatch(new RegExp(`^timed out after \\d+m?s waiting for Job ${ns}/slow to complete; last seen: Job ${ns}/slow: conditions none; active [01], succeeded 0, failed 0$`));
      await dev.client.delete(jobRef(ns, 'slow'));
    });

    it('should use the describe option for the last object seen', async () => {
      const ns = await dev.namespace();
      const err = (await dev.client
        .waitFor(jobRef(ns, 'never'), (o) => o !== undefined, { timeoutMs: 100, description: 'a Job that is never created', describe: (o) => (o ? 'present' : 'absent') })
        .catch((e: unknown) => e)) as DeadlineExceededError;
      expect(err.lastSeen).toBe('absent');
    });
  });

  describe('when the awaited object vanishes', () => {
    it('should resolve undefined when the predicate accepts absence', async () => {
      const ns = await dev.namespace();
      await dev.client.create(shJob('ttl', ns, 'sleep 30'));
      const waiting = dev.client.waitFor(jobRef(ns, 'ttl'), (o) => o === undefined || hasCondition(o, 'Complete'), {
        timeoutMs: 10_000,
        description: 'Job ttl to complete or vanish',
      });
      await dev.client.delete(jobRef(ns, 'ttl'), { gracePeriodSeconds: 0 });
      expect(await waiting).toBeUndefined();
    });

    it('should say it was deleted, and what it was before, when the predicate does not accept absence', async () => {
      const ns = await dev.namespace();
      await dev.client.create(shJob('gone', ns, 'sleep 30'));
      const waiting = dev.client.waitFor(jobRef(ns, 'gone'), (o) => hasCondition(o, 'Complete'), { timeoutMs: 800, description: 'Job gone to complete' });
      await dev.client.waitFor(jobRef(ns, 'gone'), (o) => o !== undefined, { timeoutMs: 5_000, description: 'Job gone to exist' });
      await dev.client.delete(jobRef(ns, 'gone'), { gracePeriodSeconds: 0 });
      const err = (await waiting.catch((e: unknown) => e)) as DeadlineExceededError;
      expect(err).toBeInstanceOf(DeadlineExceededError);
      expect(err.lastSeen).toMatch(new RegExp(`^not found \\(deleted; before that: Job ${ns}/gone: conditions`));
    });

    it('should resolve at once when the object is already absent and absence is awaited', async () => {
      const ns = await dev.namespace();
      expect(await dev.client.waitFor(jobRef(ns, 'none'), (o) => o === undefined, { timeoutMs: 5_000, description: 'nothing' })).toBeUndefined();
    });
  });

  describe('when a wait is aborted', () => {
    it('should reject with AbortedError and stop watching', async () => {
      const ns = await dev.namespace();
      const controller = new AbortController();
      const waiting = dev.client.waitFor(jobRef(ns, 'x'), () => false, { timeoutMs: 10_000, description: 'never', signal: controller.signal });
      controller.abort();
      await expect(waiting).rejects.toBeInstanceOf(AbortedError);
    });

    it('should reject pending waits with AbortedError when the client is closed', async () => {
      const ns = await dev.namespace();
      const client = createClusterClient({ kubeconfig: dev.kubeconfig });
      const waiting = client.waitFor(jobRef(ns, 'x'), () => false, { timeoutMs: 10_000, description: 'never' });
      const watching = client.watch({ apiVersion: 'batch/v1', kind: 'Job', namespace: ns }, {}, () => undefined);
      await watching.ready;
      client.close();
      await expect(waiting).rejects.toBeInstanceOf(AbortedError);
      await expect(client.waitFor(jobRef(ns, 'x'), () => true, { timeoutMs: 1_000, description: 'after close' })).rejects.toBeInstanceOf(AbortedError);
    });
  });
});
