import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { InjectQueue } from '@nestjs/bullmq';
import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IMAGE_QUEUE, JobsModule } from '#libs/jobs';
import { problemAnswer, sendProblem } from '../errors/problem-details.filter.js';
import { AdmissionChain } from '../operations/admission-chain.js';
import { QUEUE_DASHBOARD_ROUTE } from './queue-dashboard.constants.js';
import { viewQueueDashboard } from './queue-dashboard.operations.js';

/**
 * Bull Board over the image queue at /admin/queues (page, JSON API and assets, all served from
 * the installed packages), admin role only. Read-only: retrying, removing or cleaning jobs there
 * would change state outside the audit trail. Not a Nest controller: a Fastify plugin of its own,
 * whose every request the admission chain admits as `viewQueueDashboard` (admins only).
 */
@Module({ imports: [JobsModule] })
export class QueueDashboardModule implements OnModuleInit {
  private readonly serverAdapter = new BullBoardFastifyAdapter().setBasePath(QUEUE_DASHBOARD_ROUTE);

  constructor(
    @InjectQueue(IMAGE_QUEUE) queue: Queue,
    private readonly adapterHost: HttpAdapterHost,
    private readonly chain: AdmissionChain,
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
        scope.addHook('onRequest', (request, reply) => this.admit(request, reply));
        await scope.register(board);
      },
      { prefix: QUEUE_DASHBOARD_ROUTE },
    );
  }

  /** Refusals are answered here: the board's own error handler would write them in its own shape. */
  private async admit(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    try {
      await this.chain.admit(viewQueueDashboard, { principal: request.principal, arguments: () => ({}) });
    } catch (refusal) {
      sendProblem(reply, problemAnswer(refusal, request));
      return reply;
    }
    return undefined;
  }
}
