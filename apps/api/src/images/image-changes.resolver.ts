import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { ImageChangesService } from './image-changes.service.js';
import { PruneImagesArgs, RemoveImageArgs } from './dto/image-change.args.js';
import { PruneReport, RemovalReport } from './models/change-report.model.js';
import { toImage, toTag } from './models/image.mapper.js';
import { Tag } from './models/tag.model.js';

/** Changes to the local image cache; every one needs the write role (mutations default to it). */
@Resolver()
export class ImageChangesResolver {
  constructor(private readonly changes: ImageChangesService) {}

  @Mutation(() => Tag, {
    description:
      '`docker image tag SOURCE TARGET`: adds a name to an image (renames it when the old tag is then removed).',
  })
  async tagImage(@Args('source') source: string, @Args('target') target: string): Promise<Tag> {
    const { tag, image } = await this.changes.tag(source, target);
    return toTag(tag, toImage(image));
  }

  @Mutation(() => RemovalReport, {
    description: 'Removes one tag; the image stays while other tags or containers hold it.',
  })
  untagImage(@Args('ref') ref: string): Promise<RemovalReport> {
    return this.changes.untag(ref);
  }

  @Mutation(() => RemovalReport, {
    description:
      '`docker image rm`. Without force an image used by a container, or one with several tags given by id, is refused with IMAGE_IN_USE / IMAGE_HAS_MULTIPLE_TAGS. removeContainers first removes the stopped containers that use it.',
  })
  removeImage(@Args() args: RemoveImageArgs): Promise<RemovalReport> {
    return this.changes.remove(args.ref, args);
  }

  @Mutation(() => PruneReport, {
    description:
      '`docker image prune`: dangling images only, or every image without a container when all is true. dryRun reports what would go and the space it would free, deleting nothing.',
  })
  pruneImages(@Args() args: PruneImagesArgs): Promise<PruneReport> {
    return this.changes.prune(args);
  }
}
