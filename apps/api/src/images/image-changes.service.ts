import { Inject, Injectable } from '@nestjs/common';
import { findImage, LiveCatalogue, type ImageRecord, type TaggedImage } from '#libs/catalogue';
import { DOCKER_ENGINE, EngineConflictError, type DockerEngine, type EngineRemoval } from '#libs/docker';
import {
  BadUserInputError,
  ImageHasMultipleTagsError,
  ImageInUseError,
  ImageNotFoundError,
} from '#libs/errors';
import {
  normalizedName,
  parseReference,
  toNormalizedString,
  withDefaultTag,
  type ImageReference,
} from '#libs/reference';
import { planPrune, type PruneRequest } from './prune-plan.js';

export interface RemovalReport {
  readonly untagged: string[];
  readonly deleted: string[];
  readonly removedContainers: string[];
}

export interface PruneReport {
  readonly deleted: string[];
  readonly spaceReclaimed: number;
}

/** Container states in which the daemon will not let an image go, even forced. */
const RUNNING_STATES = new Set(['running', 'paused', 'restarting']);

/**
 * `docker image tag / rm / prune` with the checks a shared service needs, named errors instead
 * of the daemon's conflicts, and read-your-writes: each change resolves once the catalogue
 * shows it.
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
    const snapshot = await this.catalogue.refresh();
    const tagged = snapshot.imagesById.get(image.id);
    const tag = tagged?.tags.find((candidate) => candidate.reference === toNormalizedString(reference));
    if (!tagged || !tag) throw new ImageNotFoundError(source);
    return { tag, image: tagged };
  }

  /** Tag + untag: the new name first, so the image is never without one. */
  async rename(source: string, target: string): Promise<TaggedImage> {
    const from = tagReference(source);
    const tagged = await this.tag(toNormalizedString(from), target);
    if (toNormalizedString(from) !== tagged.tag.reference) await this.untag(toNormalizedString(from));
    return tagged;
  }

  async untag(ref: string): Promise<RemovalReport> {
    const reference = parseReference(ref);
    if (reference.digest === undefined && !reference.tag && ref.includes('@')) {
      throw new BadUserInputError(
        `untagImage takes a name[:tag] or name@digest, not ${JSON.stringify(ref)}.`,
      );
    }
    const named = reference.digest === undefined ? withDefaultTag(reference) : reference;
    const image = await this.require(toNormalizedString(named));
    const references = image.repoTags.length + image.repoDigests.length;
    if (references <= 1 && image.containers.length > 0) {
      throw new ImageInUseError(
        toNormalizedString(named),
        image.containers.map(describeContainer),
        'it is the last name of an image containers use; removeImage with force would delete the image.',
      );
    }
    const removal = await this.change(() =>
      this.engine.removeImage(toNormalizedString(named), { force: false, prune: true }),
    );
    await this.catalogue.refresh();
    return { ...copy(removal), removedContainers: [] };
  }

  async remove(
    ref: string,
    options: { force: boolean; removeContainers: boolean; prune: boolean },
  ): Promise<RemovalReport> {
    const snapshot = await this.catalogue.refresh();
    const image = findImage(snapshot, ref);
    if (!image) throw new ImageNotFoundError(ref);
    const byName = namesImage(image, ref);
    const onlyUntags = byName && image.repoTags.length + image.repoDigests.length > 1;
    if (!byName && !options.force && image.repoTags.length > 1) {
      throw new ImageHasMultipleTagsError(ref, image.repoTags);
    }
    const removedContainers: string[] = [];
    if (!onlyUntags && image.containers.length > 0) {
      const running = image.containers.filter((container) => RUNNING_STATES.has(container.state));
      if (running.length > 0 && (options.removeContainers || !options.force)) {
        throw new ImageInUseError(
          ref,
          running.map(describeContainer),
          'stop them first: a running container is never removed.',
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
        );
      }
    }
    const target = byName ? ref : image.id;
    const removal = await this.change(() =>
      this.engine.removeImage(target, { force: options.force, prune: options.prune }),
    );
    await this.catalogue.refresh();
    return { ...copy(removal), removedContainers };
  }

  async prune(request: PruneRequest): Promise<PruneReport> {
    const snapshot = await this.catalogue.refresh();
    if (request.dryRun) return planPrune(snapshot, request);
    const result = await this.change(() =>
      this.engine.pruneImages({
        danglingOnly: !request.all,
        until: request.until?.toISOString(),
        labels: request.labels,
      }),
    );
    await this.catalogue.refresh();
    return { deleted: [...result.deleted], spaceReclaimed: result.spaceReclaimed };
  }

  /** Looked up in a fresh sync: a change must see an image made a moment ago (by the CLI, say). */
  private async require(ref: string): Promise<ImageRecord> {
    const image = findImage(await this.catalogue.refresh(), ref);
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

function describeContainer(container: { id: string; name: string; state: string }): string {
  return `${container.name || container.id.slice(0, 12)} (${container.state})`;
}

function copy(removal: EngineRemoval): Omit<RemovalReport, 'removedContainers'> {
  return { untagged: [...removal.untagged], deleted: [...removal.deleted] };
}
