import { Injectable } from '@nestjs/common';
import { ImageNotFoundError } from '#libs/errors';
import { ImageChangesService } from '#libs/image-changes';
import { JOB_NAMES, type ImageJobResult, type RemoveJobPayload } from '#libs/jobs';
import { HandlesJob, type ImageJobHandler, type JobContext } from '../job-handler.js';

/**
 * `docker image rm` as a job: one host's part of a removal over several hosts, run by that
 * host's agent with the same checks as removeImage on one host (IMAGE_IN_USE,
 * IMAGE_HAS_MULTIPLE_TAGS, IMAGE_NOT_FOUND).
 */
@HandlesJob(JOB_NAMES.remove)
@Injectable()
export class RemoveJobHandler implements ImageJobHandler<'remove'> {
  constructor(private readonly changes: ImageChangesService) {}

  async run(payload: RemoveJobPayload, context: JobContext): Promise<ImageJobResult> {
    try {
      const { untagged, deleted, removedContainers } = await this.changes.remove(payload.ref, {
        force: payload.force,
        removeContainers: payload.removeContainers,
        prune: payload.prune,
      });
      return { imageId: null, digest: null, removal: { untagged, deleted, removedContainers } };
    } catch (error) {
      // A later attempt of a removal an earlier one made before it was cut off: done, not failed.
      if (error instanceof ImageNotFoundError && context.attempt > 1) {
        return { imageId: null, digest: null, removal: { untagged: [], deleted: [], removedContainers: [] } };
      }
      throw error;
    }
  }
}
