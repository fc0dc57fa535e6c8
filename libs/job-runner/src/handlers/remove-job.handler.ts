import { Injectable } from '@nestjs/common';
import { ImageChangesService } from '#libs/image-changes';
import { JOB_NAMES, type ImageJobResult, type RemoveJobPayload } from '#libs/jobs';
import { HandlesJob, type ImageJobHandler } from '../job-handler.js';

/**
 * `docker image rm` as a job: one host's part of a removal over several hosts, run by that
 * host's agent with the same checks as removeImage on one host (IMAGE_IN_USE,
 * IMAGE_HAS_MULTIPLE_TAGS, IMAGE_NOT_FOUND).
 */
@HandlesJob(JOB_NAMES.remove)
@Injectable()
export class RemoveJobHandler implements ImageJobHandler<'remove'> {
  constructor(private readonly changes: ImageChangesService) {}

  async run(payload: RemoveJobPayload): Promise<ImageJobResult> {
    const { untagged, deleted, removedContainers } = await this.changes.remove(payload.ref, {
      force: payload.force,
      removeContainers: payload.removeContainers,
      prune: payload.prune,
    });
    return { imageId: null, digest: null, removal: { untagged, deleted, removedContainers } };
  }
}
