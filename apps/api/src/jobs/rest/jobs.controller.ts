import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  Sse,
  UseGuards,
  type MessageEvent,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { fromEvent, map, takeUntil, type Observable } from 'rxjs';
import type { Principal } from '#libs/auth';
import { JobNotFoundError } from '#libs/errors';
import { callerOf, CurrentPrincipal } from '../../auth/current-principal.decorator.js';
import { Serves } from '../../operations/serves.decorator.js';
import {
  cancelJob,
  followJob,
  importImages,
  inspectJob,
  listJobs,
  copyImage,
  pullImage,
  pushImage,
} from '../job.operations.js';
import { CopyImageArgs, PullImageInput, PushImageInput } from '../dto/job.inputs.js';
import { ImageJobsService } from '../image-jobs.service.js';
import { JobUpdates } from '../job-updates.js';
import { toJob } from '../models/job.mapper.js';
import { JobExistsGuard } from './job-exists.guard.js';
import { JobDto, JobListDto, ListJobsQuery } from './job.dto.js';
import { fromIterator } from '../../http/iterator-observable.js';
import { ShutdownSignal } from '../../shutdown/graceful-shutdown.js';

/** Pulls and pushes for other services: queued at once (202 + Location), followed by polling or SSE. */
@ApiTags('jobs')
@ApiBearerAuth()
@Controller('api/v1')
export class JobsController {
  constructor(
    private readonly jobs: ImageJobsService,
    private readonly updates: JobUpdates,
    private readonly shutdown: ShutdownSignal,
  ) {}

  @Post('images/pull')
  @Serves(pullImage)
  @HttpCode(202)
  @ApiAcceptedResponse({ type: JobDto, description: 'Location: /api/v1/jobs/{id}' })
  async pull(
    @Body() input: PullImageInput,
    @CurrentPrincipal() caller: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobDto> {
    return accepted(reply, toJob(await this.jobs.pull(input, callerOf(caller))));
  }

  @Post('images/copy')
  @Serves(copyImage)
  @HttpCode(202)
  @ApiAcceptedResponse({ type: JobDto, description: 'Location: /api/v1/jobs/{id}' })
  async copy(
    @Body() input: CopyImageArgs,
    @CurrentPrincipal() caller: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobDto> {
    return accepted(reply, toJob(await this.jobs.copy(input, callerOf(caller))));
  }

  @Post('images/push')
  @Serves(pushImage)
  @HttpCode(202)
  @ApiAcceptedResponse({ type: JobDto, description: 'Location: /api/v1/jobs/{id}' })
  async push(
    @Body() input: PushImageInput,
    @CurrentPrincipal() caller: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobDto> {
    return accepted(reply, toJob(await this.jobs.push(input, callerOf(caller))));
  }

  @Post('images/import')
  @HttpCode(202)
  @Serves(importImages)
  @ApiConsumes('application/x-tar', 'application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiAcceptedResponse({ type: JobDto, description: 'Location: /api/v1/jobs/{id}' })
  async import(
    @Req() request: FastifyRequest,
    @CurrentPrincipal() caller: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<JobDto> {
    return accepted(reply, toJob(await this.jobs.load(request.raw, callerOf(caller))));
  }

  @Get('jobs')
  @Serves(listJobs)
  @ApiOkResponse({ type: JobListDto })
  async list(@Query() query: ListJobsQuery): Promise<JobListDto> {
    const page = await this.jobs.list(query);
    return { totalCount: page.totalCount, nodes: page.nodes.map(toJob), pageInfo: { ...page.pageInfo } };
  }

  @Get('jobs/:id')
  @Serves(inspectJob)
  @ApiOkResponse({ type: JobDto })
  async get(@Param('id') id: string): Promise<JobDto> {
    const record = await this.jobs.get(id);
    if (!record) throw new JobNotFoundError(id);
    return toJob(record);
  }

  @Delete('jobs/:id')
  @Serves(cancelJob)
  @ApiOkResponse({ type: JobDto })
  async cancel(@Param('id') id: string): Promise<JobDto> {
    return toJob(await this.jobs.cancel(id));
  }

  @Get('jobs/:id/events')
  @Serves(followJob)
  @UseGuards(JobExistsGuard)
  @Sse()
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'An event stream: each event is of type "job", its data the Job (as GET /api/v1/jobs/{id}) in JSON',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  events(@Param('id') id: string): Observable<MessageEvent> {
    // Ends the job's stream as soon as the client leaves, not at the job's next change.
    return fromIterator(() => this.updates.follow(id)).pipe(
      map((record) => ({ type: 'job', data: toJob(record) })),
      // A shutting-down api ends the stream; the client reconnects to another replica.
      takeUntil(fromEvent(this.shutdown.signal, 'abort')),
    );
  }
}

function accepted(reply: FastifyReply, job: JobDto): JobDto {
  void reply.header('Location', `/api/v1/jobs/${encodeURIComponent(job.id)}`);
  return job;
}
