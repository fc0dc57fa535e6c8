import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { FastifyReply } from 'fastify';
import type { Principal } from '#libs/auth';
import { callerOf, CurrentPrincipal } from '../../auth/current-principal.decorator.js';
import { toJob } from '../../jobs/models/job.mapper.js';
import { JobDto } from '../../jobs/rest/job.dto.js';
import { Serves } from '../../operations/serves.decorator.js';
import { checkImageUpdates } from '../registry.operations.js';
import { ImageUpdatesService } from './image-updates.service.js';

class CheckImageUpdatesBody {
  @ApiPropertyOptional({ description: 'One local tag; every tagged image when absent.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  ref?: string;
}

class UpdateCheckDto {
  @ApiProperty({ description: 'The local tags the check compares with their registries.' })
  queued!: number;

  @ApiProperty({ type: JobDto })
  job!: JobDto;
}

/** The REST mirror of `checkImageUpdates`. */
@ApiTags('registries')
@ApiBearerAuth()
@Controller('api/v1/update-checks')
export class ImageUpdatesController {
  constructor(private readonly updates: ImageUpdatesService) {}

  @Post()
  @Serves(checkImageUpdates)
  @HttpCode(202)
  @ApiAcceptedResponse({ type: UpdateCheckDto, description: 'Location: /api/v1/jobs/{id}' })
  async check(
    @Body() body: CheckImageUpdatesBody,
    @CurrentPrincipal() caller: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UpdateCheckDto> {
    const { queued, job } = await this.updates.check(body.ref, callerOf(caller));
    void reply.header('Location', `/api/v1/jobs/${encodeURIComponent(job.id)}`);
    return { queued, job: toJob(job) };
  }
}
