import { toImage } from '../images/models/image.mapper.js';
import type { FleetImageView, HostImageView, HostView } from './fleet-views.js';
import type { FleetImage } from './models/fleet-image.model.js';
import type { HostImage } from './models/host-image.model.js';
import { HOST_STATUSES, type Host } from './models/host.model.js';

export function toHost(view: HostView): Host {
  return {
    ...view,
    labels: { ...view.labels },
    status: HOST_STATUSES[view.status],
    engine: view.engine && { ...view.engine },
    diskUsage: view.diskUsage && { ...view.diskUsage },
  };
}

export function toHostImage(view: HostImageView): HostImage {
  return { host: toHost(view.host), image: toImage(view.image, view.host.name) };
}

export function toFleetImage(view: FleetImageView): FleetImage {
  return {
    id: view.id,
    repoTags: [...view.repoTags],
    repoDigests: [...view.repoDigests],
    size: view.size,
    hostCount: view.hosts.length,
    hosts: view.hosts.map(toHostImage),
  };
}
