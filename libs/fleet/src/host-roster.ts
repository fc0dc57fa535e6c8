import type { HostDirectory } from './host-directory.port.js';
import type { HostRecord } from './host-record.js';
import { hostStatus, type HostStatus, type HostStatusPolicy } from './host-status.js';

/**
 * The api's copy of the host directory, refreshed with the catalogue replicas: host queries read
 * it from memory, and a host's status is judged at the moment it is read.
 */
export class HostRoster {
  private records = new Map<string, HostRecord>();

  constructor(
    private readonly directory: HostDirectory,
    private readonly policy: HostStatusPolicy,
  ) {}

  /** Reads the directory again; answers the registered names. */
  async refresh(): Promise<string[]> {
    const records = await this.directory.list();
    this.records = new Map(records.map((record) => [record.name, record]));
    return [...this.records.keys()];
  }

  get(name: string): HostRecord | null {
    return this.records.get(name) ?? null;
  }

  /** Every registered host, by name. */
  list(): HostRecord[] {
    return [...this.records.values()];
  }

  status(record: HostRecord, now = new Date()): HostStatus {
    return hostStatus(record, now, this.policy);
  }
}
