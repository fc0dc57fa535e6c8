import { Injectable } from '@nestjs/common';
import type { HostStatus } from '#libs/fleet';
import { parseImageLookup } from '#libs/reference';
import { HostCatalogues } from './host-catalogues.js';
import { hasLabels, hostView, type HostImageView, type HostView } from './fleet-views.js';

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
