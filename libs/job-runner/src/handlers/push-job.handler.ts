import { Inject, Injectable } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { JOB_NAMES, JobFailure, type ImageJobResult, type PushJobPayload } from '#libs/jobs';
import { ProgressTracker } from '#libs/progress';
import { normalizedName, parseReference } from '#libs/reference';
import { CREDENTIAL_SEALER, type CredentialSealer } from '#libs/registry-auth';
import { HandlesJob, type ImageJobHandler, type JobContext } from '../job-handler.js';
import { followTransfer, registryAuthFor } from './registry-transfer.js';

/** `docker image push` (with allTags, `--all-tags`): each tag in turn, progress over all of them. */
@HandlesJob(JOB_NAMES.push)
@Injectable()
export class PushJobHandler implements ImageJobHandler<'push'> {
  constructor(
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
    @Inject(CREDENTIAL_SEALER) private readonly sealer: CredentialSealer,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
  ) {}

  async run(payload: PushJobPayload, context: JobContext): Promise<ImageJobResult> {
    // The credentials are those of the reference's registry: every tag pushed with them must be
    // of that repository, so none of them can carry the credentials to another registry.
    const repository = normalizedName(parseReference(payload.ref));
    const foreign = payload.tags.find((tag) => normalizedName(parseReference(tag)) !== repository);
    if (foreign !== undefined) {
      throw new JobFailure(
        'BAD_USER_INPUT',
        `The push of ${repository} names a tag of another repository (${foreign.slice(0, 256)}).`,
        false,
      );
    }
    const registryAuth = registryAuthFor(payload, this.sealer, this.config);
    const tracker = new ProgressTracker('PUSH');
    let digest: string | null = null;
    for (const tag of payload.tags) {
      const reference = parseReference(tag);
      await followTransfer(
        () =>
          this.engine.pushImage({
            name: normalizedName(reference),
            tag: reference.tag ?? 'latest',
            registryAuth,
            signal: context.signal,
          }),
        tracker,
        context,
        'PUSH',
      );
      // The daemon's last word on a push is `<tag>: digest: sha256:… size: N`.
      if (!tracker.snapshot().message?.startsWith(`${reference.tag ?? 'latest'}: digest: `)) {
        throw new JobFailure(
          'DOCKER_UNAVAILABLE',
          `The daemon closed the push stream of ${tag} before it finished.`,
        );
      }
      digest = tracker.digest();
    }
    tracker.complete();
    context.reportProgress(tracker.snapshot());
    return { imageId: null, digest };
  }
}
