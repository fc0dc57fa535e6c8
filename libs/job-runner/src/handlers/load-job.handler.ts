import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Inject, Injectable } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { DomainError } from '#libs/errors';
import { JOB_NAMES, JobFailure, type ImageJobResult, type LoadJobPayload } from '#libs/jobs';
import { daemonErrorText, ProgressTracker } from '#libs/progress';
import { HandlesJob, type ImageJobHandler, type JobContext } from '../job-handler.js';

/**
 * `docker image load` of an uploaded archive, with progress per layer. The daemon checks the
 * archive as it reads it and loads nothing from a corrupt one: BAD_USER_INPUT, not retried.
 */
@HandlesJob(JOB_NAMES.load)
@Injectable()
export class LoadJobHandler implements ImageJobHandler<'load'> {
  constructor(
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
  ) {}

  async run(payload: LoadJobPayload, context: JobContext): Promise<ImageJobResult> {
    let finished = false;
    try {
      const result = await this.load(payload, context);
      finished = true;
      return result;
    } catch (error) {
      finished =
        !(error instanceof JobFailure && error.retryable) || context.attempt >= this.config.jobs.attempts;
      throw error;
    } finally {
      // The archive is kept for another attempt, and removed once the job is over either way.
      if (finished) await rm(payload.archivePath, { force: true });
    }
  }

  private async load(payload: LoadJobPayload, context: JobContext): Promise<ImageJobResult> {
    const tracker = new ProgressTracker('LOAD');
    try {
      const lines = await this.engine.loadImages(createReadStream(payload.archivePath), context.signal);
      for await (const line of lines) {
        tracker.applyLine(line);
        context.reportProgress(tracker.snapshot());
      }
    } catch (error) {
      if (context.signal.aborted) throw error;
      if (error instanceof DomainError && error.code === 'DOCKER_UNAVAILABLE') {
        throw new JobFailure('DOCKER_UNAVAILABLE', error.message, true);
      }
      throw new JobFailure('BAD_USER_INPUT', `The archive could not be loaded: ${describe(error)}`, false);
    }
    if (context.signal.aborted) throw new Error('load aborted');
    const failure = tracker.failure();
    if (failure) {
      throw new JobFailure(
        'BAD_USER_INPUT',
        `The archive could not be loaded: ${daemonErrorText(failure.message)}`,
        false,
      );
    }
    const loaded = tracker.loadedImages();
    if (loaded.length === 0) throw new JobFailure('BAD_USER_INPUT', 'The archive held no image.', false);
    tracker.complete();
    context.reportProgress(tracker.snapshot());
    const first = await this.engine.inspectImage(loaded[0]!);
    return { imageId: first.id, digest: null };
  }
}

function describe(error: unknown): string {
  return daemonErrorText(error instanceof Error ? error.message : String(error));
}
