import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { ImageChangesService } from './image-changes.service.js';
import { PruneImagesArgs, RemoveImageArgs } from './dto/image-change.args.js';
import { PruneReport, RemovalReport } from './models/change-report.model.js';
import { toImage, toTag } from './models/image.mapper.js';
import { Tag } from './models/tag.model.js';
import { Serves } from '../operations/serves.decorator.js';
import { pruneImages, removeImage, tagImage, untagImage } from './image.operations.js';

/** Changes to the local image cache (their declarations: image.operations.ts). */
@Resolver()
export class ImageChangesResolver {
  constructor(private readonly changes: ImageChangesService) {}

  @Mutation(() => Tag, { description: tagImage.description })
  @Serves(tagImage)
  async tagImage(@Args('source') source: string, @Args('target') target: string): Promise<Tag> {
    const { tag, image } = await this.changes.tag(source, target);
    return toTag(tag, toImage(image));
  }

  @Mutation(() => RemovalReport, { description: untagImage.description })
  @Serves(untagImage)
  untagImage(@Args('ref') ref: string): Promise<RemovalReport> {
    return this.changes.untag(ref);
  }

  @Mutation(() => RemovalReport, { description: removeImage.description })
  @Serves(removeImage)
  removeImage(@Args() args: RemoveImageArgs): Promise<RemovalReport> {
    return this.changes.remove(args.ref, args);
  }

  @Mutation(() => PruneReport, { description: pruneImages.description })
  @Serves(pruneImages)
  pruneImages(@Args() args: PruneImagesArgs): Promise<PruneReport> {
    return this.changes.prune(args);
  }
}
