import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { HostCatalogues } from '../../fleet/host-catalogues.js';
import { HostQuery } from '../../fleet/rest/host.query.js';
import { LayerNotFoundError } from '#libs/errors';
import { Serves } from '../../operations/serves.decorator.js';
import { diskUsage, inspectLayer, listLayers } from '../image.operations.js';
import { toLayerDto } from './image-rest.mapper.js';
import { DiskUsageDto, LayerDto, LayerListDto } from './image.dto.js';
import { LayersArgs } from '../dto/layers.args.js';

/** Layers of the host and the space they take: what deleting images would really free. */
@ApiTags('storage')
@ApiBearerAuth()
@Controller('api/v1')
export class StorageController {
  constructor(private readonly hosts: HostCatalogues) {}

  @Get('layers')
  @Serves(listLayers)
  @ApiOkResponse({ type: LayerListDto })
  async layers(@Query() query: LayersArgs, @Query() { host }: HostQuery): Promise<LayerListDto> {
    const page = (await this.hosts.of(host).current()).searchLayers(query);
    return { totalCount: page.totalCount, nodes: page.nodes.map(toLayerDto), pageInfo: { ...page.pageInfo } };
  }

  @Get('layers/:chainId')
  @Serves(inspectLayer)
  @ApiParam({ name: 'chainId', example: 'sha256:…' })
  @ApiOkResponse({ type: LayerDto })
  async layer(@Param('chainId') chainId: string, @Query() { host }: HostQuery): Promise<LayerDto> {
    const layer = (await this.hosts.of(host).current()).layersByChainId.get(chainId);
    if (!layer) throw new LayerNotFoundError(chainId);
    return toLayerDto(layer);
  }

  @Get('disk-usage')
  @Serves(diskUsage)
  @ApiOkResponse({ type: DiskUsageDto })
  async diskUsage(@Query() { host }: HostQuery): Promise<DiskUsageDto> {
    return { ...(await this.hosts.of(host).current()).diskUsage };
  }
}
