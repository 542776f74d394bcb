/** The Node this agent registers, its status heartbeat and its Lease in `kube-node-lease`. */
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import type { KubeObject } from '../manifests/index.js';
import { nowRfc3339 } from '../util/time.js';

export interface NodeFacts {
  nodeName: string;
  /** The kubelet endpoint's HTTPS port (the API server fetches logs there). */
  kubeletPort: number;
  /** The API server's version, reported as the kubelet version (they are released together). */
  version: string;
  /** Pods the node accepts. */
  maxPods: number;
}

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };

export function nodeStatus(facts: NodeFacts, now: string = nowRfc3339()): Record<string, unknown> {
  const resources = { cpu: String(cpus().length), memory: `${Math.floor(totalmem() / 1024)}Ki`, pods: String(facts.maxPods), 'ephemeral-storage': '100Gi' };
  const condition = (type: string, status: string, reason: string, message: string) => ({ type, status, reason, message, lastHeartbeatTime: now, lastTransitionTime: now });
  return {
    capacity: resources,
    allocatable: resources,
    conditions: [
      condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'node agent has sufficient memory available'),
      condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'node agent has no disk pressure'),
      condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'node agent has sufficient PID available'),
      condition('Ready', 'True', 'KubeletReady', 'hookrunner node agent is posting ready status'),
    ],
    addresses: [
      { type: 'InternalIP', address: '127.0.0.1' },
      { type: 'Hostname', address: facts.nodeName },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: facts.kubeletPort } },
    nodeInfo: {
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: release(),
      osImage: `hookrunner node agent on ${hostname()} (containers run as local processes)`,
      containerRuntimeVersion: 'hookrunner-process://0.1.0',
      kubeletVersion: facts.version,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: GO_ARCH[arch()] ?? arch(),
    },
  };
}

export function nodeObject(facts: NodeFacts): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: facts.nodeName,
      labels: { 'kubernetes.io/hostname': facts.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': GO_ARCH[arch()] ?? arch(), 'hookrunner.io/node-agent': 'true' },
    },
    spec: {},
    status: nodeStatus(facts),
  };
}

/** RFC 3339 with microseconds (`metav1.MicroTime`). */
export function microTime(date: Date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function leaseObject(nodeName: string, nodeUid: string | undefined, durationSeconds: number): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: 'kube-node-lease',
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: microTime() },
  };
}
