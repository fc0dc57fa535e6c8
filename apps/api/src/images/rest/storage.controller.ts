import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { LiveCatalogue } from '#libs/catalogue';
import { LayerNotFoundError } from '#libs/errors';
import { ApiProblemResponses } from '../../errors/api-problem-responses.decorator.js';
import { toLayerDto } from './image-rest.mapper.js';
import { DiskUsageDto, LayerDto, LayerListDto } from './image.dto.js';
import { ListLayersQuery } from './list-images.query.js';

/** Layers of the host and the space they take: what deleting images would really free. */
@ApiTags('storage')
@ApiBearerAuth()
@Controller('api/v1')
export class StorageController {
  constructor(private readonly catalogue: LiveCatalogue) {}

  @Get('layers')
  @ApiOperation({ summary: 'Every layer on the host once, by chain id, with the images sharing it' })
  @ApiOkResponse({ type: LayerListDto })
  @ApiProblemResponses('BAD_USER_INPUT', 'UNAUTHENTICATED', 'DOCKER_UNAVAILABLE')
  async layers(@Query() query: ListLayersQuery): Promise<LayerListDto> {
    const page = (await this.catalogue.current()).searchLayers({
      first: query.first ?? 100,
      after: query.after,
    });
    return { totalCount: page.totalCount, nodes: page.nodes.map(toLayerDto), pageInfo: { ...page.pageInfo } };
  }

  @Get('layers/:chainId')
  @ApiOperation({ summary: 'One layer by chain id' })
  @ApiParam({ name: 'chainId', example: 'sha256:…' })
  @ApiOkResponse({ type: LayerDto })
  @ApiProblemResponses('IMAGE_NOT_FOUND', 'UNAUTHENTICATED', 'DOCKER_UNAVAILABLE')
  async layer(@Param('chainId') chainId: string): Promise<LayerDto> {
    const layer = (await this.catalogue.current()).layersByChainId.get(chainId);
    if (!layer) throw new LayerNotFoundError(chainId);
    return toLayerDto(layer);
  }

  @Get('disk-usage')
  @ApiOperation({ summary: 'Like docker system df, for images' })
  @ApiOkResponse({ type: DiskUsageDto })
  @ApiProblemResponses('UNAUTHENTICATED', 'DOCKER_UNAVAILABLE')
  async diskUsage(): Promise<DiskUsageDto> {
    return { ...(await this.catalogue.current()).diskUsage };
  }
}
