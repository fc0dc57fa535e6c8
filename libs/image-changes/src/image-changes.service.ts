import { Inject, Injectable } from '@nestjs/common';
import {
  LiveCatalogue,
  type CatalogueSnapshot,
  type ImageRecord,
  type PruneRequest,
  type TaggedImage,
} from '#libs/catalogue';
import { DOCKER_ENGINE, EngineConflictError, type DockerEngine, type EngineRemoval } from '#libs/docker';
import {
  BadUserInputError,
  ImageHasMultipleTagsError,
  ImageInUseError,
  type ImageUsage,
  ImageNotFoundError,
} from '#libs/errors';
import {
  normalizedName,
  parseReference,
  toNormalizedString,
  withDefaultTag,
  type ImageReference,
} from '#libs/reference';

export interface RemovalReport {
  readonly untagged: string[];
  readonly deleted: string[];
  readonly removedContainers: string[];
}

export interface PruneReport {
  readonly deleted: string[];
  readonly spaceReclaimed: number;
  /** References removed on the way (`prune -a` untags before it deletes); absent from a plan. */
  readonly untagged?: string[];
}

/** Container states in which the daemon will not let an image go, even forced. */
const RUNNING_STATES = new Set(['running', 'paused', 'restarting']);

/**
 * `docker image tag / rm / prune` with the checks a shared service needs, named errors instead
 * of the daemon's conflicts, and read-your-writes: each change resolves once the catalogue
 * shows it (the sync its own daemon event brings, not an extra one).
 */
@Injectable()
export class ImageChangesService {
  constructor(
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
    private readonly catalogue: LiveCatalogue,
  ) {}

  async tag(source: string, target: string): Promise<TaggedImage> {
    const image = await this.require(source);
    const reference = tagReference(target);
    await this.change(() => this.engine.tagImage(image.id, normalizedName(reference), reference.tag!));
    return taggedIn(await this.catalogue.settled(), image.id, reference, source);
  }

  /** Tag + untag: the new name first, so the image is never without one; one sync for both. */
  async rename(source: string, target: string): Promise<TaggedImage> {
    const from = toNormalizedString(tagReference(source));
    const image = await this.require(from);
    const reference = tagReference(target);
    await this.change(() => this.engine.tagImage(image.id, normalizedName(reference), reference.tag!));
    // Never the image's last name: the new one was just added.
    if (from !== toNormalizedString(reference)) {
      await this.change(() => this.engine.removeImage(from, { force: false, prune: true }));
    }
    return taggedIn(await this.catalogue.settled(), image.id, reference, source);
  }

  async untag(ref: string): Promise<RemovalReport> {
    const reference = parseReference(ref);
    if (reference.digest === undefined && !reference.tag && ref.includes('@')) {
      throw new BadUserInputError(
        `untagImage takes a name[:tag] or name@digest, not ${JSON.stringify(ref)}.`,
      );
    }
    const named = toNormalizedString(reference.digest === undefined ? withDefaultTag(reference) : reference);
    const removal = await this.removeName(named, await this.require(named, { fresh: true }));
    await this.catalogue.settled();
    return { ...copy(removal), removedContainers: [] };
  }

  /** Removes one name of `image`; never the last one of an image containers use. */
  private async removeName(name: string, image: ImageRecord): Promise<EngineRemoval> {
    const references = image.repoTags.length + image.repoDigests.length;
    if (references <= 1 && image.containers.length > 0) {
      throw new ImageInUseError(
        name,
        image.containers.map(describeContainer),
        'it is the last name of an image containers use; removeImage with force would delete the image.',
        usageOf(image, image.containers, true),
      );
    }
    return this.change(() => this.engine.removeImage(name, { force: false, prune: true }));
  }

  async remove(
    ref: string,
    options: { force: boolean; removeContainers: boolean; prune: boolean },
  ): Promise<RemovalReport> {
    const image = await this.require(ref, { fresh: true });
    const byName = namesImage(image, ref);
    const onlyUntags = byName && image.repoTags.length + image.repoDigests.length > 1;
    if (!byName && !options.force && image.repoTags.length > 1) {
      throw new ImageHasMultipleTagsError(ref, image.repoTags, image.id);
    }
    const removedContainers: string[] = [];
    if (!onlyUntags && image.containers.length > 0) {
      const running = image.containers.filter((container) => RUNNING_STATES.has(container.state));
      if (running.length > 0 && (options.removeContainers || !options.force)) {
        throw new ImageInUseError(
          ref,
          running.map(describeContainer),
          'stop them first: a running container is never removed.',
          usageOf(image, running, byName),
        );
      }
      if (options.removeContainers) {
        for (const container of image.containers) {
          await this.change(() => this.engine.removeContainer(container.id));
          removedContainers.push(container.name || container.id);
        }
      } else if (!options.force) {
        throw new ImageInUseError(
          ref,
          image.containers.map(describeContainer),
          'pass removeContainers to remove these stopped containers first, or force to remove the image anyway.',
          usageOf(image, image.containers, byName),
        );
      }
    }
    const target = byName ? ref : image.id;
    const removal = await this.change(() =>
      this.engine.removeImage(target, { force: options.force, prune: options.prune }),
    );
    await this.catalogue.settled();
    return { ...copy(removal), removedContainers };
  }

  async prune(request: PruneRequest): Promise<PruneReport> {
    // A plan must count an image made a moment ago (by the CLI, say): synced first.
    if (request.dryRun) return (await this.catalogue.refresh()).prunePlan(request);
    const result = await this.change(() =>
      this.engine.pruneImages({
        danglingOnly: !request.all,
        until: request.until?.toISOString(),
        labels: request.labels,
      }),
    );
    await this.catalogue.settled();
    return {
      deleted: [...result.deleted],
      spaceReclaimed: result.spaceReclaimed,
      untagged: [...result.untagged],
    };
  }

  /**
   * The image a change acts on. The catalogue follows the daemon's events, so the current
   * snapshot usually has it; a miss is checked against a fresh sync, since a change must see an
   * image made a moment ago (by the CLI, say) whose event is still on its way. A removal checks
   * the containers using the image, which must be as they are now: `fresh` syncs first.
   */
  private async require(ref: string, { fresh = false } = {}): Promise<ImageRecord> {
    const image = fresh
      ? (await this.catalogue.refresh()).find(ref)
      : ((await this.catalogue.current()).find(ref) ?? (await this.catalogue.refresh()).find(ref));
    if (!image) throw new ImageNotFoundError(ref);
    return image;
  }

  /** The daemon's own refusals (a race with a container made meanwhile) as IMAGE_IN_USE. */
  private async change<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof EngineConflictError) throw new ImageInUseError('the image', [], error.reason);
      throw error;
    }
  }
}

/** The tag `reference` of image `imageId` in `snapshot`, with the image as it is now. */
function taggedIn(
  snapshot: CatalogueSnapshot,
  imageId: string,
  reference: ImageReference,
  source: string,
): TaggedImage {
  const image = snapshot.imagesById.get(imageId);
  const tag = image?.tags.find((candidate) => candidate.reference === toNormalizedString(reference));
  if (!image || !tag) throw new ImageNotFoundError(source);
  return { tag, image };
}

/** A tag target: a name with an optional tag (default latest), never a digest. */
function tagReference(input: string): ImageReference {
  const reference = parseReference(input);
  if (reference.digest !== undefined) {
    throw new BadUserInputError(
      `A tag target is name[:tag], not a digest: ${JSON.stringify(input.slice(0, 256))}.`,
    );
  }
  return withDefaultTag(reference);
}

/** Whether `ref` names the image by one of its references rather than by (a prefix of) its id. */
function namesImage(image: ImageRecord, ref: string): boolean {
  try {
    const reference = parseReference(ref);
    const normalized = toNormalizedString(
      reference.digest === undefined ? withDefaultTag(reference) : reference,
    );
    return (
      image.tags.some((tag) => tag.reference === normalized) ||
      image.repoDigests.some((digest) => toNormalizedString(parseReference(digest)) === normalized)
    );
  } catch {
    return false;
  }
}

function usageOf(
  image: ImageRecord,
  containers: readonly { id: string; state: string }[],
  byName: boolean,
): ImageUsage {
  return {
    imageId: image.id,
    containerIds: containers.map((container) => container.id),
    running: containers.some((container) => RUNNING_STATES.has(container.state)),
    byName,
  };
}

function describeContainer(container: { id: string; name: string; state: string }): string {
  return `${container.name || container.id.slice(0, 12)} (${container.state})`;
}

function copy(removal: EngineRemoval): Omit<RemovalReport, 'removedContainers'> {
  return { untagged: [...removal.untagged], deleted: [...removal.deleted] };
}
