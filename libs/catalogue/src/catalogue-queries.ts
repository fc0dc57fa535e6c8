import { AmbiguousReferenceError, BadUserInputError } from '#libs/errors';
import {
  normalizedName,
  parseImageLookup,
  type ImageLookup,
  parseReference,
  toNormalizedString,
  withDefaultTag,
  type ImageReference,
} from '#libs/reference';
import type { CatalogueSnapshot } from './catalogue-snapshot.js';
import { imageFilterPredicate, type ImageFilter } from './image-filter.js';
import {
  compareSortKeys,
  decodeSortKey,
  DEFAULT_IMAGE_ORDER,
  encodeSortKey,
  sortKeyOf,
  type ImageOrder,
} from './image-order.js';
import type { ImageRecord, LayerRecord, TagRecord } from './image-record.js';
import { decodeCursor, paginate, type Page } from '#libs/pagination';

/** Reads of one catalogue snapshot; pure, so one request sees one consistent host. */

export interface ImageQuery {
  readonly filter?: ImageFilter;
  /** Include intermediate images (`docker image ls -a`). */
  readonly all?: boolean;
  readonly orderBy?: ImageOrder;
  readonly first: number;
  readonly after?: string | null;
}

/** A tag together with the image it names. */
export interface TaggedImage {
  readonly tag: TagRecord;
  readonly image: ImageRecord;
}

export function searchImages(snapshot: CatalogueSnapshot, query: ImageQuery): Page<ImageRecord> {
  const order = query.orderBy ?? DEFAULT_IMAGE_ORDER;
  // Checked up front: with nothing to compare against, paginate would never read the cursor.
  if (query.after != null) decodeSortKey(decodeCursor(query.after), order);
  const listed = snapshot.listed(query.all ?? false);
  const matching = query.filter ? listed.filter(imageFilterPredicate(query.filter)) : [...listed];
  const keyed = matching.map((image) => ({ image, key: sortKeyOf(image, order.field) }));
  keyed.sort((a, b) => compareSortKeys(a.key, b.key, order.direction));
  const page = paginate(keyed, {
    first: query.first,
    after: query.after,
    keyOf: (item) => encodeSortKey(item.key, order),
    compareKeyToItem: (key, item) => compareSortKeys(decodeSortKey(key, order), item.key, order.direction),
  });
  return { ...page, nodes: page.nodes.map((item) => item.image) };
}

/**
 * One image by anything `docker image inspect` accepts. As the daemon does, a short hex string
 * is first tried as a name, then as an id prefix. Null when nothing matches.
 */
export function findImage(snapshot: CatalogueSnapshot, input: string | ImageLookup): ImageRecord | null {
  const lookup = typeof input === 'string' ? parseImageLookup(input) : input;
  switch (lookup.kind) {
    case 'id':
      return snapshot.imagesById.get(lookup.id) ?? null;
    case 'reference':
      return findByReference(snapshot, lookup.reference);
    case 'idPrefixOrName': {
      const named = findByReference(snapshot, lookup.reference);
      return (
        named ??
        findByIdPrefix(snapshot.images, lookup.prefix, typeof input === 'string' ? input : lookup.prefix)
      );
    }
  }
}

/** Local tags, optionally of one repository given in familiar or normalised form. */
export function tagsOf(snapshot: CatalogueSnapshot, repository?: string): TaggedImage[] {
  const wanted = repository === undefined ? undefined : normalizedName(parseReference(repository));
  return snapshot
    .listed()
    .flatMap((image) => image.tags.map((tag) => ({ tag, image })))
    .filter(({ tag }) => wanted === undefined || `${tag.registry}/${tag.repository}` === wanted)
    .sort((a, b) => (a.tag.reference < b.tag.reference ? -1 : a.tag.reference > b.tag.reference ? 1 : 0));
}

/** Every layer of the host once, by chain id. */
export function searchLayers(
  snapshot: CatalogueSnapshot,
  query: { first: number; after?: string | null },
): Page<LayerRecord> {
  if (query.after != null) layerCursorKey(decodeCursor(query.after));
  return paginate(snapshot.layers, {
    first: query.first,
    after: query.after,
    keyOf: (layer) => `layer:${layer.chainId}`,
    compareKeyToItem: (key, layer) => {
      const chainId = layerCursorKey(key);
      return chainId < layer.chainId ? -1 : chainId > layer.chainId ? 1 : 0;
    },
  });
}

function layerCursorKey(key: string): string {
  if (!key.startsWith('layer:'))
    throw new BadUserInputError('The cursor does not belong to a layer listing.');
  return key.slice('layer:'.length);
}

function findByReference(snapshot: CatalogueSnapshot, reference: ImageReference): ImageRecord | null {
  if (reference.digest !== undefined) {
    return snapshot.byReference().digests.get(`${normalizedName(reference)}@${reference.digest}`) ?? null;
  }
  return snapshot.byReference().tags.get(toNormalizedString(withDefaultTag(reference))) ?? null;
}

/**
 * Each normalised tag and digest reference of a snapshot's images, to the first image (newest
 * first) that holds it, as a scan of the images would find it.
 */
export function referenceIndexOf(images: readonly ImageRecord[]): ReferenceIndex {
  const tags = new Map<string, ImageRecord>();
  const digests = new Map<string, ImageRecord>();
  for (const image of images) {
    for (const tag of image.tags) if (!tags.has(tag.reference)) tags.set(tag.reference, image);
    for (const repoDigest of image.repoDigests) {
      try {
        const normalized = toNormalizedString(parseReference(repoDigest));
        if (!digests.has(normalized)) digests.set(normalized, image);
      } catch {
        // A digest the grammar rejects names nothing.
      }
    }
  }
  return { tags, digests };
}

export interface ReferenceIndex {
  readonly tags: ReadonlyMap<string, ImageRecord>;
  readonly digests: ReadonlyMap<string, ImageRecord>;
}

function findByIdPrefix(images: readonly ImageRecord[], prefix: string, input: string): ImageRecord | null {
  const matches = images.filter((image) => image.id.startsWith(`sha256:${prefix}`));
  if (matches.length > 1) throw new AmbiguousReferenceError(input, matches.length);
  return matches[0] ?? null;
}
