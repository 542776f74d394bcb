/** The node agent: a kubelet for a real API server whose containers are local processes. */
export { startNodeAgent } from './node-agent.js';
export type { NodeAgent, NodeAgentOptions } from './node-agent.js';
