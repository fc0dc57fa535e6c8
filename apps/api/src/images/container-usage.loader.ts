import { Inject, Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import type { ContainerUsage } from './models/container-usage.model.js';

/**
 * Containers by image id, with their RW sizes, for one request: one daemon call however many
 * images of the answer ask (the catalogue keeps no sizes: they cost the daemon a walk of each
 * container's file system).
 */
@Injectable()
export class ContainerUsageLoader {
  private readonly loaders = new WeakMap<object, DataLoader<string, ContainerUsage[]>>();

  constructor(@Inject(DOCKER_ENGINE) private readonly engine: DockerEngine) {}

  of(request: object): DataLoader<string, ContainerUsage[]> {
    let loader = this.loaders.get(request);
    if (!loader) this.loaders.set(request, (loader = this.newLoader()));
    return loader;
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
