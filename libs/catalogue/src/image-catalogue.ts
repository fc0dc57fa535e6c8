import { Inject, Injectable } from '@nestjs/common';
import pLimit from 'p-limit';
import {
  DOCKER_ENGINE,
  type DockerEngine,
  type EngineImageDetails,
  type EngineImageSummary,
} from '#libs/docker';
import { AmbiguousReferenceError, BadUserInputError } from '#libs/errors';
import {
  normalizedName,
  parseImageLookup,
  parseReference,
  toNormalizedString,
  withDefaultTag,
  type ImageReference,
} from '#libs/reference';
import { matchesFilter, type ImageFilter } from './image-filter.js';
import { shortIdOf, type ImageRecord, type TagRecord } from './image-record.js';
import { paginate, type Page } from './pagination.js';
import { tagRecordsOf } from './tag-records.js';

export interface ImageQuery {
  readonly filter?: ImageFilter;
  /** Include intermediate images (`docker image ls -a`). */
  readonly all?: boolean;
  readonly first: number;
  readonly after?: string | null;
}

/** A tag together with the image it names. */
export interface TaggedImage {
  readonly tag: TagRecord;
  readonly image: ImageRecord;
}

/** Inspect calls in flight at once when many new images appear together. */
const INSPECT_CONCURRENCY = 8;

/**
 * The host's local images. Each read lists images once (one daemon call); inspect data, which
 * never changes for a given image id, is cached by id, so an image is inspected once in its life
 * here, not once per query or per field.
 */
@Injectable()
export class ImageCatalogue {
  private readonly detailsById = new Map<string, Promise<EngineImageDetails>>();
  private readonly inspectLimit = pLimit(INSPECT_CONCURRENCY);

  constructor(@Inject(DOCKER_ENGINE) private readonly engine: DockerEngine) {}

  /** Local images, newest first, as `docker image ls` (with `all`, `docker image ls -a`). */
  async list(options: { all?: boolean } = {}): Promise<ImageRecord[]> {
    const summaries = await this.engine.listImages({ all: options.all ?? false });
    if (options.all) this.forgetAllBut(summaries);
    const records = await Promise.all(summaries.map((summary) => this.recordOf(summary)));
    return records.sort((a, b) => compareNewestFirst({ created: a.created.getTime(), id: a.id }, b));
  }

  /** One page of images matching a query, newest first. */
  async search(query: ImageQuery): Promise<Page<ImageRecord>> {
    const images = await this.list({ all: query.all });
    const matching = query.filter ? images.filter((image) => matchesFilter(image, query.filter!)) : images;
    return paginate(matching, {
      first: query.first,
      after: query.after,
      keyOf: (image) => JSON.stringify([image.created.getTime(), image.id]),
      compareKeyToItem: (key, image) => compareNewestFirst(parseImageKey(key), image),
    });
  }

  /**
   * One image by anything `docker image inspect` accepts. As the daemon does, a short hex string
   * is first tried as a name, then as an id prefix. Null when nothing matches.
   */
  async find(input: string): Promise<ImageRecord | null> {
    const lookup = parseImageLookup(input);
    const images = await this.list({ all: true });
    switch (lookup.kind) {
      case 'id':
        return images.find((image) => image.id === lookup.id) ?? null;
      case 'reference':
        return findByReference(images, lookup.reference);
      case 'idPrefixOrName': {
        const named = lookup.reference ? findByReference(images, lookup.reference) : null;
        return named ?? findByIdPrefix(images, lookup.prefix, input);
      }
    }
  }

  /** Local tags, optionally of one repository given in familiar or normalised form. */
  async tags(repository?: string): Promise<TaggedImage[]> {
    const wanted = repository === undefined ? undefined : normalizedName(parseReference(repository));
    const images = await this.list();
    return images
      .flatMap((image) => image.tags.map((tag) => ({ tag, image })))
      .filter(({ tag }) => wanted === undefined || `${tag.registry}/${tag.repository}` === wanted)
      .sort((a, b) => a.tag.reference.localeCompare(b.tag.reference));
  }

  private async recordOf(summary: EngineImageSummary): Promise<ImageRecord> {
    const details = await this.detailsOf(summary.id);
    const tags = tagRecordsOf(summary.id, summary.repoTags);
    return {
      id: summary.id,
      shortId: shortIdOf(summary.id),
      parentId: summary.parentId,
      repoTags: summary.repoTags,
      repoDigests: summary.repoDigests,
      tags,
      dangling: summary.repoTags.length === 0,
      official: tags.some((tag) => tag.official),
      created: new Date(summary.created * 1000),
      size: summary.size,
      labels: summary.labels,
      architecture: details.architecture,
      os: details.os,
      variant: details.variant,
      config: details.config,
      diffIds: details.layers,
    };
  }

  private detailsOf(id: string): Promise<EngineImageDetails> {
    let details = this.detailsById.get(id);
    if (!details) {
      details = this.inspectLimit(() => this.engine.inspectImage(id));
      // A failed inspect (image deleted meanwhile, daemon gone) must not be cached.
      details.catch(() => this.detailsById.delete(id));
      this.detailsById.set(id, details);
    }
    return details;
  }

  private forgetAllBut(present: readonly EngineImageSummary[]): void {
    const ids = new Set(present.map((summary) => summary.id));
    for (const id of this.detailsById.keys()) if (!ids.has(id)) this.detailsById.delete(id);
  }
}

function findByReference(images: readonly ImageRecord[], reference: ImageReference): ImageRecord | null {
  if (reference.digest !== undefined) {
    const wanted = `${normalizedName(reference)}@${reference.digest}`;
    return (
      images.find((image) =>
        image.repoDigests.some((repoDigest) => {
          try {
            return toNormalizedString(parseReference(repoDigest)) === wanted;
          } catch {
            return false;
          }
        }),
      ) ?? null
    );
  }
  const wanted = toNormalizedString(withDefaultTag(reference));
  return images.find((image) => image.tags.some((tag) => tag.reference === wanted)) ?? null;
}

function findByIdPrefix(images: readonly ImageRecord[], prefix: string, input: string): ImageRecord | null {
  const matches = images.filter((image) => image.id.startsWith(`sha256:${prefix}`));
  if (matches.length > 1) throw new AmbiguousReferenceError(input, matches.length);
  return matches[0] ?? null;
}

interface ImageKey {
  readonly created: number;
  readonly id: string;
}

/** Newest first, then by id, so the order is total and a cursor key has one place in it. */
function compareNewestFirst(key: ImageKey, image: ImageRecord): number {
  return image.created.getTime() - key.created || key.id.localeCompare(image.id);
}

function parseImageKey(key: string): ImageKey {
  try {
    const [created, id] = JSON.parse(key) as unknown[];
    if (typeof created === 'number' && typeof id === 'string') return { created, id };
  } catch {
    // fall through: a malformed key is the caller's bad cursor
  }
  throw new BadUserInputError('The cursor does not belong to an image listing.');
}
