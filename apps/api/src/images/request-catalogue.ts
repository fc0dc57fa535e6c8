import { Inject, Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { LiveCatalogue, type CatalogueSnapshot } from '#libs/catalogue';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import type { ContainerUsage } from './models/container-usage.model.js';

/** What one GraphQL request reads: one catalogue snapshot, and container sizes fetched at most once. */
export interface RequestView {
  readonly snapshot: Promise<CatalogueSnapshot>;
  /** Containers by image id, with RW sizes: one daemon call for however many images ask. */
  readonly containersByImage: DataLoader<string, ContainerUsage[]>;
}

/**
 * Gives each request its own view, keyed by the request object, so every field of one answer
 * agrees with the others and no field calls the daemon once per image.
 */
@Injectable()
export class RequestCatalogue {
  private readonly views = new WeakMap<object, RequestView>();

  constructor(
    private readonly live: LiveCatalogue,
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
  ) {}

  of(context: { req?: object }): RequestView {
    const key = context.req ?? context;
    let view = this.views.get(key);
    if (!view) {
      view = { snapshot: this.live.current(), containersByImage: this.containerLoader() };
      // An unread rejected snapshot must not become an unhandled rejection.
      view.snapshot.catch(() => undefined);
      this.views.set(key, view);
    }
    return view;
  }

  private containerLoader(): DataLoader<string, ContainerUsage[]> {
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
