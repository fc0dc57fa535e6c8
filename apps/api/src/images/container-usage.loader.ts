import { Inject, Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import type { ContainerUsage } from './models/container-usage.model.js';

/**
 * Containers by image id, with their RW sizes, for one request: one daemon call however many
 * images of the answer ask (the catalogue keeps no sizes: they cost the daemon a walk of each
 * container's file system). Another host's containers come from its catalogue, without sizes.
 */
@Injectable()
export class ContainerUsageLoader {
  private readonly loaders = new WeakMap<object, Map<string, DataLoader<string, ContainerUsage[]>>>();

  constructor(
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
    private readonly hosts: HostCatalogues,
  ) {}

  of(request: object, host: string): DataLoader<string, ContainerUsage[]> {
    let byHost = this.loaders.get(request);
    if (!byHost) this.loaders.set(request, (byHost = new Map()));
    let loader = byHost.get(host);
    if (!loader) {
      loader = host === this.hosts.localHost ? this.newLoader() : this.catalogueLoader(request, host);
      byHost.set(host, loader);
    }
    return loader;
  }

  private catalogueLoader(request: object, host: string): DataLoader<string, ContainerUsage[]> {
    return new DataLoader(async (imageIds: readonly string[]) => {
      const snapshot = await this.hosts.catalogueOf(host).forRequest(request);
      return imageIds.map((imageId) =>
        (snapshot.imagesById.get(imageId)?.containers ?? []).map((container) => ({
          id: container.id,
          name: container.name,
          state: container.state,
          sizeRw: null,
        })),
      );
    });
  }

  private newLoader(): DataLoader<string, ContainerUsage[]> {
    return new DataLoader(async (imageIds: readonly string[]) => {
      const containers = await this.engine.listContainers({ sizes: true });
      return imageIds.map((imageId) =>
        containers
          .filter((container) => container.imageId === imageId)
          .map((container) => ({
            id: container.id,
            name: container.name,
            state: container.state,
            sizeRw: container.sizeRw ?? null,
          })),
      );
    });
  }
}
