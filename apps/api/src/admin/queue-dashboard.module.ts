import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { InjectQueue } from '@nestjs/bullmq';
import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Application } from 'express';
import { IMAGE_QUEUE, JobsModule } from '#libs/jobs';
import { AdminOnlyMiddleware } from './admin-only.middleware.js';
import { QUEUE_DASHBOARD_ROUTE } from './queue-dashboard.constants.js';

/**
 * Bull Board over the image queue at /admin/queues (page, JSON API and assets, all served from
 * the installed packages), admin role only. Read-only: retrying, removing or cleaning jobs there
 * would change state outside the audit trail.
 *
 * Built from @bull-board/api and @bull-board/express rather than @bull-board/nestjs: that one is
 * CommonJS and requires @nestjs/common, which Nest 12 ships as ESM only (Jest cannot load it).
 */
@Module({ imports: [JobsModule] })
export class QueueDashboardModule implements NestModule {
  private readonly serverAdapter = new ExpressAdapter().setBasePath(QUEUE_DASHBOARD_ROUTE);

  constructor(@InjectQueue(IMAGE_QUEUE) queue: Queue) {
    createBullBoard({
      queues: [new BullMQAdapter(queue, { readOnlyMode: true })],
      serverAdapter: this.serverAdapter,
      options: { uiConfig: { boardTitle: 'Stevedore queues' } },
    });
  }

  configure(consumer: MiddlewareConsumer): void {
    const dashboard = this.serverAdapter.getRouter() as Application;
    // An Express app of its own, which would put back the header helmet removed.
    dashboard.disable('x-powered-by');
    consumer.apply(AdminOnlyMiddleware, dashboard).forRoutes(QUEUE_DASHBOARD_ROUTE);
  }
}
