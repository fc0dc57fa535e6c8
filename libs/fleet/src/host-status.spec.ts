import { hostStatus } from './host-status.js';

describe('hostStatus', () => {
  const now = new Date('2026-12-02T10:00:00Z');
  const policy = { offlineAfterMs: 30_000 };
  const beat = (secondsAgo: number, engineReachable: boolean) => ({
    lastHeartbeatAt: new Date(now.getTime() - secondsAgo * 1000),
    engineReachable,
  });

  it('is ONLINE while the agent heartbeats and reaches its daemon', () => {
    expect(hostStatus(beat(5, true), now, policy)).toBe('ONLINE');
    expect(hostStatus(beat(30, true), now, policy)).toBe('ONLINE');
  });

  it('is DEGRADED while the agent heartbeats without reaching its daemon', () => {
    expect(hostStatus(beat(5, false), now, policy)).toBe('DEGRADED');
  });

  it('is OFFLINE once the agent is silent past the deadline, whatever its last heartbeat said', () => {
    expect(hostStatus(beat(31, true), now, policy)).toBe('OFFLINE');
    expect(hostStatus(beat(31, false), now, policy)).toBe('OFFLINE');
  });
});
