import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '#libs/errors';
import { type CopyJobPayload, type ImageJobResult, JOB_NAMES, JobFailure } from '#libs/jobs';
import { parseReference } from '#libs/reference';
import { CREDENTIAL_SEALER, type CredentialSealer, type RegistryCredentials } from '#libs/registry-auth';
import {
  type BlobProgress,
  type CopyEnd,
  IMAGE_COPIER,
  type ImageCopier,
  parsePlatform,
  type Platform,
  RegistryDirectory,
} from '#libs/registry';
import { HandlesJob, type ImageJobHandler, type JobContext } from '../job-handler.js';

/**
 * `copyImage`: registry to registry through the ImageCopier (RegistryCopier, in its thread), with the credentials sealed into the
 * job for each side (else those the directory knows), and progress per blob on the job's usual
 * progress path. Failures keep their contract code; a registry that did not answer is retried.
 */
@HandlesJob(JOB_NAMES.copy)
@Injectable()
export class CopyJobHandler implements ImageJobHandler<'copy'> {
  constructor(
    @Inject(IMAGE_COPIER) private readonly copier: ImageCopier,
    private readonly directory: RegistryDirectory,
    @Inject(CREDENTIAL_SEALER) private readonly sealer: CredentialSealer,
  ) {}

  async run(payload: CopyJobPayload, context: JobContext): Promise<ImageJobResult> {
    const source = await this.end(payload.ref, this.unseal(payload.sealedCredentials, payload.ref));
    const target = await this.end(
      payload.target,
      this.unseal(payload.sealedTargetCredentials, payload.target),
    );
    const platforms = (payload.platforms ?? [])
      .map(parsePlatform)
      .filter((platform): platform is Platform => !!platform);
    try {
      const digest = await this.copier.copy(source, target, {
        platforms: platforms.length > 0 ? platforms : undefined,
        signal: context.signal,
        onProgress: (blobs) => context.reportProgress(progressOf(blobs)),
      });
      await context.flushProgress();
      return { imageId: null, digest };
    } catch (error) {
      if (context.signal.aborted) throw error;
      if (error instanceof DomainError) {
        throw new JobFailure(error.code, error.message, error.code === 'REGISTRY_UNREACHABLE');
      }
      throw error;
    }
  }

  private async end(reference: string, credentials: RegistryCredentials | undefined): Promise<CopyEnd> {
    const ref = parseReference(reference);
    return {
      endpoint: await this.directory.endpointOf(ref.domain, credentials),
      repository: ref.path,
      reference: ref.digest ?? ref.tag ?? 'latest',
    };
  }

  private unseal(sealed: string | null, ref: string): RegistryCredentials | undefined {
    return sealed ? this.sealer.unseal(sealed, { associatedData: ref }) : undefined;
  }
}

/** The job's progress from its blobs: bytes over the blobs still to move, each blob a "layer". */
function progressOf(blobs: readonly BlobProgress[]) {
  const totalBytes = blobs.reduce((sum, blob) => sum + blob.total, 0);
  const currentBytes = blobs.reduce(
    (sum, blob) =>
      sum + (blob.status === 'Copying' ? blob.current : blob.status === 'Waiting' ? 0 : blob.total),
    0,
  );
  return {
    percent: totalBytes === 0 ? 0 : Math.min(100, (100 * currentBytes) / totalBytes),
    currentBytes,
    totalBytes,
    layers: blobs.map((blob) => ({
      id: blob.digest.slice(7, 19),
      status: blob.status,
      current: blob.current,
      total: blob.total,
    })),
    message: null,
  };
}
