import { Args, Query, Resolver } from '@nestjs/graphql';
import { Serves } from '../operations/serves.decorator.js';
import { HostsArgs } from './dto/hosts.args.js';
import { findImageEverywhere, inspectHost, listHosts } from './fleet.operations.js';
import { FleetService } from './fleet.service.js';
import { toHost, toHostImage } from './host.mapper.js';
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
}
