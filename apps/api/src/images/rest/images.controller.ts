import { Controller, Get, Inject, Param, Query, Res, StreamableFile } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Readable } from 'node:stream';
import type { Response } from 'express';
import { RequiresRole } from '../../auth/auth.decorators.js';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { LiveCatalogue, type CatalogueSnapshot, type ImageRecord } from '#libs/catalogue';
import { ImageNotFoundError } from '#libs/errors';
import { ApiProblemResponses } from '../../errors/api-problem-responses.decorator.js';
import { toHistoryEntryDto, toImageDto, toImageLayerDto } from './image-rest.mapper.js';
import { HistoryEntryDto, ImageDto, ImageListDto, LayerDto } from './image.dto.js';
import { ListImagesQuery } from './list-images.query.js';

const LOOKUP_PROBLEMS = [
  'INVALID_REFERENCE',
  'IMAGE_NOT_FOUND',
  'AMBIGUOUS_REFERENCE',
  'UNAUTHENTICATED',
  'DOCKER_UNAVAILABLE',
] as const;

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
    private readonly catalogue: LiveCatalogue,
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Local images, like docker image ls' })
  @ApiOkResponse({ type: ImageListDto })
  @ApiProblemResponses('BAD_USER_INPUT', 'UNAUTHENTICATED', 'DOCKER_UNAVAILABLE')
  async list(@Query() query: ListImagesQuery): Promise<ImageListDto> {
    const page = (await this.catalogue.current()).search({
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
      first: query.first ?? 50,
      after: query.after,
    });
    return { totalCount: page.totalCount, nodes: page.nodes.map(toImageDto), pageInfo: { ...page.pageInfo } };
  }

  @Get(':ref')
  @ApiOperation({ summary: 'One image, like docker image inspect' })
  @ApiImageRef()
  @ApiOkResponse({ type: ImageDto })
  @ApiProblemResponses(...LOOKUP_PROBLEMS)
  async get(@Param('ref') ref: string): Promise<ImageDto> {
    const { image } = await this.lookUp(ref);
    return toImageDto(image);
  }

  @Get(':ref/history')
  @ApiOperation({ summary: 'Build history, newest first, like docker image history --no-trunc' })
  @ApiImageRef()
  @ApiOkResponse({ type: [HistoryEntryDto] })
  @ApiProblemResponses(...LOOKUP_PROBLEMS)
  async history(@Param('ref') ref: string): Promise<HistoryEntryDto[]> {
    const { image } = await this.lookUp(ref);
    return image.history.map(toHistoryEntryDto);
  }

  @Get(':ref/layers')
  @ApiOperation({ summary: 'Read-only layers, base first, each with the local images sharing it' })
  @ApiImageRef()
  @ApiOkResponse({ type: [LayerDto] })
  @ApiProblemResponses(...LOOKUP_PROBLEMS)
  async layers(@Param('ref') ref: string): Promise<LayerDto[]> {
    const { image, snapshot } = await this.lookUp(ref);
    return image.layers.map((layer) => toImageLayerDto(layer, snapshot));
  }

  @Get(':ref/export')
  // Whole images leave the host, secrets baked into layers included: `write` unless EXPORT_ROLE=read.
  @RequiresRole((config) => config.jobs.exportRole)
  @ApiOperation({
    summary:
      'docker image save: a tar stream of this image (and of each extra ref), not buffered; needs the write role unless EXPORT_ROLE=read',
  })
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
  @ApiProblemResponses(...LOOKUP_PROBLEMS, 'FORBIDDEN')
  async export(
    @Param('ref') ref: string,
    @Query('ref') more: string | string[] | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<StreamableFile> {
    const refs = [ref, ...(more === undefined ? [] : Array.isArray(more) ? more : [more])];
    // Synced first: an export is heavy anyway, and an image made a moment ago must count.
    const snapshot = await this.catalogue.refresh();
    for (const each of refs) if (!snapshot.find(each)) throw new ImageNotFoundError(each);
    // A client that goes away stops the daemon's export.
    const abort = new AbortController();
    response.on('close', () => abort.abort());
    const archive = await this.engine.exportImages(refs, abort.signal);
    return new StreamableFile(archive as Readable, {
      type: 'application/x-tar',
      disposition: 'attachment; filename="images.tar"',
    });
  }

  private async lookUp(ref: string): Promise<{ image: ImageRecord; snapshot: CatalogueSnapshot }> {
    const snapshot = await this.catalogue.current();
    const image = snapshot.find(ref);
    if (!image) throw new ImageNotFoundError(ref);
    return { image, snapshot };
  }
}
