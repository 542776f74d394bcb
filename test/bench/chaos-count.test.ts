import { describe, expect, it } from 'vitest';
import { countPosts, duplicateJobs, postKind, recoveryMs } from '../../bench/chaos/count.js';
import type { AuditEntry } from '../../src/devcluster/index.js';
import type { MattermostPost } from '../../src/devchat/index.js';

const entry = (over: Partial<AuditEntry>): AuditEntry => ({ time: 0, verb: 'patch', apiVersion: 'batch/v1', kind: 'Job', namespace: 'a', name: 'pre-hook', code: 201, source: 'api', fieldManager: 'hookrunner', ...over });
const post = (id: string, root: string, message: string): MattermostPost => ({ id, root_id: root, message, channel_id: 'c', user_id: 'u', channel: 't/c', props: {}, create_at: 0, update_at: 0, patches: 0 });

describe('chaos counting', () => {
  it('should count each extra creation of the same Job in a watched namespace, not updates or other namespaces', () => {
    const audit = [entry({}), entry({ code: 200 }), entry({ verb: 'update', code: 200, fieldManager: undefined }), entry({ verb: 'create' }), entry({ name: 'post-hook' }), entry({ namespace: 'other' }), entry({ namespace: 'other' })];
    expect(duplicateJobs(audit, new Set(['a']))).toBe(1);
    expect(duplicateJobs(audit, new Set(['a', 'other']))).toBe(2);
  });

  it('should key posts by (application, kind), attributing replies to their thread', () => {
    expect(postKind(post('2', '1', 'PreSync done (2 tasks) for app-r001\n✅ Job/pre-hook'))).toBe('PreSync done');
    expect(postKind(post('9', '1', '✅ app-r001: sync succeeded · revision `abc`'))).toBe('✅ app-r001: sync succeeded');
    const posts = [
      post('1', '', '✅ app-r001: sync succeeded · revision `abc`'),
      post('2', '1', 'PreSync done (2 tasks) for app-r001'),
      post('3', '1', 'PreSync done (2 tasks) for app-r001'),
      post('4', '', 'app-r010 sync running'),
      post('5', '4', 'PreSync done (1 task) for app-r010'),
    ];
    const kinds = (): string[] => ['thread', 'PreSync done'];
    expect(countPosts(posts, ['app-r001', 'app-r010'], new Set(['app-r001', 'app-r010']), kinds)).toEqual({ duplicatePosts: 1, missingPosts: 0, missing: [] });
    expect(countPosts(posts.slice(0, 4), ['app-r001', 'app-r010'], new Set(['app-r010']), kinds)).toEqual({ duplicatePosts: 1, missingPosts: 1, missing: ['app-r010: PreSync done'] });
  });

  it('should take a thread first posted with the outcome (never updated) as the outcome, and an outcome reply besides it as a duplicate', () => {
    const kinds = (app: string): string[] => ['thread', `✅ ${app}: sync succeeded`];
    const late = post('1', '', '✅ app-r001: sync succeeded · revision `abc`');
    const early = { ...post('1', '', '✅ app-r001: sync succeeded · revision `abc`'), patches: 2 };
    const reply = post('2', '1', '✅ app-r001: sync succeeded · revision `abc`');
    expect(countPosts([late], ['app-r001'], new Set(['app-r001']), kinds)).toEqual({ duplicatePosts: 0, missingPosts: 0, missing: [] });
    expect(countPosts([early], ['app-r001'], new Set(['app-r001']), kinds)).toEqual({ duplicatePosts: 0, missingPosts: 1, missing: ['app-r001: ✅ app-r001: sync succeeded'] });
    expect(countPosts([early, reply], ['app-r001'], new Set(['app-r001']), kinds)).toEqual({ duplicatePosts: 0, missingPosts: 0, missing: [] });
    expect(countPosts([late, reply], ['app-r001'], new Set(['app-r001']), kinds).duplicatePosts).toBe(1);
  });

  it('should measure recovery to the next hookrunner write or the end, whichever comes first, ignoring the cluster\'s own status updates', () => {
    const audit = [entry({ time: 900 }), entry({ time: 1_500, verb: 'update', fieldManager: undefined, code: 200 }), entry({ time: 4_000 }), entry({ namespace: 'b', time: 9_000, verb: 'delete', code: 200, fieldManager: undefined })];
    expect(recoveryMs(1_000, 1_000, [{ namespace: 'a', finishedAt: undefined }], audit)).toBe(3_000);
    expect(recoveryMs(1_000, 1_000, [{ namespace: 'a', finishedAt: 2_000 }, { namespace: 'b', finishedAt: 12_000 }], audit)).toBe(8_000);
    expect(recoveryMs(1_000, 1_000, [{ namespace: 'c', finishedAt: undefined }], audit)).toBeUndefined();
  });
});
