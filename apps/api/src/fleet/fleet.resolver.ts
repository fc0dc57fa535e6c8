import { Args, Query, Resolver } from '@nestjs/graphql';
import { Serves } from '../operations/serves.decorator.js';
import { FleetImagesArgs } from './dto/fleet-images.args.js';
import { HostsArgs } from './dto/hosts.args.js';
import { findImageEverywhere, inspectHost, listFleetImages, listHosts } from './fleet.operations.js';
import { FleetService } from './fleet.service.js';
import { toFleetImage, toHost, toHostImage } from './host.mapper.js';
import { FleetImageConnection } from './models/fleet-image.model.js';
import { HostImage } from './models/host-image.model.js';
import { Host } from './models/host.model.js';

@Resolver(() => Host)
export class FleetResolver {
  constructor(private readonly fleet: FleetService) {}

  @Query(() => [Host], { description: listHosts.description })
  @Serves(listHosts)
  hosts(@Args() args: HostsArgs): Host[] {
    return this.fleet.list({ ...args.filter, first: args.first }).map(toHost);
  }

  @Query(() => Host, { nullable: true, description: 'One host of the fleet by name; null when none has it.' })
  @Serves(inspectHost)
  host(@Args('name') name: string): Host | null {
    const view = this.fleet.get(name);
    return view && toHost(view);
  }

  @Query(() => [HostImage], { description: findImageEverywhere.description })
  @Serves(findImageEverywhere)
  imageEverywhere(@Args('ref') ref: string): HostImage[] {
    return this.fleet.imageEverywhere(ref).map(toHostImage);
  }

  @Query(() => FleetImageConnection, { description: listFleetImages.description })
  @Serves(listFleetImages)
  fleetImages(@Args() args: FleetImagesArgs): FleetImageConnection {
    const page = this.fleet.fleetImages({ ...args.filter, first: args.first, after: args.after });
    return {
      totalCount: page.totalCount,
      nodes: page.nodes.map(toFleetImage),
      pageInfo: { ...page.pageInfo },
    };
  }
}
