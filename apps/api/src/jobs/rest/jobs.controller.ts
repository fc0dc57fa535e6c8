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
  ApiOperation,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { fromEvent, map, takeUntil, type Observable } from 'rxjs';
import type { Principal } from '#libs/auth';
import { JobNotFoundError } from '#libs/errors';
import { callerOf, CurrentPrincipal } from '../../auth/current-principal.decorator.js';
import { AuditAs } from '../../audit/audit.interceptor.js';
import { ApiProblemResponses } from '../../errors/api-problem-responses.decorator.js';
import { PullImageInput, PushImageInput } from '../dto/job.inputs.js';
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
  @AuditAs('pullImage')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a pull, like docker image pull; identical pending pulls share one job' })
  @ApiAcceptedResponse({ type: JobDto, description: 'Location: /api/v1/jobs/{id}' })
  @ApiProblemResponses(
    'BAD_USER_INPUT',
    'INVALID_REFERENCE',
    'UNAUTHENTICATED',
    'FORBIDDEN',
    'QUEUE_UNAVAILABLE',
  )
  async pull(
    @Body() input: PullImageInput,
    @CurrentPrincipal() caller: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobDto> {
    return accepted(response, toJob(await this.jobs.pull(input, callerOf(caller))));
  }

  @Post('images/push')
  @AuditAs('pushImage')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue a push, like docker image push (allTags: docker image push --all-tags)' })
  @ApiAcceptedResponse({ type: JobDto, description: 'Location: /api/v1/jobs/{id}' })
  @ApiProblemResponses(
    'BAD_USER_INPUT',
    'INVALID_REFERENCE',
    'IMAGE_NOT_FOUND',
    'UNAUTHENTICATED',
    'FORBIDDEN',
    'QUEUE_UNAVAILABLE',
  )
  async push(
    @Body() input: PushImageInput,
    @CurrentPrincipal() caller: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobDto> {
    return accepted(response, toJob(await this.jobs.push(input, callerOf(caller))));
  }

  @Post('images/import')
  @HttpCode(202)
  @AuditAs('importImages')
  @ApiOperation({
    summary: 'Upload a docker save archive (the request body, streamed) and load it as a job of kind LOAD',
  })
  @ApiConsumes('application/x-tar', 'application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiAcceptedResponse({ type: JobDto, description: 'Location: /api/v1/jobs/{id}' })
  @ApiProblemResponses('BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'QUEUE_UNAVAILABLE')
  async import(
    @Req() request: Request,
    @CurrentPrincipal() caller: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<JobDto> {
    return accepted(response, toJob(await this.jobs.load(request, callerOf(caller))));
  }

  @Get('jobs')
  @ApiOperation({ summary: 'Jobs, newest first' })
  @ApiOkResponse({ type: JobListDto })
  @ApiProblemResponses('BAD_USER_INPUT', 'INVALID_REFERENCE', 'UNAUTHENTICATED', 'QUEUE_UNAVAILABLE')
  async list(@Query() query: ListJobsQuery): Promise<JobListDto> {
    const page = await this.jobs.list({ ...query, first: query.first ?? 50 });
    return { totalCount: page.totalCount, nodes: page.nodes.map(toJob), pageInfo: { ...page.pageInfo } };
  }

  @Get('jobs/:id')
  @ApiOperation({ summary: 'One job: its state, progress and result' })
  @ApiOkResponse({ type: JobDto })
  @ApiProblemResponses('JOB_NOT_FOUND', 'UNAUTHENTICATED', 'QUEUE_UNAVAILABLE')
  async get(@Param('id') id: string): Promise<JobDto> {
    const record = await this.jobs.get(id);
    if (!record) throw new JobNotFoundError(id);
    return toJob(record);
  }

  @Delete('jobs/:id')
  @AuditAs('cancelJob')
  @ApiOperation({ summary: 'Cancel a queued or active job' })
  @ApiOkResponse({ type: JobDto })
  @ApiProblemResponses(
    'JOB_NOT_FOUND',
    'JOB_NOT_CANCELLABLE',
    'UNAUTHENTICATED',
    'FORBIDDEN',
    'QUEUE_UNAVAILABLE',
  )
  async cancel(@Param('id') id: string): Promise<JobDto> {
    return toJob(await this.jobs.cancel(id));
  }

  @Get('jobs/:id/events')
  @UseGuards(JobExistsGuard)
  @Sse()
  @ApiOperation({
    summary: 'Server-Sent Events: the job now, then each change, ending after its final state',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({
    description:
      'An event stream: each event is of type "job", its data the Job (as GET /api/v1/jobs/{id}) in JSON',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiProblemResponses('JOB_NOT_FOUND', 'UNAUTHENTICATED', 'QUEUE_UNAVAILABLE')
  events(@Param('id') id: string): Observable<MessageEvent> {
    // Ends the job's stream as soon as the client leaves, not at the job's next change.
    return fromIterator(() => this.updates.follow(id)).pipe(
      map((record) => ({ type: 'job', data: toJob(record) })),
      // A shutting-down api ends the stream; the client reconnects to another replica.
      takeUntil(fromEvent(this.shutdown.signal, 'abort')),
    );
  }
}

function accepted(response: Response, job: JobDto): JobDto {
  response.setHeader('Location', `/api/v1/jobs/${encodeURIComponent(job.id)}`);
  return job;
}
