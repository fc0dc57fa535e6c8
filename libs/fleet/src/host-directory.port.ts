import type { HostRecord, HostRegistration } from './host-record.js';

/** Nest injection token of the HostDirectory. */
export const HOST_DIRECTORY = Symbol('HostDirectory');

/** Where agents say they are there, and where the api learns which hosts exist. */
export interface HostDirectory {
  /** An agent's start: its host's registration, which also counts as a heartbeat. */
  register(host: HostRegistration, beat: { engineReachable: boolean; at: Date }): Promise<void>;
  /** An agent's periodic sign of life; false when the host was never registered. */
  heartbeat(name: string, beat: { engineReachable: boolean; at: Date }): Promise<boolean>;
  get(name: string): Promise<HostRecord | null>;
  /** Every registered host, by name. */
  list(): Promise<HostRecord[]>;
  close(): Promise<void>;
}
