import type { CatalogueSnapshot, ImageRecord } from '#libs/catalogue';
import type { HostRecord, HostStatus } from '#libs/fleet';

/** A host as every transport shows it. */
export interface HostView {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly status: HostStatus;
  readonly lastSeen: Date | null;
  readonly engine: {
    readonly version: string;
    readonly apiVersion: string;
    readonly os: string;
    readonly architecture: string;
    readonly cpus: number | null;
    readonly memory: number | null;
  } | null;
  readonly imageCount: number;
  readonly diskUsage: CatalogueSnapshot['diskUsage'] | null;
  readonly stale: boolean;
  readonly asOf: Date | null;
}

export interface HostImageView {
  readonly host: HostView;
  readonly image: ImageRecord;
}

/** One image (one id) across the hosts that hold it. */
export interface FleetImageView {
  readonly id: string;
  /** Every reference any of the hosts gives it. */
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly size: number;
  readonly hosts: readonly HostImageView[];
}

export function hostView(
  name: string,
  record: HostRecord | null,
  status: HostStatus,
  snapshot: CatalogueSnapshot | null,
): HostView {
  const engine = record?.engine ?? null;
  return {
    name,
    labels: record?.labels ?? {},
    status,
    lastSeen: record?.lastHeartbeatAt ?? null,
    engine: engine && {
      version: engine.version,
      apiVersion: engine.apiVersion,
      os: engine.os,
      architecture: engine.architecture,
      cpus: engine.cpus,
      memory: engine.memoryBytes,
    },
    imageCount: snapshot?.diskUsage.imagesCount ?? 0,
    diskUsage: snapshot?.diskUsage ?? null,
    stale: status !== 'ONLINE',
    asOf: snapshot?.takenAt ?? null,
  };
}

/** Docker's label filter: `key` (present) or `key=value` (equal). */
export function hasLabels(labels: Readonly<Record<string, string>>, wanted: readonly string[]): boolean {
  return wanted.every((filter) => {
    const at = filter.indexOf('=');
    if (at < 0) return Object.hasOwn(labels, filter);
    return labels[filter.slice(0, at)] === filter.slice(at + 1);
  });
}
