import { Injectable } from '@nestjs/common';
import { imageFilterPredicate, type ImageRecord } from '#libs/catalogue';
import type { HostStatus } from '#libs/fleet';
import { paginate, type Page } from '#libs/pagination';
import { parseImageLookup } from '#libs/reference';
import { HostCatalogues } from './host-catalogues.js';
import {
  hasLabels,
  hostView,
  type FleetImageView,
  type HostImageView,
  type HostView,
} from './fleet-views.js';

export interface FleetImageQuery {
  /** Glob over familiar references, as `images(filter: { reference })` takes it. */
  readonly reference?: string | null;
  /** Only hosts carrying all these labels (`key` or `key=value`). */
  readonly hostLabels?: readonly string[] | null;
  readonly first: number;
  readonly after?: string | null;
}

export interface HostQuery {
  readonly labels?: readonly string[];
  readonly status?: HostStatus;
  readonly first?: number;
}

/** The fleet as the api holds it in memory: hosts, their status, and an image across them. */
@Injectable()
export class FleetService {
  constructor(private readonly hosts: HostCatalogues) {}

  list(query: HostQuery = {}): HostView[] {
    const now = new Date();
    const views: HostView[] = [];
    const first = query.first ?? Infinity;
    for (const name of this.hosts.names()) {
      if (views.length >= first) break;
      const view = this.viewOf(name, now);
      if (query.status && view.status !== query.status) continue;
      if (query.labels && !hasLabels(view.labels, query.labels)) continue;
      views.push(view);
    }
    return views;
  }

  get(name: string): HostView | null {
    return this.hosts.names().includes(name) ? this.viewOf(name, new Date()) : null;
  }

  /** The hosts holding an image `docker image inspect` would find by `ref`, with the image there. */
  imageEverywhere(ref: string): HostImageView[] {
    const now = new Date();
    const lookup = parseImageLookup(ref);
    const found: HostImageView[] = [];
    for (const name of this.hosts.names()) {
      const image = this.hosts.catalogueOf(name).latest()?.find(lookup);
      if (image) found.push({ host: this.viewOf(name, now), image });
    }
    return found;
  }

  /**
   * The images of every host (of those with `hostLabels`), the same image across hosts as one
   * entry: by id, in id order, each with every host that holds it.
   */
  fleetImages(query: FleetImageQuery): Page<FleetImageView> {
    const now = new Date();
    const matches = query.reference ? imageFilterPredicate({ reference: query.reference }) : () => true;
    const byId = new Map<string, HostImageView[]>();
    for (const name of this.hosts.names()) {
      const host = this.viewOf(name, now);
      if (query.hostLabels?.length && !hasLabels(host.labels, query.hostLabels)) continue;
      for (const image of this.hosts.catalogueOf(name).latest()?.listed(false) ?? []) {
        if (!matches(image)) continue;
        const held = byId.get(image.id);
        if (held) held.push({ host, image });
        else byId.set(image.id, [{ host, image }]);
      }
    }
    const grouped = [...byId.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([id, hosts]) => fleetImageOf(id, hosts));
    return paginate(grouped, {
      first: query.first,
      after: query.after,
      keyOf: (image) => image.id,
      compareKeyToItem: (key, image) => (key < image.id ? -1 : key > image.id ? 1 : 0),
    });
  }

  private viewOf(name: string, now: Date): HostView {
    const record = this.hosts.roster.get(name);
    const snapshot = this.hosts.catalogueOf(name).latest();
    // This process's own host before its record is read back from Redis: judged by its catalogue.
    const status: HostStatus = record
      ? this.hosts.roster.status(record, now)
      : snapshot
        ? 'ONLINE'
        : 'OFFLINE';
    return hostView(name, record, status, snapshot);
  }
}

function fleetImageOf(id: string, hosts: HostImageView[]): FleetImageView {
  const union = (pick: (image: ImageRecord) => readonly string[]) =>
    [...new Set(hosts.flatMap(({ image }) => pick(image)))].sort();
  return {
    id,
    repoTags: union((image) => image.repoTags),
    repoDigests: union((image) => image.repoDigests),
    size: hosts[0]!.image.size,
    hosts,
  };
}
