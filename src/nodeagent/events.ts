/** Core v1 Events the node agent records (as a kubelet does: `Started`). */
import type { ClusterClient } from '../cluster/types.js';
import { eventObject } from '../podruntime/events.js';
import type { EventSpec } from '../podruntime/events.js';

export async function recordEvent(client: ClusterClient, spec: EventSpec): Promise<void> {
  await client.create(eventObject(spec));
}
