import { Controller, Get, Param, Query, Res, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { CatalogueSnapshot, ImageRecord } from '#libs/catalogue';
import { ImageExport } from '../image-export.js';
import { HostCatalogues } from '../../fleet/host-catalogues.js';
import { HostQuery } from '../../fleet/rest/host.query.js';
import { ImageNotFoundError } from '#libs/errors';
import { Serves } from '../../operations/serves.decorator.js';
import { exportImages, imageHistory, imageLayers, inspectImage, listImages } from '../image.operations.js';
import { toHistoryEntryDto, toImageDto, toImageLayerDto } from './image-rest.mapper.js';
import { HistoryEntryDto, ImageDto, ImageListDto, LayerDto } from './image.dto.js';
import { ListImagesQuery } from './list-images.query.js';

function ApiImageRef(): MethodDecorator {
  return ApiParam({
    name: 'ref',
    description: 'name[:tag], name@digest, full id or unique id prefix; URL-encode "/" as %2F',
    example: 'nginx:1.27',
  });
}

@ApiTags('images')
@ApiBearerAuth()
@Controller('api/v1/images')
export class ImagesController {
  constructor(
    private readonly hosts: HostCatalogues,
    /** From the api's own daemon (none where API_DOCKER=false). */
    private readonly exports: ImageExport,
  ) {}

  @Get()
  @Serves(listImages)
  @ApiOkResponse({ type: ImageListDto })
  async list(@Query() query: ListImagesQuery, @Query() { host }: HostQuery): Promise<ImageListDto> {
    const page = (await this.hosts.of(host).current()).search({
      filter: {
        reference: query.reference,
        dangling: query.dangling,
        labels: query.label,
        official: query.official,
      },
      all: query.all,
      orderBy: query.orderBy && {
        field: query.orderBy,
        direction: query.direction ?? (query.orderBy === 'REFERENCE' ? 'ASC' : 'DESC'),
      },
      first: query.first,
      after: query.after,
    });
    return { totalCount: page.totalCount, nodes: page.nodes.map(toImageDto), pageInfo: { ...page.pageInfo } };
  }

  @Get(':ref')
  @Serves(inspectImage)
  @ApiImageRef()
  @ApiOkResponse({ type: ImageDto })
  async get(@Param('ref') ref: string, @Query() { host }: HostQuery): Promise<ImageDto> {
    const { image } = await this.lookUp(ref, host);
    return toImageDto(image);
  }

  @Get(':ref/history')
  @Serves(imageHistory)
  @ApiImageRef()
  @ApiOkResponse({ type: [HistoryEntryDto] })
  async history(@Param('ref') ref: string, @Query() { host }: HostQuery): Promise<HistoryEntryDto[]> {
    const { image } = await this.lookUp(ref, host);
    return image.history.map(toHistoryEntryDto);
  }

  @Get(':ref/layers')
  @Serves(imageLayers)
  @ApiImageRef()
  @ApiOkResponse({ type: [LayerDto] })
  async layers(@Param('ref') ref: string, @Query() { host }: HostQuery): Promise<LayerDto[]> {
    const { image, snapshot } = await this.lookUp(ref, host);
    return image.layers.map((layer) => toImageLayerDto(layer, snapshot));
  }

  @Get(':ref/export')
  @Serves(exportImages)
  @ApiImageRef()
  @ApiQuery({
    name: 'ref',
    required: false,
    isArray: true,
    type: String,
    description: 'more images in the same archive',
  })
  @ApiProduces('application/x-tar')
  @ApiOkResponse({
    description:
      'A docker save archive of the images, sent as Content-Disposition: attachment; filename="images.tar"',
    content: { 'application/x-tar': { schema: { type: 'string', format: 'binary' } } },
  })
  async export(
    @Param('ref') ref: string,
    @Query('ref') more: string | string[] | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const refs = [ref, ...(more === undefined ? [] : Array.isArray(more) ? more : [more])];
    // A client that goes away stops the daemon's export.
    const abort = new AbortController();
    reply.raw.on('close', () => abort.abort());
    const archive = await this.exports.archive(refs, abort.signal);
    return new StreamableFile(archive as Readable, {
      type: 'application/x-tar',
      disposition: 'attachment; filename="images.tar"',
    });
  }

  private async lookUp(
    ref: string,
    host: string | undefined,
  ): Promise<{ image: ImageRecord; snapshot: CatalogueSnapshot }> {
    const snapshot = await this.hosts.of(host).current();
    const image = snapshot.find(ref);
    if (!image) throw new ImageNotFoundError(ref);
    return { image, snapshot };
  }
}
