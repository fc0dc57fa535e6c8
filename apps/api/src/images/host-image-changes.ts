import { Inject, Injectable } from '@nestjs/common';
import type { CatalogueSnapshot, PruneRequest, TaggedImage } from '#libs/catalogue';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { HostOfflineError, ImageNotFoundError } from '#libs/errors';
import { HOST_REQUESTS, type HostRequests } from '#libs/fleet';
import {
  ImageChangesService,
  type ImageChangeCommand,
  type ImageChangeOutcome,
  type PruneReport,
  type RemovalReport,
} from '#libs/image-changes';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import { ImageJobsService, type HostSelection } from '../jobs/image-jobs.service.js';
import type { JobRecord } from '#libs/jobs';

type Outcome<K extends ImageChangeOutcome['kind']> = Extract<ImageChangeOutcome, { kind: K }>;

/**
 * Changes to a host's images, whichever host: the api's own daemon directly, any other through a
 * request to its agent. Either way a change resolves once this api's view of the host shows it
 * (read-your-writes), and the same checks and errors apply, since the agent runs the same service.
 */
@Injectable()
export class HostImageChanges {
  constructor(
    private readonly hosts: HostCatalogues,
    private readonly own: ImageChangesService,
    @Inject(HOST_REQUESTS) private readonly requests: HostRequests,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
    private readonly jobs: ImageJobsService,
  ) {}

  async tag(host: string | null | undefined, source: string, target: string): Promise<HostTagged> {
    return this.tagged(host, { kind: 'tag', source, target }, () => this.own.tag(source, target));
  }

  async rename(host: string | null | undefined, source: string, target: string): Promise<HostTagged> {
    return this.tagged(host, { kind: 'rename', source, target }, () => this.own.rename(source, target));
  }

  async untag(host: string | null | undefined, ref: string): Promise<RemovalReport> {
    const name = this.hosts.resolve(host);
    if (this.isOwn(name)) return this.own.untag(ref);
    return (await this.remote(name, { kind: 'untag', ref }, 'removal')).outcome.report;
  }

  /**
   * `docker image rm` on one host, or with `hosts` on several: then a fan-out of jobs, answered
   * once every host is done (or after FLEET_REQUEST_TIMEOUT_SECONDS with those done so far), its
   * job telling how each host fared.
   */
  async remove(
    host: string | null | undefined,
    ref: string,
    options: {
      force: boolean;
      removeContainers: boolean;
      prune: boolean;
      hosts?: HostSelection | null;
      maxParallel?: number | null;
    },
    requestedBy: string,
  ): Promise<RemovalReport & { job?: JobRecord }> {
    if (options.hosts || (options.maxParallel !== undefined && options.maxParallel !== null)) {
      const input = { ref, host, ...pick(options), hosts: options.hosts, maxParallel: options.maxParallel };
      return this.jobs.removeEverywhere(input, requestedBy, this.config.fleet.requestTimeoutMs);
    }
    const name = this.hosts.resolve(host);
    if (this.isOwn(name)) return this.own.remove(ref, options);
    const command: ImageChangeCommand = { kind: 'remove', ref, ...pick(options) };
    return (await this.remote(name, command, 'removal')).outcome.report;
  }

  async prune(host: string | null | undefined, request: PruneRequest): Promise<PruneReport> {
    const name = this.hosts.resolve(host);
    if (this.isOwn(name)) return this.own.prune(request);
    const command: ImageChangeCommand = {
      kind: 'prune',
      all: request.all,
      dryRun: request.dryRun,
      until: request.until?.toISOString(),
      labels: request.labels ? [...request.labels] : undefined,
    };
    return (await this.remote(name, command, 'prune')).outcome.report;
  }

  private async tagged(
    host: string | null | undefined,
    command: Extract<ImageChangeCommand, { kind: 'tag' | 'rename' }>,
    own: () => Promise<TaggedImage>,
  ): Promise<HostTagged> {
    const name = this.hosts.resolve(host);
    if (this.isOwn(name)) return { host: name, ...(await own()) };
    const { outcome, snapshot } = await this.remote(name, command, 'tagged');
    const image = snapshot.imagesById.get(outcome.imageId);
    const tag = image?.tags.find((candidate) => candidate.reference === outcome.reference);
    // Removed again between the agent's answer and this read: as if it never was.
    if (!image || !tag) throw new ImageNotFoundError(command.source);
    return { host: name, tag, image };
  }

  /** Asks the host's agent, then waits until this api's replica shows the version it answered with. */
  private async remote<K extends ImageChangeOutcome['kind']>(
    host: string,
    command: ImageChangeCommand,
    expected: K,
  ): Promise<{ outcome: Outcome<K>; snapshot: CatalogueSnapshot }> {
    const record = this.hosts.roster.get(host);
    if (record && this.hosts.roster.status(record) === 'OFFLINE') {
      throw new HostOfflineError(
        host,
        `its agent has not been heard from since ${record.lastHeartbeatAt.toISOString()}`,
      );
    }
    const timeoutMs = this.config.fleet.requestTimeoutMs;
    const { version, outcome } = await this.requests.send(host, command, timeoutMs);
    if (outcome.kind !== expected)
      throw new Error(`host ${host} answered a ${command.kind} with ${outcome.kind}`);
    const { snapshot } = await this.hosts.replicas.reached(host, version, timeoutMs);
    return { outcome: outcome as Outcome<K>, snapshot };
  }

  private isOwn(host: string): boolean {
    return host === this.hosts.localHost;
  }
}

export interface HostTagged extends TaggedImage {
  readonly host: string;
}

function pick(options: { force: boolean; removeContainers: boolean; prune: boolean }) {
  return { force: options.force, removeContainers: options.removeContainers, prune: options.prune };
}
