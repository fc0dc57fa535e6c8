import { Inject, Injectable } from '@nestjs/common';
import pLimit from 'p-limit';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { DomainError } from '#libs/errors';
import {
  type CheckUpdatesJobPayload,
  EVERY_TAGGED_IMAGE,
  type ImageJobResult,
  JOB_NAMES,
  JobFailure,
} from '#libs/jobs';
import { parseReference } from '#libs/reference';
import {
  REGISTRY_CLIENT,
  type RegistryClient,
  RegistryDirectory,
  type RegistryEndpoint,
  type RemoteAnswer,
  type TagFinding,
  UPDATE_FINDINGS,
  type UpdateFindings,
  needsRemote,
  updateFinding,
  updateTargets,
} from '#libs/registry';
import { HandlesJob, type ImageJobHandler, type JobContext } from '../job-handler.js';

/** HEADs in flight per registry: polite to the registry, and enough to check hundreds of tags quickly. */
export const CHECKS_PER_REGISTRY = 4;

/**
 * Compares local tags with what their registries hold now: one HEAD of the manifest per
 * distinct `repository:tag` (Docker Hub counts no pull for a HEAD), a few at a time per registry,
 * then the findings recorded for `Image.update` and published when they changed.
 */
@HandlesJob(JOB_NAMES.checkUpdates)
@Injectable()
export class CheckUpdatesJobHandler implements ImageJobHandler<'check-updates'> {
  constructor(
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
    @Inject(REGISTRY_CLIENT) private readonly client: RegistryClient,
    private readonly directory: RegistryDirectory,
    @Inject(UPDATE_FINDINGS) private readonly findings: UpdateFindings,
  ) {}

  async run(payload: CheckUpdatesJobPayload, context: JobContext): Promise<ImageJobResult> {
    const images = await this.listImages();
    const only = payload.ref === EVERY_TAGGED_IMAGE ? undefined : payload.ref;
    const targets = updateTargets(images, only);
    // Only tags whose image came from (or went to) that repository can be compared: the others
    // are UNKNOWN without asking the registry.
    const tags = [
      ...new Set(targets.filter((target) => needsRemote(target.tag, target)).map((target) => target.tag)),
    ];
    const limits = new Map<string, ReturnType<typeof pLimit>>();
    let done = 0;
    const report = () =>
      context.reportProgress({
        percent: tags.length === 0 ? 100 : (100 * done) / tags.length,
        currentBytes: 0,
        totalBytes: 0,
        layers: [],
        message: `checked ${done} of ${tags.length} tags`,
      });
    report();
    const answers = new Map<string, RemoteAnswer>();
    // One directory lookup per registry for the whole run, not one per tag.
    const endpoints = new Map<string, Promise<RegistryEndpoint>>();
    const endpointOf = (registry: string) => {
      let endpoint = endpoints.get(registry);
      if (!endpoint) endpoints.set(registry, (endpoint = this.directory.endpointOf(registry)));
      return endpoint;
    };
    await Promise.all(
      tags.map((tag) => {
        const registry = parseReference(tag).domain;
        let limit = limits.get(registry);
        if (!limit) limits.set(registry, (limit = pLimit(CHECKS_PER_REGISTRY)));
        return limit(async () => {
          if (context.signal.aborted) return;
          answers.set(tag, await this.head(tag, endpointOf));
          done += 1;
          report();
        });
      }),
    );
    if (context.signal.aborted) throw new Error('update check aborted');
    const checkedAt = new Date().toISOString();
    await this.findings.record(
      targets.map((target): TagFinding => ({
        tag: target.tag,
        imageId: target.imageId,
        checkedAt,
        ...updateFinding(target.tag, target, answers.get(target.tag) ?? null),
      })),
    );
    await context.flushProgress();
    return { imageId: null, digest: null };
  }

  private async listImages() {
    try {
      return await this.engine.listImages();
    } catch (error) {
      const code = error instanceof DomainError ? error.code : 'DOCKER_UNAVAILABLE';
      throw new JobFailure(code, error instanceof Error ? error.message : String(error));
    }
  }

  /** The registry's digest for the tag, or the code of its failure: one tag failing fails no other. */
  private async head(
    tag: string,
    endpointOf: (registry: string) => Promise<RegistryEndpoint>,
  ): Promise<RemoteAnswer> {
    const ref = parseReference(tag);
    try {
      const endpoint = await endpointOf(ref.domain);
      return { digest: (await this.client.headManifest(endpoint, ref.path, ref.tag!)).digest };
    } catch (error) {
      return { failure: error instanceof DomainError ? error.code : 'REGISTRY_UNREACHABLE' };
    }
  }
}
