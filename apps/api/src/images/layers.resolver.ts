import { Context, Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import { toImage } from './models/image.mapper.js';
import { Image } from './models/image.model.js';
import { Layer } from './models/layer.model.js';

type GraphQLContext = { req?: object };

/** A layer's holders come from the request's snapshot, whichever image or query reached the layer. */
@Resolver(() => Layer)
export class LayersResolver {
  constructor(private readonly hosts: HostCatalogues) {}

  @ResolveField(() => [Image])
  async images(@Parent() layer: Layer, @Context() context: GraphQLContext): Promise<Image[]> {
    const snapshot = await this.hosts.catalogueOf(layer.host).forRequest(context.req ?? context);
    const holders = snapshot.layersByChainId.get(layer.chainId)?.imageIds ?? [];
    return holders.flatMap((id) => {
      const record = snapshot.imagesById.get(id);
      return record ? [toImage(record, layer.host)] : [];
    });
  }

  @ResolveField(() => Int)
  async sharedBy(@Parent() layer: Layer, @Context() context: GraphQLContext): Promise<number> {
    if (layer.sharedBy !== undefined) return layer.sharedBy;
    const snapshot = await this.hosts.catalogueOf(layer.host).forRequest(context.req ?? context);
    return snapshot.layersByChainId.get(layer.chainId)?.imageIds.length ?? 0;
  }
}
