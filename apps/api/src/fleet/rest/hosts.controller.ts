import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Serves } from '../../operations/serves.decorator.js';
import { toImageDto } from '../../images/rest/image-rest.mapper.js';
import { findImageEverywhere, inspectHost, listFleetImages, listHosts } from '../fleet.operations.js';
import { FleetService } from '../fleet.service.js';
import type { HostImageView, HostView } from '../fleet-views.js';
import {
  FleetImageListDto,
  FleetImagesQuery,
  HostDto,
  HostImageDto,
  ImageEverywhereQuery,
  ListHostsQuery,
} from './host.dto.js';
import { BadUserInputError } from '#libs/errors';

/** The fleet's hosts, and an image across them. */
@ApiTags('fleet')
@ApiBearerAuth()
@Controller('api/v1')
export class HostsController {
  constructor(private readonly fleet: FleetService) {}

  @Get('hosts')
  @Serves(listHosts)
  @ApiOkResponse({ type: [HostDto] })
  list(@Query() query: ListHostsQuery): HostDto[] {
    return this.fleet.list({ labels: query.label, status: query.status, first: query.first }).map(toHostDto);
  }

  @Get('hosts/:name')
  @Serves(inspectHost)
  @ApiOkResponse({ type: HostDto })
  get(@Param('name') name: string): HostDto {
    const view = this.fleet.get(name);
    if (!view)
      throw new BadUserInputError(`No host named ${name} is registered. GET /api/v1/hosts lists them.`);
    return toHostDto(view);
  }

  @Get('image-everywhere')
  @Serves(findImageEverywhere)
  @ApiOkResponse({ type: [HostImageDto] })
  everywhere(@Query() query: ImageEverywhereQuery): HostImageDto[] {
    return this.fleet.imageEverywhere(query.ref).map(toHostImageDto);
  }

  @Get('fleet-images')
  @Serves(listFleetImages)
  @ApiOkResponse({ type: FleetImageListDto })
  fleetImages(@Query() query: FleetImagesQuery): FleetImageListDto {
    const page = this.fleet.fleetImages({
      reference: query.reference,
      hostLabels: query.hostLabel,
      first: query.first,
      after: query.after,
    });
    return {
      totalCount: page.totalCount,
      nodes: page.nodes.map((image) => ({
        id: image.id,
        repoTags: [...image.repoTags],
        repoDigests: [...image.repoDigests],
        size: image.size,
        hostCount: image.hosts.length,
        hosts: image.hosts.map(toHostImageDto),
      })),
      pageInfo: { ...page.pageInfo },
    };
  }
}

function toHostImageDto({ host, image }: HostImageView): HostImageDto {
  return { host: toHostDto(host), image: toImageDto(image) };
}

function toHostDto(view: HostView): HostDto {
  return {
    ...view,
    labels: { ...view.labels },
    lastSeen: view.lastSeen?.toISOString() ?? null,
    engine: view.engine && { ...view.engine },
    diskUsage: view.diskUsage && { ...view.diskUsage },
    asOf: view.asOf?.toISOString() ?? null,
  };
}
