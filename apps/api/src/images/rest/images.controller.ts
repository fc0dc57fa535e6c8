import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ImageCatalogue } from '#libs/catalogue';
import { ImageNotFoundError } from '#libs/errors';
import { ApiProblemResponses } from '../../errors/api-problem-responses.decorator.js';
import { toImageDto } from './image-rest.mapper.js';
import { ImageDto, ImageListDto } from './image.dto.js';
import { ListImagesQuery } from './list-images.query.js';

@ApiTags('images')
@ApiBearerAuth()
@Controller('api/v1/images')
export class ImagesController {
  constructor(private readonly catalogue: ImageCatalogue) {}

  @Get()
  @ApiOperation({ summary: 'Local images, like docker image ls' })
  @ApiOkResponse({ type: ImageListDto })
  @ApiProblemResponses('BAD_USER_INPUT', 'UNAUTHENTICATED', 'DOCKER_UNAVAILABLE')
  async list(@Query() query: ListImagesQuery): Promise<ImageListDto> {
    const page = await this.catalogue.search({
      filter: {
        reference: query.reference,
        dangling: query.dangling,
        labels: query.label,
        official: query.official,
      },
      all: query.all,
      first: query.first ?? 50,
      after: query.after,
    });
    return { totalCount: page.totalCount, nodes: page.nodes.map(toImageDto), pageInfo: { ...page.pageInfo } };
  }

  @Get(':ref')
  @ApiOperation({ summary: 'One image, like docker image inspect' })
  @ApiParam({
    name: 'ref',
    description: 'name[:tag], name@digest, full id or unique id prefix; URL-encode "/" as %2F',
    example: 'nginx:1.27',
  })
  @ApiOkResponse({ type: ImageDto })
  @ApiProblemResponses(
    'INVALID_REFERENCE',
    'IMAGE_NOT_FOUND',
    'AMBIGUOUS_REFERENCE',
    'UNAUTHENTICATED',
    'DOCKER_UNAVAILABLE',
  )
  async get(@Param('ref') ref: string): Promise<ImageDto> {
    const record = await this.catalogue.find(ref);
    if (!record) throw new ImageNotFoundError(ref);
    return toImageDto(record);
  }
}
