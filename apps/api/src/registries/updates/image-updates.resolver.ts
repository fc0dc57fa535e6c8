import { type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Args, Context, Mutation, Parent, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { PubSub } from 'graphql-subscriptions';
import type { Principal } from '#libs/auth';
import { LiveCatalogue } from '#libs/catalogue';
import { callerOf, CurrentPrincipal } from '../../auth/current-principal.decorator.js';
import { HostCatalogues } from '../../fleet/host-catalogues.js';
import { Image } from '../../images/models/image.model.js';
import { toImage } from '../../images/models/image.mapper.js';
import { toJob } from '../../jobs/models/job.mapper.js';
import { Serves } from '../../operations/serves.decorator.js';
import { checkImageUpdates, imageUpdates } from '../registry.operations.js';
import { ImageUpdate, ImageUpdateEvent, UpdateCheck } from './image-update.model.js';
import { imageUpdateOf, updateView } from './image-updates.js';
import { ImageUpdatesService } from './image-updates.service.js';

const IMAGE_UPDATES = 'imageUpdates';
type GraphQLContext = { req?: object };

@Resolver(() => Image)
export class ImageUpdatesResolver implements OnModuleInit, OnModuleDestroy {
  private readonly pubSub = new PubSub<{ [IMAGE_UPDATES]: { imageUpdates: ImageUpdateEvent } }>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly updates: ImageUpdatesService,
    private readonly catalogue: LiveCatalogue,
    private readonly hosts: HostCatalogues,
  ) {}

  onModuleInit(): void {
    // The findings are those of the api's own host: an api with no Docker socket has none to tell.
    const host = this.hosts.localHost;
    if (!host) return;
    // Every api process hears every worker's findings (Redis pub/sub), and publishes those whose image it knows.
    this.unsubscribe = this.updates.onChange((finding) => {
      void this.catalogue
        .current()
        .then((snapshot) => {
          const image = snapshot.imagesById.get(finding.imageId);
          if (image)
            void this.pubSub.publish(IMAGE_UPDATES, {
              imageUpdates: { image: toImage(image, host), update: updateView(finding) },
            });
        })
        // The daemon away: this finding is not told (the next check's is).
        .catch(() => undefined);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  @ResolveField(() => ImageUpdate, {
    nullable: true,
    description: 'Null until a check has run for this image.',
  })
  async update(@Parent() image: Image, @Context() context: GraphQLContext): Promise<ImageUpdate | null> {
    const findings = await this.updates.findingsFor(context.req ?? context);
    return imageUpdateOf(image, findings);
  }

  @Mutation(() => UpdateCheck, { description: checkImageUpdates.description })
  @Serves(checkImageUpdates)
  async checkImageUpdates(
    @CurrentPrincipal() caller: Principal,
    @Args('ref', { type: () => String, nullable: true }) ref?: string | null,
  ): Promise<UpdateCheck> {
    const { queued, job } = await this.updates.check(ref ?? undefined, callerOf(caller));
    return { queued, job: toJob(job) };
  }

  @Subscription(() => ImageUpdateEvent, { description: imageUpdates.description })
  @Serves(imageUpdates)
  imageUpdates() {
    return this.pubSub.asyncIterableIterator(IMAGE_UPDATES);
  }
}
