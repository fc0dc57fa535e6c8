import type { ReadStream } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { BadUserInputError, DomainError } from '#libs/errors';
import {
  archiveNameOf,
  ImportArchives,
  JOB_NAMES,
  JobFailure,
  type ImageJobResult,
  type LoadJobPayload,
} from '#libs/jobs';
import { daemonErrorText, ProgressTracker } from '#libs/progress';
import { HandlesJob, type ImageJobHandler, type JobContext } from '../job-handler.js';

/**
 * `docker image load` of an uploaded archive, with progress per layer. The daemon checks the
 * archive as it reads it and loads nothing from a corrupt one: BAD_USER_INPUT, not retried.
 *
 * The archive is read only through ImportArchives, by its file name in the uploads folder (a
 * payload naming anything else fails at once, the path untouched). It is never deleted here: it
 * is the job's artifact (JOB_ARTIFACTS), freed by the job lifecycle once the job is over.
 */
@HandlesJob(JOB_NAMES.load)
@Injectable()
export class LoadJobHandler implements ImageJobHandler<'load'> {
  constructor(
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
    private readonly archives: ImportArchives,
  ) {}

  async run(payload: LoadJobPayload, context: JobContext): Promise<ImageJobResult> {
    const archive = await this.openArchive(payload);
    try {
      return await this.load(archive, context);
    } finally {
      archive.destroy();
    }
  }

  private async openArchive(payload: LoadJobPayload): Promise<ReadStream> {
    try {
      return (await this.archives.open(archiveNameOf(payload))).createReadStream();
    } catch (error) {
      if (error instanceof BadUserInputError) throw new JobFailure('BAD_USER_INPUT', error.message, false);
      const code = (error as NodeJS.ErrnoException).code;
      throw new JobFailure(
        'BAD_USER_INPUT',
        code === 'ENOENT'
          ? 'The uploaded archive is no longer there: upload it again.'
          : `The uploaded archive cannot be read (${code ?? describe(error)}).`,
        false,
      );
    }
  }

  private async load(archive: ReadStream, context: JobContext): Promise<ImageJobResult> {
    const tracker = new ProgressTracker('LOAD');
    try {
      const lines = await this.engine.loadImages(archive, context.signal);
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
    return { imageId: first.id, digest: null, loaded: [...loaded] };
  }
}

function describe(error: unknown): string {
  return daemonErrorText(error instanceof Error ? error.message : String(error));
}
