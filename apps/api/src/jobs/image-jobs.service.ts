import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { findImage, LiveCatalogue, paginate, tagsOf, type Page } from '#libs/catalogue';
import { BadUserInputError, ImageNotFoundError } from '#libs/errors';
import {
  CREDENTIAL_SEALER,
  JOB_NAMES,
  JOB_QUEUE,
  type JobKind,
  type JobQueue,
  type JobRecord,
  type JobState,
} from '#libs/jobs';
import {
  normalizedName,
  parseReference,
  registryOf,
  toNormalizedString,
  withDefaultTag,
  type ImageReference,
} from '#libs/reference';
import {
  validateCredentials,
  type CredentialSealer,
  type RegistryCredentialsInput,
} from '#libs/registry-auth';

export interface PullRequestInput {
  readonly ref: string;
  readonly platform?: string | null;
  readonly auth?: RegistryCredentialsInput | null;
}

export interface PushRequestInput {
  readonly ref: string;
  readonly allTags?: boolean | null;
  readonly auth?: RegistryCredentialsInput | null;
}

export interface JobListQuery {
  readonly state?: JobState;
  readonly kind?: JobKind;
  readonly ref?: string;
  readonly first: number;
  readonly after?: string | null;
}

/** `os/arch[/variant]`, as `docker pull --platform` takes it. */
const PLATFORM = /^[a-z0-9_-]+\/[a-z0-9_-]+(?:\/[a-z0-9_.-]+)?$/i;

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
    private readonly catalogue: LiveCatalogue,
    @Inject(STEVEDORE_CONFIG) private readonly config: StevedoreConfig,
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
    return this.queue.add(
      JOB_NAMES.pull,
      {
        ref,
        platform,
        registry: registryOf(reference),
        sealedCredentials: this.seal(input.auth, ref),
        requestedBy,
      },
      { deduplicationId: fingerprint('pull', ref, platform ?? '') },
    );
  }

  async push(input: PushRequestInput, requestedBy: string): Promise<JobRecord> {
    const parsed = parseReference(input.ref);
    if (parsed.digest !== undefined) {
      throw new BadUserInputError('A push names a tag, not a digest: the registry computes the digest.');
    }
    const tags = await this.tagsToPush(parsed, input.allTags ?? false);
    const ref = input.allTags ? normalizedName(parsed) : tags[0]!;
    return this.queue.add(
      JOB_NAMES.push,
      { ref, tags, registry: registryOf(parsed), sealedCredentials: this.seal(input.auth, ref), requestedBy },
      { deduplicationId: fingerprint('push', ref, tags.join(',')) },
    );
  }

  /**
   * Stores an uploaded `docker save` archive in the state folder (streamed, never held in memory,
   * refused past the size limit) and queues its load.
   */
  async load(upload: Readable, requestedBy: string): Promise<JobRecord> {
    const folder = join(this.config.stateDir, 'uploads');
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const name = `${randomUUID()}.tar`;
    const archivePath = join(folder, name);
    const limit = this.config.jobs.importMaxBytes;
    let sizeBytes = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sizeBytes += chunk.length;
        done(
          sizeBytes > limit
            ? new BadUserInputError(`The archive is larger than the limit of ${limit} bytes.`)
            : null,
          chunk,
        );
      },
    });
    try {
      await pipeline(upload, counter, createWriteStream(archivePath, { mode: 0o600 }));
    } catch (error) {
      await rm(archivePath, { force: true });
      throw error instanceof BadUserInputError
        ? error
        : new BadUserInputError('The upload broke off before the end.');
    }
    if (sizeBytes === 0) {
      await rm(archivePath, { force: true });
      throw new BadUserInputError('The upload is empty: send a docker save archive as the request body.');
    }
    return this.queue.add(JOB_NAMES.load, { ref: `upload:${name}`, archivePath, sizeBytes, requestedBy });
  }

  async get(id: string): Promise<JobRecord | null> {
    return this.queue.get(id);
  }

  async list(query: JobListQuery): Promise<Page<JobRecord>> {
    const ref = query.ref === undefined ? undefined : normalizedRef(query.ref);
    const jobs = (await this.queue.list()).filter(
      (job) =>
        (query.state === undefined || job.state === query.state) &&
        (query.kind === undefined || job.kind === query.kind) &&
        (ref === undefined || job.ref === ref),
    );
    return paginate(jobs, {
      first: query.first,
      after: query.after,
      keyOf: (job) => JSON.stringify([job.createdAt.getTime(), job.id]),
      compareKeyToItem: (key, job) => {
        const [createdAt, id] = parseJobKey(key);
        return job.createdAt.getTime() - createdAt || (id < job.id ? -1 : id > job.id ? 1 : 0);
      },
    });
  }

  cancel(id: string): Promise<JobRecord> {
    return this.queue.cancel(id);
  }

  /**
   * The local tags a push covers; none is IMAGE_NOT_FOUND, before anything is queued. Read from
   * a fresh sync: a tag made a moment ago (by the CLI, say) must count.
   */
  private async tagsToPush(reference: ImageReference, allTags: boolean): Promise<string[]> {
    const snapshot = await this.catalogue.refresh();
    if (allTags) {
      const tags = tagsOf(snapshot, normalizedName(reference)).map(({ tag }) => tag.reference);
      if (tags.length === 0) throw new ImageNotFoundError(normalizedName(reference));
      return tags;
    }
    const ref = toNormalizedString(withDefaultTag(reference));
    if (!findImage(snapshot, ref)) throw new ImageNotFoundError(ref);
    return [ref];
  }

  /** Credentials travel sealed, bound to the job's reference; null leaves them to the worker's config.json. */
  private seal(auth: RegistryCredentialsInput | null | undefined, ref: string): string | null {
    if (!auth) return null;
    return this.sealer.seal(validateCredentials(auth), { associatedData: ref });
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
