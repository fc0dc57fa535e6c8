import { Args, Mutation, Resolver } from '@nestjs/graphql';
import type { Principal } from '#libs/auth';
import { callerOf, CurrentPrincipal } from '../auth/current-principal.decorator.js';
import { toJob } from '../jobs/models/job.mapper.js';
import { HostArg } from '../fleet/host.arg.js';
import { HostImageChanges } from './host-image-changes.js';
import { PruneImagesArgs, RemoveImageArgs } from './dto/image-change.args.js';
import { PruneReport, RemovalReport } from './models/change-report.model.js';
import { toImage, toTag } from './models/image.mapper.js';
import { Tag } from './models/tag.model.js';
import { Serves } from '../operations/serves.decorator.js';
import { pruneImages, removeImage, tagImage, untagImage } from './image.operations.js';

/** Changes to the local image cache (their declarations: image.operations.ts). */
@Resolver()
export class ImageChangesResolver {
  constructor(private readonly changes: HostImageChanges) {}

  @Mutation(() => Tag, { description: tagImage.description })
  @Serves(tagImage)
  async tagImage(
    @Args('source') source: string,
    @Args('target') target: string,
    @HostArg() host?: string | null,
  ): Promise<Tag> {
    const tagged = await this.changes.tag(host, source, target);
    return toTag(tagged.tag, toImage(tagged.image, tagged.host));
  }

  @Mutation(() => RemovalReport, { description: untagImage.description })
  @Serves(untagImage)
  untagImage(@Args('ref') ref: string, @HostArg() host?: string | null): Promise<RemovalReport> {
    return this.changes.untag(host, ref);
  }

  @Mutation(() => RemovalReport, { description: removeImage.description })
  @Serves(removeImage)
  async removeImage(
    @Args() args: RemoveImageArgs,
    @CurrentPrincipal() caller: Principal,
    @HostArg() host?: string | null,
  ): Promise<RemovalReport> {
    const { job, ...report } = await this.changes.remove(host, args.ref, args, callerOf(caller));
    return { ...report, job: job ? toJob(job) : null };
  }

  @Mutation(() => PruneReport, { description: pruneImages.description })
  @Serves(pruneImages)
  pruneImages(@Args() args: PruneImagesArgs, @HostArg() host?: string | null): Promise<PruneReport> {
    return this.changes.prune(host, args);
  }
}
