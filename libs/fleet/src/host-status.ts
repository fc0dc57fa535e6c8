import type { HostRecord } from './host-record.js';

export type HostStatus = 'ONLINE' | 'DEGRADED' | 'OFFLINE';

export interface HostStatusPolicy {
  /** An agent not heard from for longer is away: its host is OFFLINE. */
  readonly offlineAfterMs: number;
}

/**
 * ONLINE: the agent heartbeats and reaches its daemon. DEGRADED: the agent heartbeats but its
 * daemon does not answer it. OFFLINE: no heartbeat within `offlineAfterMs`, whatever the last one
 * said (the catalogue then shown is the last the agent published).
 */
export function hostStatus(
  host: Pick<HostRecord, 'lastHeartbeatAt' | 'engineReachable'>,
  now: Date,
  policy: HostStatusPolicy,
): HostStatus {
  if (now.getTime() - host.lastHeartbeatAt.getTime() > policy.offlineAfterMs) return 'OFFLINE';
  return host.engineReachable ? 'ONLINE' : 'DEGRADED';
}
