import { Inject, Injectable } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { JOB_NAMES, JobFailure, type ImageJobResult, type PullJobPayload } from '#libs/jobs';
import { ProgressTracker } from '#libs/progress';
import { normalizedName, parseReference } from '#libs/reference';
import { CREDENTIAL_SEALER, type CredentialSealer } from '#libs/registry-auth';
import { HandlesJob, type ImageJobHandler, type JobContext } from '../job-handler.js';
import { followTransfer, registryAuthFor } from './registry-transfer.js';

/** `docker image pull`: one daemon pull, its progress per layer, the image id and digest at the end. */
@HandlesJob(JOB_NAMES.pull)
@Injectable()
export class PullJobHandler implements ImageJobHandler<'pull'> {
  constructor(
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
    @Inject(CREDENTIAL_SEALER) private readonly sealer: CredentialSealer,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
  ) {}

  async run(payload: PullJobPayload, context: JobContext): Promise<ImageJobResult> {
    const reference = parseReference(payload.ref);
    const registryAuth = registryAuthFor(payload, this.sealer, this.config);
    const tracker = new ProgressTracker('PULL');
    await followTransfer(
      () =>
        this.engine.pullImage({
          name: normalizedName(reference),
          tagOrDigest: reference.digest ?? reference.tag ?? 'latest',
          platform: payload.platform,
          registryAuth,
          signal: context.signal,
        }),
      tracker,
      context,
      'PULL',
    );
    if (!tracker.snapshot().message?.startsWith('Status:')) {
      // The stream ended without the daemon's final word: the connection was cut.
      throw new JobFailure(
        'DOCKER_UNAVAILABLE',
        'The daemon closed the pull stream before the pull finished.',
      );
    }
    tracker.complete();
    context.reportProgress(tracker.snapshot());
    const image = await this.engine.inspectImage(payload.ref);
    return { imageId: image.id, digest: tracker.digest() };
  }
}
