import { Controller, Get, Header, Headers, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiProblemResponses } from '../errors/api-problem-responses.decorator.js';
import { MetricsAccess } from './metrics-access.js';
import { ProcessGroupMetrics } from './process-group-metrics.js';

@ApiTags('operations')
@ApiBearerAuth()
// An open route (OPEN_ROUTES): MetricsAccess checks the admin role or METRICS_TOKEN itself.
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ProcessGroupMetrics,
    private readonly access: MetricsAccess,
  ) {}

  @Get()
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics, text exposition format (admin role or METRICS_TOKEN)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text format 0.0.4',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  @ApiProblemResponses('UNAUTHENTICATED', 'FORBIDDEN')
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    this.access.check(authorization);
    const { text, contentType } = await this.metrics.exposition();
    void reply.type(contentType);
    return text;
  }
}
