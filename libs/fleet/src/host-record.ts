import type { EngineDescription } from '#libs/docker';

/** What the engine of a host says of itself (`GET /version`, `GET /info`). */
export type EngineInfo = EngineDescription;

/** What an agent registers for its host; labels are `key=value` strings, as `docker --label` takes. */
export interface HostRegistration {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly engine: EngineInfo | null;
  readonly agentVersion: string;
}

/** A host as the directory keeps it: its registration and its last heartbeat. */
export interface HostRecord extends HostRegistration {
  readonly registeredAt: Date;
  readonly lastHeartbeatAt: Date;
  /** Whether the agent reached its daemon at the last heartbeat. */
  readonly engineReachable: boolean;
}
