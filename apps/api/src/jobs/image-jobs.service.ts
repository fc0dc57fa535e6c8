import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import { paginate, type Page } from '#libs/pagination';
import { BadUserInputError, ImageNotFoundError, JobNotFoundError } from '#libs/errors';
import {
  FAN_OUT_QUEUE,
  ImportArchives,
  isFinal,
  JOB_NAMES,
  JOB_QUEUE,
  type FanOutPlan,
  type FanOutQueue,
  type JobKind,
  type JobQueue,
  type JobRecord,
  type JobState,
} from '#libs/jobs';
import {
  normalizedName,
  parseReference,
  toNormalizedString,
  withDefaultTag,
  type ImageReference,
} from '#libs/reference';
import {
  validateCredentials,
  CREDENTIAL_SEALER,
  type CredentialSealer,
  type RegistryCredentials,
  type RegistryCredentialsInput,
} from '#libs/registry-auth';

/** Several hosts, by name or by label (see HostCatalogues.select). */
export interface HostSelection {
  readonly names?: readonly string[] | null;
  readonly labels?: readonly string[] | null;
}

/** A change over several hosts: a fan-out, `maxParallel` hosts at a time (default all). */
interface FanOutRequest {
  readonly hosts?: HostSelection | null;
  readonly maxParallel?: number | null;
}

/** The most hosts a fan-out changes at once. */
export const MAX_PARALLEL_LIMIT = 1_000;

export interface PullRequestInput extends FanOutRequest {
  readonly ref: string;
  /** The host that pulls (see HostCatalogues.resolve). */
  readonly host?: string | null;
  readonly platform?: string | null;
  readonly auth?: RegistryCredentialsInput | null;
}

export interface PushRequestInput extends FanOutRequest {
  readonly ref: string;
  readonly host?: string | null;
  readonly allTags?: boolean | null;
  readonly auth?: RegistryCredentialsInput | null;
}

export interface CopyRequestInput {
  readonly source: string;
  readonly target: string;
  readonly platforms?: readonly string[] | null;
  readonly auth?: RegistryCredentialsInput | null;
  readonly targetAuth?: RegistryCredentialsInput | null;
}

export interface RemoveEverywhereInput extends FanOutRequest {
  readonly ref: string;
  /** Given with hosts: BAD_USER_INPUT (one host or several). */
  readonly host?: string | null;
  readonly force: boolean;
  readonly removeContainers: boolean;
  readonly prune: boolean;
}

/** A removal over several hosts: what the hosts done so far removed, and the fan-out's job. */
export interface FanOutRemoval {
  readonly untagged: string[];
  readonly deleted: string[];
  readonly removedContainers: string[];
  readonly job: JobRecord;
}

export interface JobListQuery {
  readonly host?: string | null;
  readonly state?: JobState;
  readonly kind?: JobKind;
  readonly ref?: string;
  readonly first: number;
  readonly after?: string | null;
}

/** `os/arch[/variant]`, as `docker pull --platform` takes it. */
const PLATFORM = /^[a-z0-9_-]+\/[a-z0-9_-]+(?:\/[a-z0-9_.-]+)?$/i;
/** What stands for "no credentials" in a deduplication key. */
const NO_CREDENTIALS = 'no-credentials';

/**
 * Turns pull and push requests into queued jobs: validates at the edge (reference, platform,
 * credentials), resolves what a push covers from the catalogue, seals credentials, and makes
 * identical requests share one job.
 */
@Injectable()
export class ImageJobsService {
  constructor(
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    @Inject(CREDENTIAL_SEALER) private readonly sealer: CredentialSealer,
    private readonly hosts: HostCatalogues,
    private readonly archives: ImportArchives,
    @Inject(FAN_OUT_QUEUE) private readonly fanOuts: FanOutQueue,
  ) {}

  async pull(input: PullRequestInput, requestedBy: string): Promise<JobRecord> {
    const parsed = parseReference(input.ref);
    const reference = parsed.digest === undefined ? withDefaultTag(parsed) : parsed;
    const ref = toNormalizedString(reference);
    const platform = input.platform?.trim() || null;
    if (platform !== null && !PLATFORM.test(platform)) {
      throw new BadUserInputError(
        `platform must look like os/arch[/variant], e.g. linux/arm64; got ${JSON.stringify(platform.slice(0, 64))}.`,
      );
    }
    const credentials = input.auth ? validateCredentials(input.auth) : null;
    const payload = { ref, platform, sealedCredentials: this.seal(credentials, ref), requestedBy };
    const plan = this.fanOutPlan(input);
    if (plan) return this.fanOuts.addFanOut(JOB_NAMES.pull, payload, plan);
    const host = this.hosts.resolve(input.host);
    return this.queue.add(
      JOB_NAMES.pull,
      payload,
      // Identical pulls share a job only with the same credentials: a pull queued with wrong
      // ones must not capture a later request with the right ones.
      {
        deduplicationId: fingerprint('pull', ref, platform ?? '', this.credentialsFingerprint(credentials)),
        host,
      },
    );
  }

  async push(input: PushRequestInput, requestedBy: string): Promise<JobRecord> {
    const parsed = parseReference(input.ref);
    if (parsed.digest !== undefined) {
      throw new BadUserInputError('A push names a tag, not a digest: the registry computes the digest.');
    }
    const credentials = input.auth ? validateCredentials(input.auth) : null;
    const plan = this.fanOutPlan(input);
    if (plan) {
      const tags = await this.sameTagsOn(plan.hosts, parsed, input.allTags ?? false);
      const ref = input.allTags ? normalizedName(parsed) : tags[0]!;
      const payload = { ref, tags, sealedCredentials: this.seal(credentials, ref), requestedBy };
      return this.fanOuts.addFanOut(JOB_NAMES.push, payload, plan);
    }
    const host = this.hosts.resolve(input.host);
    const tags = await this.tagsToPush(host, parsed, input.allTags ?? false);
    const ref = input.allTags ? normalizedName(parsed) : tags[0]!;
    return this.queue.add(
      JOB_NAMES.push,
      { ref, tags, sealedCredentials: this.seal(credentials, ref), requestedBy },
      {
        deduplicationId: fingerprint('push', ref, tags.join(','), this.credentialsFingerprint(credentials)),
        host,
      },
    );
  }

  /**
   * Queues a copy between registries. Each side's credentials are sealed to its own reference;
   * identical copies (same credentials) share a job.
   */
  async copy(input: CopyRequestInput, requestedBy: string): Promise<JobRecord> {
    const ref = normalizedRef(input.source);
    const target = normalizedRef(input.target);
    if (ref === target) throw new BadUserInputError('The source and the target are the same image.');
    const platforms = input.platforms?.length ? input.platforms.map((platform) => platform.trim()) : null;
    for (const platform of platforms ?? []) {
      if (!PLATFORM.test(platform)) {
        throw new BadUserInputError(
          `platforms must look like os/arch[/variant], e.g. linux/arm64; got ${JSON.stringify(platform.slice(0, 64))}.`,
        );
      }
    }
    const credentials = input.auth ? validateCredentials(input.auth) : null;
    const targetCredentials = input.targetAuth
      ? validateCredentials(input.targetAuth, { path: 'targetAuth' })
      : null;
    return this.queue.add(
      JOB_NAMES.copy,
      {
        ref,
        target,
        platforms,
        sealedCredentials: this.seal(credentials, ref),
        sealedTargetCredentials: this.seal(targetCredentials, target),
        requestedBy,
      },
      {
        deduplicationId: fingerprint(
          'copy',
          ref,
          target,
          (platforms ?? []).join(','),
          this.credentialsFingerprint(credentials),
          this.credentialsFingerprint(targetCredentials),
        ),
      },
    );
  }

  /**
   * `docker image rm` over several hosts, as a fan-out of REMOVE jobs (one per host, each with the
   * same checks as on one host). Answers once every host is done, or after `waitMs` with the
   * hosts done so far: the report is theirs, merged, and the job says how each host fared.
   */
  async removeEverywhere(
    input: RemoveEverywhereInput,
    requestedBy: string,
    waitMs: number,
  ): Promise<FanOutRemoval> {
    const ref = input.ref.trim();
    if (ref === '') throw new BadUserInputError('ref must name an image.');
    const plan = this.fanOutPlan(input);
    if (!plan) throw new BadUserInputError('A removal over several hosts needs hosts.');
    const { force, removeContainers, prune } = input;
    const queued = await this.fanOuts.addFanOut(
      JOB_NAMES.remove,
      { ref, force, removeContainers, prune, requestedBy },
      plan,
    );
    const job = await this.settledWithin(queued.id, waitMs);
    const children = await this.queue.getMany(job.children ?? []);
    // Read-your-writes: answered once this api's view of each host that removed it shows so.
    await Promise.all(
      children
        .filter((child) => child.state === 'COMPLETED' && child.host)
        .map((child) => this.hosts.fresh(child.host!).catch(() => undefined)),
    );
    const union = (pick: (removal: NonNullable<JobRecord['removal']>) => readonly string[]) =>
      [...new Set(children.flatMap((child) => (child.removal ? pick(child.removal) : [])))].sort();
    return {
      untagged: union((removal) => removal.untagged),
      deleted: union((removal) => removal.deleted),
      removedContainers: union((removal) => removal.removedContainers),
      job,
    };
  }

  /** The job once final, or as it is after `ms`. */
  private async settledWithin(id: string, ms: number): Promise<JobRecord> {
    let latest: JobRecord | null = null;
    let wake: () => void = () => undefined;
    const stop = this.queue.onChange((record) => {
      if (record.id === id) {
        latest = record;
        if (isFinal(record)) wake();
      }
    });
    try {
      const deadline = Date.now() + ms;
      for (;;) {
        latest = (await this.queue.get(id)) ?? latest;
        if (!latest) throw new JobNotFoundError(id);
        if (isFinal(latest) || Date.now() >= deadline) return latest;
        // A change wakes the wait; a poll covers one missed.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(1_000, Math.max(0, deadline - Date.now())));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      stop();
    }
  }

  /**
   * Stores an uploaded `docker save` archive in the uploads folder (streamed, never held in
   * memory, refused past the size limit or the folder's quota; see ImportArchives) and queues its
   * load. The job then owns the archive (its artifact): the job lifecycle deletes it once the job
   * reached a final state.
   */
  async load(upload: Readable, requestedBy: string): Promise<JobRecord> {
    const { fileName, sizeBytes } = await this.archives.store(upload);
    try {
      return await this.queue.add(JOB_NAMES.load, {
        ref: ImportArchives.refOf(fileName),
        fileName,
        sizeBytes,
        requestedBy,
      });
    } catch (error) {
      // Not queued (QUEUE_UNAVAILABLE): no job will ever own it.
      await this.archives.release(fileName);
      throw error;
    }
  }

  async get(id: string): Promise<JobRecord | null> {
    return this.queue.get(id);
  }

  /** These jobs, in this order; one gone (or never queued) is left out. */
  async getMany(ids: readonly string[]): Promise<JobRecord[]> {
    return this.queue.getMany(ids);
  }

  async list(query: JobListQuery): Promise<Page<JobRecord>> {
    const ref = query.ref === undefined ? undefined : normalizedRef(query.ref);
    const jobs = (await this.queue.summaries(this.hosts.resolve(query.host))).filter(
      (job) =>
        (query.state === undefined || job.state === query.state) &&
        (query.kind === undefined || job.kind === query.kind) &&
        (ref === undefined || job.ref === ref),
    );
    const page = paginate(jobs, {
      first: query.first,
      after: query.after,
      keyOf: (job) => JSON.stringify([job.createdAt.getTime(), job.id]),
      compareKeyToItem: (key, job) => {
        const [createdAt, id] = parseJobKey(key);
        return job.createdAt.getTime() - createdAt || (id < job.id ? -1 : id > job.id ? 1 : 0);
      },
    });
    // Whole jobs (progress per layer, results) for this page only.
    return { ...page, nodes: await this.queue.getMany(page.nodes.map((job) => job.id)) };
  }

  /** The job lifecycle's cancel: a LOAD job's archive goes with it (JOB_ARTIFACTS). */
  async cancel(id: string): Promise<JobRecord> {
    return this.queue.cancel(id);
  }

  /**
   * The fan-out a request asks for (null: one host). `host` and `hosts` exclude each other, and
   * maxParallel is a whole number from 1 (default: every selected host at once).
   */
  private fanOutPlan(input: FanOutRequest & { readonly host?: string | null }): FanOutPlan | null {
    const { maxParallel } = input;
    if (!input.hosts) {
      if (maxParallel !== undefined && maxParallel !== null) {
        throw new BadUserInputError('maxParallel applies to a change over several hosts: give hosts too.');
      }
      return null;
    }
    if (input.host !== undefined && input.host !== null) {
      throw new BadUserInputError('Give host (one host) or hosts (a selector), not both.');
    }
    if (
      maxParallel !== undefined &&
      maxParallel !== null &&
      (!Number.isSafeInteger(maxParallel) || maxParallel < 1 || maxParallel > MAX_PARALLEL_LIMIT)
    ) {
      throw new BadUserInputError(`maxParallel must be a whole number from 1 to ${MAX_PARALLEL_LIMIT}.`);
    }
    const hosts = this.hosts.select(input.hosts);
    return { hosts, maxParallel: Math.min(maxParallel ?? hosts.length, hosts.length) };
  }

  /**
   * The tags a push over several hosts covers: the same on each, checked before anything is
   * queued (IMAGE_NOT_FOUND names a host that lacks them).
   */
  private async sameTagsOn(hosts: readonly string[], reference: ImageReference, allTags: boolean) {
    let agreed: string[] | null = null;
    for (const host of hosts) {
      let tags: string[];
      try {
        tags = await this.tagsToPush(host, reference, allTags);
      } catch (error) {
        if (!(error instanceof ImageNotFoundError)) throw error;
        throw new ImageNotFoundError(error.reference, host);
      }
      if (agreed && agreed.join(',') !== tags.join(',')) {
        throw new BadUserInputError(
          `The repository's tags differ between hosts ${hosts[0]} and ${host}: push each host on its own.`,
        );
      }
      agreed = tags;
    }
    return agreed!;
  }

  /**
   * The local tags a push covers; none is IMAGE_NOT_FOUND, before anything is queued. Read from
   * a fresh sync: a tag made a moment ago (by the CLI, say) must count.
   */
  private async tagsToPush(host: string, reference: ImageReference, allTags: boolean): Promise<string[]> {
    const snapshot = await this.hosts.fresh(host);
    if (allTags) {
      const tags = snapshot.tagsOf(normalizedName(reference)).map(({ tag }) => tag.reference);
      if (tags.length === 0) throw new ImageNotFoundError(normalizedName(reference));
      return tags;
    }
    const ref = toNormalizedString(withDefaultTag(reference));
    if (!snapshot.find(ref)) throw new ImageNotFoundError(ref);
    return [ref];
  }

  /** Credentials travel sealed, bound to the job's reference; null leaves them to the worker's config.json. */
  /** Stands for the credentials in a deduplication key: a keyed fingerprint, or a marker for none. */
  private credentialsFingerprint(credentials: RegistryCredentials | null): string {
    return credentials === null ? NO_CREDENTIALS : this.sealer.fingerprint(credentials);
  }

  private seal(credentials: RegistryCredentials | null, ref: string): string | null {
    if (credentials === null) return null;
    return this.sealer.seal(credentials, { associatedData: ref });
  }
}

function normalizedRef(input: string): string {
  const parsed = parseReference(input);
  return toNormalizedString(parsed.digest === undefined ? withDefaultTag(parsed) : parsed);
}

function fingerprint(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

function parseJobKey(key: string): [number, string] {
  try {
    const [createdAt, id] = JSON.parse(key) as unknown[];
    if (typeof createdAt === 'number' && typeof id === 'string') return [createdAt, id];
  } catch {
    // fall through
  }
  throw new BadUserInputError('The cursor does not belong to a job listing.');
}
