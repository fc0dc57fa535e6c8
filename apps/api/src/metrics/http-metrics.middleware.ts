import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { QUEUE_DASHBOARD_ROUTE } from '../admin/queue-dashboard.constants.js';
import { GRAPHQL_PATH } from '../errors/problem-details.filter.js';
import { RequestMetrics } from './request-metrics.js';
import { routeLabelOf } from './route-label.js';

const MOUNTED_PATHS = [GRAPHQL_PATH, QUEUE_DASHBOARD_ROUTE];

/** Times every HTTP request, refused ones included, from its arrival to the end of its response. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: RequestMetrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const stopTimer = this.metrics.http.startTimer();
    // Only answers sent in full: a stream the client closed (SSE, export) is not a request duration.
    response.once('finish', () =>
      stopTimer({
        method: request.method,
        route: routeLabelOf(request, MOUNTED_PATHS),
        status: String(response.statusCode),
      }),
    );
    next();
  }
}
