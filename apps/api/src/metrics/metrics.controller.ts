import { Controller, Get, Header, Headers, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Registry } from 'prom-client';
import { Public } from '../auth/auth.decorators.js';
import { ApiProblemResponses } from '../errors/api-problem-responses.decorator.js';
import { MetricsAccess } from './metrics-access.js';
import { METRICS_REGISTRY } from './metrics-registry.js';

@ApiTags('operations')
@ApiBearerAuth()
// Not an API token route: MetricsAccess checks the admin role or METRICS_TOKEN itself.
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
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
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    this.access.check(authorization);
    const text = await this.registry.metrics();
    response.type(this.registry.contentType);
    return text;
  }
}
