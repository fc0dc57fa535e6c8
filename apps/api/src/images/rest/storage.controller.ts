import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { LiveCatalogue } from '#libs/catalogue';
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
  constructor(private readonly catalogue: LiveCatalogue) {}

  @Get('layers')
  @Serves(listLayers)
  @ApiOkResponse({ type: LayerListDto })
  async layers(@Query() query: LayersArgs): Promise<LayerListDto> {
    const page = (await this.catalogue.current()).searchLayers(query);
    return { totalCount: page.totalCount, nodes: page.nodes.map(toLayerDto), pageInfo: { ...page.pageInfo } };
  }

  @Get('layers/:chainId')
  @Serves(inspectLayer)
  @ApiParam({ name: 'chainId', example: 'sha256:…' })
  @ApiOkResponse({ type: LayerDto })
  async layer(@Param('chainId') chainId: string): Promise<LayerDto> {
    const layer = (await this.catalogue.current()).layersByChainId.get(chainId);
    if (!layer) throw new LayerNotFoundError(chainId);
    return toLayerDto(layer);
  }

  @Get('disk-usage')
  @Serves(diskUsage)
  @ApiOkResponse({ type: DiskUsageDto })
  async diskUsage(): Promise<DiskUsageDto> {
    return { ...(await this.catalogue.current()).diskUsage };
  }
}
