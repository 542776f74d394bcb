/** Command lines of etcd, kube-apiserver, kube-controller-manager and kube-scheduler, all on loopback. */
import { join } from 'node:path';
import type { Binaries } from './binaries.js';
import type { Pki } from './pki.js';

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiServer: number;
}

export interface Layout {
  workDir: string;
  pki: Pki;
  ports: Ports;
  /** Service ClusterIP range. */
  serviceCidr: string;
  kubeconfigs: { controllerManager: string; scheduler: string };
  /** The API server's audit policy and log, when auditing is on. */
  audit?: { policyFile: string; logFile: string };
}

export function etcdArgs(bin: Binaries, l: Layout): string[] {
  const client = `http://127.0.0.1:${l.ports.etcdClient}`;
  const peer = `http://127.0.0.1:${l.ports.etcdPeer}`;
  return [
    bin.etcd,
    '--name=hookrunner',
    `--data-dir=${join(l.workDir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=hookrunner=${peer}`,
    '--initial-cluster-state=new',
    // A throwaway store: no fsync (as envtest runs it); the data folder is removed on stop.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ];
}

export function apiServerArgs(bin: Binaries, l: Layout): string[] {
  const { pki } = l;
  return [
    bin['kube-apiserver'],
    `--etcd-servers=http://127.0.0.1:${l.ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${l.ports.apiServer}`,
    `--cert-dir=${join(l.workDir, 'apiserver-certs')}`,
    `--tls-cert-file=${pki.apiServer.cert}`,
    `--tls-private-key-file=${pki.apiServer.key}`,
    `--client-ca-file=${pki.ca.cert}`,
    `--service-cluster-ip-range=${l.serviceCidr}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction',
    '--allow-privileged=true',
    `--kubelet-client-certificate=${pki.kubeletClient.cert}`,
    `--kubelet-client-key=${pki.kubeletClient.key}`,
    `--kubelet-certificate-authority=${pki.ca.cert}`,
    '--kubelet-preferred-address-types=InternalIP,Hostname',
    ...(l.audit ? [`--audit-policy-file=${l.audit.policyFile}`, `--audit-log-path=${l.audit.logFile}`, '--audit-log-format=json', '--audit-log-maxsize=200', '--audit-log-mode=blocking'] : []),
    '--v=0',
  ];
}

export function controllerManagerArgs(bin: Binaries, l: Layout): string[] {
  return [
    bin['kube-controller-manager'],
    `--kubeconfig=${l.kubeconfigs.controllerManager}`,
    `--authentication-kubeconfig=${l.kubeconfigs.controllerManager}`,
    `--authorization-kubeconfig=${l.kubeconfigs.controllerManager}`,
    '--secure-port=0',
    '--leader-elect=false',
    '--controllers=*',
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${l.pki.serviceAccountKey}`,
    `--root-ca-file=${l.pki.ca.cert}`,
    `--cluster-signing-cert-file=${l.pki.ca.cert}`,
    `--cluster-signing-key-file=${l.pki.ca.key}`,
    `--service-cluster-ip-range=${l.serviceCidr}`,
    '--v=0',
  ];
}

export function schedulerArgs(bin: Binaries, l: Layout): string[] {
  return [
    bin['kube-scheduler'],
    `--kubeconfig=${l.kubeconfigs.scheduler}`,
    `--authentication-kubeconfig=${l.kubeconfigs.scheduler}`,
    `--authorization-kubeconfig=${l.kubeconfigs.scheduler}`,
    '--secure-port=0',
    '--leader-elect=false',
    '--v=0',
  ];
}
