import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { JobNotFoundError } from '#libs/errors';
import { ImageJobsService } from '../image-jobs.service.js';

/**
 * Answers 404 for a missing job before a Server-Sent Events response starts: once Nest has
 * opened the stream (status 200 sent), an error can only be an event inside it.
 */
@Injectable()
export class JobExistsGuard implements CanActivate {
  constructor(private readonly jobs: ImageJobsService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const id = (context.switchToHttp().getRequest<FastifyRequest>().params as Record<string, string>)['id']!;
    if (!(await this.jobs.get(id))) throw new JobNotFoundError(id);
    return true;
  }
}
