import { Body, Controller, Delete, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Serves } from '../../operations/serves.decorator.js';
import { pruneImages, removeImage, renameImage, tagImage, untagImage } from '../image.operations.js';
import type { Principal } from '#libs/auth';
import { callerOf, CurrentPrincipal } from '../../auth/current-principal.decorator.js';
import { toJob } from '../../jobs/models/job.mapper.js';
import {
  PruneImagesArgs,
  RemoveFanOutQuery,
  RemoveImageOptions,
  TagTargetBody,
} from '../dto/image-change.args.js';
import { HostQuery } from '../../fleet/rest/host.query.js';
import { HostImageChanges } from '../host-image-changes.js';
import { PruneReport, RemovalReport } from '../models/change-report.model.js';
import { toTagDto } from './image-rest.mapper.js';
import { TagDto } from './image.dto.js';

/** Tag, rename, untag, remove and prune for other services; the same checks as GraphQL. */
@ApiTags('images')
@ApiBearerAuth()
@Controller('api/v1')
export class ImageChangesController {
  constructor(private readonly changes: HostImageChanges) {}

  @Post('images/prune')
  @HttpCode(200)
  @Serves(pruneImages)
  @ApiOkResponse({ type: PruneReport })
  prune(@Body() body: PruneImagesArgs, @Query() { host }: HostQuery): Promise<PruneReport> {
    return this.changes.prune(host, body);
  }

  @Post('images/:ref/tags')
  @Serves(tagImage)
  @ApiOkResponse({ type: TagDto })
  async tag(
    @Param('ref') ref: string,
    @Body() body: TagTargetBody,
    @Query() { host }: HostQuery,
  ): Promise<TagDto> {
    const { tag } = await this.changes.tag(host, ref, body.target);
    return toTagDto(tag);
  }

  @Post('images/:ref/rename')
  @HttpCode(200)
  @Serves(renameImage)
  @ApiOkResponse({ type: TagDto })
  async rename(
    @Param('ref') ref: string,
    @Body() body: TagTargetBody,
    @Query() { host }: HostQuery,
  ): Promise<TagDto> {
    const { tag } = await this.changes.rename(host, ref, body.target);
    return toTagDto(tag);
  }

  @Delete('tags/:ref')
  @Serves(untagImage)
  @ApiOkResponse({ type: RemovalReport })
  untag(@Param('ref') ref: string, @Query() { host }: HostQuery): Promise<RemovalReport> {
    return this.changes.untag(host, ref);
  }

  @Delete('images/:ref')
  @Serves(removeImage)
  @ApiOkResponse({ type: RemovalReport })
  async remove(
    @Param('ref') ref: string,
    @Query() options: RemoveImageOptions,
    @Query() { host }: HostQuery,
    @Query() { hostName, hostLabel, maxParallel }: RemoveFanOutQuery,
    @CurrentPrincipal() caller: Principal,
  ): Promise<RemovalReport> {
    const hosts = hostName?.length || hostLabel?.length ? { names: hostName, labels: hostLabel } : undefined;
    const { job, ...report } = await this.changes.remove(
      host,
      ref,
      { ...options, hosts, maxParallel },
      callerOf(caller),
    );
    return { ...report, job: job ? toJob(job) : undefined };
  }
}
