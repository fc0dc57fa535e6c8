import { Args, Query, Resolver } from '@nestjs/graphql';
import { ImageCatalogue } from '#libs/catalogue';
import { ImagesArgs } from './dto/images.args.js';
import { ImageConnection } from './models/image-connection.model.js';
import { toImage, toTag } from './models/image.mapper.js';
import { Image } from './models/image.model.js';
import { Tag } from './models/tag.model.js';

@Resolver(() => Image)
export class ImagesResolver {
  constructor(private readonly catalogue: ImageCatalogue) {}

  @Query(() => ImageConnection, {
    description:
      'Local images of the Docker host, like `docker image ls` (with `all: true`, like `docker image ls -a`).',
  })
  async images(@Args() args: ImagesArgs): Promise<ImageConnection> {
    const { all, ...filter } = args.filter ?? {};
    const page = await this.catalogue.search({ filter, all, first: args.first, after: args.after });
    return { totalCount: page.totalCount, nodes: page.nodes.map(toImage), pageInfo: { ...page.pageInfo } };
  }

  @Query(() => Image, {
    nullable: true,
    description:
      'One image by anything `docker image inspect` accepts: name[:tag], name@digest, full id, or a unique id prefix. Null when absent.',
  })
  async image(@Args('ref') ref: string): Promise<Image | null> {
    const record = await this.catalogue.find(ref);
    return record ? toImage(record) : null;
  }

  @Query(() => [Tag], {
    description: 'Local tags, optionally of one repository (familiar or normalised name).',
  })
  async tags(
    @Args('repository', { type: () => String, nullable: true }) repository?: string,
  ): Promise<Tag[]> {
    const tagged = await this.catalogue.tags(repository ?? undefined);
    // Several tags usually name one image: shape each image once.
    const images = new Map<string, Image>();
    return tagged.map(({ tag, image }) => {
      let shaped = images.get(image.id);
      if (!shaped) images.set(image.id, (shaped = toImage(image)));
      return toTag(tag, shaped);
    });
  }
}
