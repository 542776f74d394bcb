import { describe, expect, it } from 'vitest';
import { auditWatchPeak, openWatchesFromMetrics, requestLogFromAudit } from '../../bench/lib/real-audit.js';
import type { AuditRequest } from '../../src/controlplane/index.js';

const req = (over: Partial<AuditRequest>): AuditRequest => ({ auditId: 'a', stage: 'ResponseComplete', verb: 'get', requestUri: '/api/v1/namespaces/x/pods/p', user: 'hookrunner-admin', received: 100, time: 110, code: 200, ...over });

describe('when reading the real API server\'s audit for the sync bench', () => {
  it('should keep one entry per request of the user, an open watch ending now', () => {
    const log = requestLogFromAudit(
      [
        req({ auditId: 'w', verb: 'watch', stage: 'ResponseStarted', requestUri: '/api/v1/pods?watch=true', received: 50, time: 51 }),
        req({ auditId: 'c', verb: 'create', requestUri: '/api/v1/namespaces/x/configmaps', received: 60, time: 70, code: 201 }),
        req({ auditId: 'k', user: 'system:kube-controller-manager' }),
      ],
      'hookrunner-admin',
      500,
    );
    expect(log).toEqual([
      { time: 500, method: 'GET', url: '/api/v1/pods?watch=true', code: 200, durationMs: 450 },
      { time: 70, method: 'POST', url: '/api/v1/namespaces/x/configmaps', code: 201, durationMs: 10 },
    ]);
  });

  it('should count the most watches of the user open at once within the window', () => {
    const watches = [
      req({ auditId: '1', verb: 'watch', stage: 'ResponseStarted', received: 0, time: 1 }),
      req({ auditId: '2', verb: 'watch', stage: 'ResponseStarted', received: 10, time: 11 }),
      req({ auditId: '2', verb: 'watch', stage: 'ResponseComplete', received: 10, time: 20 }),
      req({ auditId: '3', verb: 'watch', stage: 'ResponseStarted', received: 30, time: 31 }),
      req({ auditId: '4', verb: 'watch', user: 'other', stage: 'ResponseStarted', received: 0, time: 1 }),
    ];
    expect(auditWatchPeak(watches, 'hookrunner-admin', 5, 100, 200)).toBe(2);
    expect(auditWatchPeak(watches, 'hookrunner-admin', 25, 100, 200)).toBe(2);
    expect(auditWatchPeak(watches, 'hookrunner-admin', 200, 300, 150)).toBe(0);
  });

  it('should sum the open WATCH requests of /metrics', () => {
    const text = ['# TYPE apiserver_longrunning_requests gauge', 'apiserver_longrunning_requests{component="apiserver",resource="pods",verb="WATCH"} 3', 'apiserver_longrunning_requests{component="apiserver",resource="pods",subresource="log",verb="GET"} 1', 'apiserver_longrunning_requests{component="apiserver",resource="jobs",verb="WATCH"} 2'].join('\n');
    expect(openWatchesFromMetrics(text)).toBe(5);
  });
});
