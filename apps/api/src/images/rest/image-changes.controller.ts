import { Body, Controller, Delete, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditAs } from '../../audit/audit.interceptor.js';
import { ApiProblemResponses } from '../../errors/api-problem-responses.decorator.js';
import { PruneImagesArgs, RemoveImageQuery, TagTargetBody } from '../dto/image-change.args.js';
import { ImageChangesService } from '../image-changes.service.js';
import { PruneReport, RemovalReport } from '../models/change-report.model.js';
import { toTagDto } from './image-rest.mapper.js';
import { TagDto } from './image.dto.js';

/** Tag, rename, untag, remove and prune for other services; the same checks as GraphQL. */
@ApiTags('images')
@ApiBearerAuth()
@Controller('api/v1')
export class ImageChangesController {
  constructor(private readonly changes: ImageChangesService) {}

  @Post('images/prune')
  @HttpCode(200)
  @AuditAs('pruneImages')
  @ApiOperation({ summary: 'docker image prune [-a]; dryRun reports without deleting' })
  @ApiOkResponse({ type: PruneReport })
  @ApiProblemResponses('BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'DOCKER_UNAVAILABLE')
  prune(@Body() body: PruneImagesArgs): Promise<PruneReport> {
    return this.changes.prune({ ...body, all: body.all ?? false, dryRun: body.dryRun ?? false });
  }

  @Post('images/:ref/tags')
  @AuditAs('tagImage')
  @ApiOperation({ summary: 'docker image tag {ref} {target}' })
  @ApiOkResponse({ type: TagDto })
  @ApiProblemResponses(
    'INVALID_REFERENCE',
    'BAD_USER_INPUT',
    'IMAGE_NOT_FOUND',
    'AMBIGUOUS_REFERENCE',
    'UNAUTHENTICATED',
    'FORBIDDEN',
    'DOCKER_UNAVAILABLE',
  )
  async tag(@Param('ref') ref: string, @Body() body: TagTargetBody): Promise<TagDto> {
    const { tag } = await this.changes.tag(ref, body.target);
    return toTagDto(tag);
  }

  @Post('images/:ref/rename')
  @HttpCode(200)
  @AuditAs('renameImage')
  @ApiOperation({ summary: 'Tag {ref} as {target}, then untag {ref}' })
  @ApiOkResponse({ type: TagDto })
  @ApiProblemResponses(
    'INVALID_REFERENCE',
    'BAD_USER_INPUT',
    'IMAGE_NOT_FOUND',
    'IMAGE_IN_USE',
    'UNAUTHENTICATED',
    'FORBIDDEN',
    'DOCKER_UNAVAILABLE',
  )
  async rename(@Param('ref') ref: string, @Body() body: TagTargetBody): Promise<TagDto> {
    const { tag } = await this.changes.rename(ref, body.target);
    return toTagDto(tag);
  }

  @Delete('tags/:ref')
  @AuditAs('untagImage')
  @ApiOperation({ summary: 'Remove one tag; the image stays while other tags or containers hold it' })
  @ApiOkResponse({ type: RemovalReport })
  @ApiProblemResponses(
    'INVALID_REFERENCE',
    'IMAGE_NOT_FOUND',
    'IMAGE_IN_USE',
    'UNAUTHENTICATED',
    'FORBIDDEN',
    'DOCKER_UNAVAILABLE',
  )
  untag(@Param('ref') ref: string): Promise<RemovalReport> {
    return this.changes.untag(ref);
  }

  @Delete('images/:ref')
  @AuditAs('removeImage')
  @ApiOperation({ summary: 'docker image rm' })
  @ApiOkResponse({ type: RemovalReport })
  @ApiProblemResponses(
    'INVALID_REFERENCE',
    'IMAGE_NOT_FOUND',
    'AMBIGUOUS_REFERENCE',
    'IMAGE_IN_USE',
    'IMAGE_HAS_MULTIPLE_TAGS',
    'UNAUTHENTICATED',
    'FORBIDDEN',
    'DOCKER_UNAVAILABLE',
  )
  remove(@Param('ref') ref: string, @Query() query: RemoveImageQuery): Promise<RemovalReport> {
    return this.changes.remove(ref, {
      force: query.force ?? false,
      removeContainers: query.removeContainers ?? false,
      prune: query.prune ?? true,
    });
  }
}
