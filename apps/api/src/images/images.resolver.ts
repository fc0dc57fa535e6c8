import { Args, Context, ID, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { LiveCatalogue, type CatalogueSnapshot } from '#libs/catalogue';
import { ImagesArgs } from './dto/images.args.js';
import { LayersArgs } from './dto/layers.args.js';
import { ContainerUsage } from './models/container-usage.model.js';
import { DiskUsage } from './models/disk-usage.model.js';
import { ImageConnection } from './models/image-connection.model.js';
import { toImage, toLayer, toTag } from './models/image.mapper.js';
import { Image } from './models/image.model.js';
import { LayerConnection } from './models/layer-connection.model.js';
import { Layer } from './models/layer.model.js';
import { Tag } from './models/tag.model.js';
import { Serves } from '../operations/serves.decorator.js';
import {
  diskUsage,
  inspectImage,
  inspectLayer,
  listImages,
  listLayers,
  listTags,
} from './image.operations.js';
import { ContainerUsageLoader } from './container-usage.loader.js';
import { imagesWithUpdates as imagesWithUpdatesOf } from '../registries/updates/image-updates.js';
import { ImageUpdatesService } from '../registries/updates/image-updates.service.js';

type GraphQLContext = { req?: object };

@Resolver(() => Image)
export class ImagesResolver {
  constructor(
    private readonly catalogue: LiveCatalogue,
    private readonly containerUsage: ContainerUsageLoader,
    private readonly updates: ImageUpdatesService,
  ) {}

  @Query(() => ImageConnection, { description: listImages.description })
  @Serves(listImages)
  async images(@Args() args: ImagesArgs, @Context() context: GraphQLContext): Promise<ImageConnection> {
    const { all, ...filter } = args.filter ?? {};
    const snapshot = await this.snapshotOf(context);
    const imagesWithUpdates =
      filter.updateAvailable === undefined
        ? undefined
        : imagesWithUpdatesOf(snapshot.images, await this.updates.findingsFor(context.req ?? context));
    const page = snapshot.search({
      filter: { ...filter, imagesWithUpdates },
      all,
      orderBy: args.orderBy,
      first: args.first,
      after: args.after,
    });
    return { totalCount: page.totalCount, nodes: page.nodes.map(toImage), pageInfo: { ...page.pageInfo } };
  }

  @Query(() => Image, { nullable: true, description: inspectImage.description })
  @Serves(inspectImage)
  async image(@Args('ref') ref: string, @Context() context: GraphQLContext): Promise<Image | null> {
    const record = (await this.snapshotOf(context)).find(ref);
    return record ? toImage(record) : null;
  }

  @Query(() => [Tag], { description: listTags.description })
  @Serves(listTags)
  async tags(
    @Context() context: GraphQLContext,
    @Args('repository', { type: () => String, nullable: true }) repository?: string,
  ): Promise<Tag[]> {
    const tagged = (await this.snapshotOf(context)).tagsOf(repository ?? undefined);
    // Several tags usually name one image: shape each image once.
    const images = new Map<string, Image>();
    return tagged.map(({ tag, image }) => {
      let shaped = images.get(image.id);
      if (!shaped) images.set(image.id, (shaped = toImage(image)));
      return toTag(tag, shaped);
    });
  }

  @Query(() => LayerConnection, { description: listLayers.description })
  @Serves(listLayers)
  async layers(@Args() args: LayersArgs, @Context() context: GraphQLContext): Promise<LayerConnection> {
    const page = (await this.snapshotOf(context)).searchLayers(args);
    return { totalCount: page.totalCount, nodes: page.nodes.map(toLayer), pageInfo: { ...page.pageInfo } };
  }

  @Query(() => Layer, { nullable: true, description: inspectLayer.description })
  @Serves(inspectLayer)
  async layer(
    @Args('chainId', { type: () => ID }) chainId: string,
    @Context() context: GraphQLContext,
  ): Promise<Layer | null> {
    const record = (await this.snapshotOf(context)).layersByChainId.get(chainId);
    return record ? toLayer(record) : null;
  }

  @Query(() => DiskUsage, { description: diskUsage.description })
  @Serves(diskUsage)
  async diskUsage(@Context() context: GraphQLContext): Promise<DiskUsage> {
    return { ...(await this.snapshotOf(context)).diskUsage };
  }

  @ResolveField(() => [ContainerUsage])
  async containers(@Parent() image: Image, @Context() context: GraphQLContext): Promise<ContainerUsage[]> {
    return this.containerUsage.of(context.req ?? context).load(image.id);
  }

  /** Every field of one answer reads the same snapshot. */
  private snapshotOf(context: GraphQLContext): Promise<CatalogueSnapshot> {
    return this.catalogue.forRequest(context.req ?? context);
  }
}
