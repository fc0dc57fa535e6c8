import { Args, Context, ID, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { CatalogueSnapshot } from '#libs/catalogue';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import { HostArg } from '../fleet/host.arg.js';
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
    private readonly hosts: HostCatalogues,
    private readonly containerUsage: ContainerUsageLoader,
    private readonly updates: ImageUpdatesService,
  ) {}

  @Query(() => ImageConnection, { description: listImages.description })
  @Serves(listImages)
  async images(
    @Args() args: ImagesArgs,
    @Context() context: GraphQLContext,
    @HostArg() host?: string | null,
  ): Promise<ImageConnection> {
    const { all, ...filter } = args.filter ?? {};
    const { name, snapshot } = await this.snapshotOf(context, host);
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
    return {
      totalCount: page.totalCount,
      nodes: page.nodes.map((record) => toImage(record, name)),
      pageInfo: { ...page.pageInfo },
    };
  }

  @Query(() => Image, { nullable: true, description: inspectImage.description })
  @Serves(inspectImage)
  async image(
    @Args('ref') ref: string,
    @Context() context: GraphQLContext,
    @HostArg() host?: string | null,
  ): Promise<Image | null> {
    const { name, snapshot } = await this.snapshotOf(context, host);
    const record = snapshot.find(ref);
    return record ? toImage(record, name) : null;
  }

  @Query(() => [Tag], { description: listTags.description })
  @Serves(listTags)
  async tags(
    @Context() context: GraphQLContext,
    @Args('repository', { type: () => String, nullable: true }) repository?: string,
    @HostArg() host?: string | null,
  ): Promise<Tag[]> {
    const { name, snapshot } = await this.snapshotOf(context, host);
    const tagged = snapshot.tagsOf(repository ?? undefined);
    // Several tags usually name one image: shape each image once.
    const images = new Map<string, Image>();
    return tagged.map(({ tag, image }) => {
      let shaped = images.get(image.id);
      if (!shaped) images.set(image.id, (shaped = toImage(image, name)));
      return toTag(tag, shaped);
    });
  }

  @Query(() => LayerConnection, { description: listLayers.description })
  @Serves(listLayers)
  async layers(
    @Args() args: LayersArgs,
    @Context() context: GraphQLContext,
    @HostArg() host?: string | null,
  ): Promise<LayerConnection> {
    const { name, snapshot } = await this.snapshotOf(context, host);
    const page = snapshot.searchLayers(args);
    return {
      totalCount: page.totalCount,
      nodes: page.nodes.map((record) => toLayer(record, name)),
      pageInfo: { ...page.pageInfo },
    };
  }

  @Query(() => Layer, { nullable: true, description: inspectLayer.description })
  @Serves(inspectLayer)
  async layer(
    @Args('chainId', { type: () => ID }) chainId: string,
    @Context() context: GraphQLContext,
    @HostArg() host?: string | null,
  ): Promise<Layer | null> {
    const { name, snapshot } = await this.snapshotOf(context, host);
    const record = snapshot.layersByChainId.get(chainId);
    return record ? toLayer(record, name) : null;
  }

  @Query(() => DiskUsage, { description: diskUsage.description })
  @Serves(diskUsage)
  async diskUsage(@Context() context: GraphQLContext, @HostArg() host?: string | null): Promise<DiskUsage> {
    return { ...(await this.snapshotOf(context, host)).snapshot.diskUsage };
  }

  @ResolveField(() => [ContainerUsage])
  async containers(@Parent() image: Image, @Context() context: GraphQLContext): Promise<ContainerUsage[]> {
    return this.containerUsage.of(context.req ?? context, image.host).load(image.id);
  }

  /** The host a `host` argument names, and its snapshot: every field of one answer reads the same one. */
  private async snapshotOf(
    context: GraphQLContext,
    host: string | null | undefined,
  ): Promise<{ name: string; snapshot: CatalogueSnapshot }> {
    const name = this.hosts.resolve(host);
    return { name, snapshot: await this.hosts.catalogueOf(name).forRequest(context.req ?? context) };
  }
}
