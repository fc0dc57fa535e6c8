import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { InjectQueue } from '@nestjs/bullmq';
import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { roleAllows } from '#libs/auth';
import { ForbiddenError, UnauthenticatedError } from '#libs/errors';
import { IMAGE_QUEUE, JobsModule } from '#libs/jobs';
import { problemAnswer, sendProblem } from '../errors/problem-details.filter.js';
import { QUEUE_DASHBOARD_ROUTE } from './queue-dashboard.constants.js';

/**
 * Bull Board over the image queue at /admin/queues (page, JSON API and assets, all served from
 * the installed packages), admin role only. Read-only: retrying, removing or cleaning jobs there
 * would change state outside the audit trail. Not a Nest controller: a Fastify plugin of its own,
 * so the HTTP edge authenticates its requests and a hook here lets only admins on.
 */
@Module({ imports: [JobsModule] })
export class QueueDashboardModule implements OnModuleInit {
  private readonly serverAdapter = new BullBoardFastifyAdapter().setBasePath(QUEUE_DASHBOARD_ROUTE);

  constructor(
    @InjectQueue(IMAGE_QUEUE) queue: Queue,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    createBullBoard({
      queues: [new BullMQAdapter(queue, { readOnlyMode: true })],
      serverAdapter: this.serverAdapter,
      options: { uiConfig: { boardTitle: 'Stevedore queues' } },
    });
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    const board = this.serverAdapter.registerPlugin();
    void fastify.register(
      async (scope) => {
        scope.addHook('onRequest', adminOnly);
        await scope.register(board);
      },
      { prefix: QUEUE_DASHBOARD_ROUTE },
    );
  }
}

/** Answered here: the board's own error handler would write its refusals in its own shape. */
function adminOnly(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const principal = request.principal;
  const refusal = !principal
    ? new UnauthenticatedError()
    : roleAllows(principal.role, 'admin')
      ? null
      : new ForbiddenError('admin', principal.role);
  if (!refusal) return done();
  sendProblem(reply, problemAnswer(refusal, request));
}
