import type { EngineContainerSummary, EngineImageDetails, EngineImageSummary } from '#libs/docker';
import type {
  ContainerRecord,
  DiskUsageRecord,
  HistoryRecord,
  ImageRecord,
  LayerRecord,
} from './image-record.js';
import { shortIdOf } from './image-record.js';
import type { ImageLookup } from '#libs/reference';
import {
  findImage,
  referenceIndexOf,
  type ReferenceIndex,
  searchImages,
  searchLayers,
  tagsOf,
  type ImageQuery,
  type TaggedImage,
} from './catalogue-queries.js';
import type { Page } from '#libs/pagination';
import { planPrune, type PrunePlan, type PruneRequest } from './prune-plan.js';
import type { HistoryRowLayer, ImageLayer } from './layer-chain.js';
import { SharedValues } from './shared-values.js';
import { tagRecordsOf } from './tag-records.js';

/** What never changes for an image id: fetched once per image in the catalogue's life. */
export interface ImageFacts {
  readonly details: EngineImageDetails;
  /** History rows, oldest first, each marked with whether it made a layer. */
  readonly history: readonly HistoryRowLayer[];
  readonly layers: readonly ImageLayer[];
}

export interface SnapshotSources {
  /** `GET /images/json?all=1`. */
  readonly summaries: readonly EngineImageSummary[];
  readonly factsById: ReadonlyMap<string, ImageFacts>;
  readonly containers: readonly EngineContainerSummary[];
  readonly takenAt: Date;
}

/**
 * The host's images, layers and disk usage at one moment, with every derived number computed
 * once, as `docker system df -v` computes it: a layer counts as shared when more than one
 * non-intermediate image holds its chain id.
 */
export class CatalogueSnapshot {
  /** Every local image (intermediate ones too), newest first. */
  readonly images: readonly ImageRecord[];
  readonly imagesById: ReadonlyMap<string, ImageRecord>;
  readonly diskUsage: DiskUsageRecord;
  readonly takenAt: Date;
  /** What it was built from: what an agent publishes, so a replica builds the same snapshot. */
  readonly sources: SnapshotSources;

  /** `docker image ls`: filtered, ordered, one page. */
  search(query: ImageQuery): Page<ImageRecord> {
    return searchImages(this, query);
  }

  /**
   * One image by anything `docker image inspect` accepts (or that, parsed once with
   * parseImageLookup, for many snapshots); null when absent.
   */
  find(input: string | ImageLookup): ImageRecord | null {
    return findImage(this, input);
  }

  private referenceIndex: ReferenceIndex | null = null;

  /** Images by normalised tag and digest reference, built on first use. */
  byReference(): ReferenceIndex {
    return (this.referenceIndex ??= referenceIndexOf(this.images));
  }

  /** Local tags with their images, optionally of one repository. */
  tagsOf(repository?: string): TaggedImage[] {
    return tagsOf(this, repository);
  }

  /** Every layer of the host once, by chain id, one page. */
  searchLayers(query: { first: number; after?: string | null }): Page<LayerRecord> {
    return searchLayers(this, query);
  }

  /** What `docker image prune` would delete now, and the space it would free. */
  prunePlan(request: PruneRequest): PrunePlan {
    return planPrune(this, request);
  }

  constructor(sources: SnapshotSources) {
    this.takenAt = sources.takenAt;
    this.sources = sources;
    const summaries = sources.summaries.filter((summary) => sources.factsById.has(summary.id));
    const parents = new Set(summaries.map((summary) => summary.parentId).filter(Boolean));
    const isIntermediate = (summary: EngineImageSummary) =>
      summary.repoTags.length === 0 && summary.repoDigests.length === 0 && parents.has(summary.id);

    const holders = new Map<string, number>();
    for (const summary of summaries) {
      if (isIntermediate(summary)) continue;
      for (const layer of sources.factsById.get(summary.id)!.layers) {
        holders.set(layer.chainId, (holders.get(layer.chainId) ?? 0) + 1);
      }
    }
    const containersByImage = groupBy(sources.containers, (container) => container.imageId);
    const repoTagsById = new Map(summaries.map((summary) => [summary.id, summary.repoTags]));

    this.images = summaries
      .map((summary) =>
        imageRecordOf(summary, sources.factsById.get(summary.id)!, {
          intermediate: isIntermediate(summary),
          holders,
          containers: containersByImage.get(summary.id) ?? [],
          repoTagsById,
        }),
      )
      .sort((a, b) => b.created.getTime() - a.created.getTime() || a.id.localeCompare(b.id));
    this.imagesById = new Map(this.images.map((image) => [image.id, image]));
    this.diskUsage = diskUsageOf(this.images, holders);
  }

  private layerIndex: { list: LayerRecord[]; byChainId: Map<string, LayerRecord> } | null = null;

  /**
   * Every layer of the host once, ordered by chain id. Built on first use: an api following a
   * fleet holds thousands of snapshots, and reads the layers of few.
   */
  get layers(): readonly LayerRecord[] {
    return this.layersOnce().list;
  }

  get layersByChainId(): ReadonlyMap<string, LayerRecord> {
    return this.layersOnce().byChainId;
  }

  private layersOnce() {
    if (!this.layerIndex) {
      const list = layerRecordsOf(this.images);
      this.layerIndex = { list, byChainId: new Map(list.map((layer) => [layer.chainId, layer])) };
    }
    return this.layerIndex;
  }

  /** The images `docker image ls` shows (with `all`, `docker image ls -a`). */
  listed(all = false): readonly ImageRecord[] {
    return all ? this.images : this.images.filter((image) => !image.intermediate);
  }
}

function imageRecordOf(
  summary: EngineImageSummary,
  facts: ImageFacts,
  context: {
    intermediate: boolean;
    holders: ReadonlyMap<string, number>;
    containers: readonly EngineContainerSummary[];
    repoTagsById: ReadonlyMap<string, readonly string[]>;
  },
): ImageRecord {
  const tags = tagRecordsOf(summary.id, summary.repoTags);
  const sharedSize = facts.layers
    .filter((layer) => (context.holders.get(layer.chainId) ?? 0) > 1)
    .reduce((sum, layer) => sum + layer.size, 0);
  const record = {
    id: summary.id,
    shortId: shortIdOf(summary.id),
    parentId: summary.parentId,
    repoTags: summary.repoTags,
    repoDigests: summary.repoDigests,
    tags,
    dangling: summary.repoTags.length === 0,
    intermediate: context.intermediate,
    official: tags.some((tag) => tag.official),
    created: dateOfSeconds(summary.created),
    size: summary.size,
    sharedSize,
    uniqueSize: summary.size - sharedSize,
    labels: summary.labels,
    architecture: facts.details.architecture,
    os: facts.details.os,
    variant: facts.details.variant,
    config: facts.details.config,
    diffIds: facts.details.layers,
    layers: facts.layers,
    containers: context.containers.map((container): ContainerRecord => ({
      id: container.id,
      name: container.name,
      imageId: container.imageId,
      state: container.state,
    })),
  };
  // Shaped on first read (few are read): a snapshot holds no history rows of its own till then.
  Object.defineProperty(record, HISTORY_SOURCE, {
    value: { rows: facts.history, repoTagsById: context.repoTagsById },
    enumerable: false,
  });
  Object.defineProperty(record, 'history', { get: historyOfRecord, enumerable: true, configurable: true });
  return record as unknown as ImageRecord;
}

const HISTORY_SOURCE = Symbol('historySource');
const HISTORY = Symbol('history');

interface LazyHistory {
  [HISTORY_SOURCE]: {
    rows: readonly HistoryRowLayer[];
    repoTagsById: ReadonlyMap<string, readonly string[]>;
  };
  [HISTORY]?: HistoryRecord[];
}

/** The `history` getter of every image record (one function, so the records share one shape). */
function historyOfRecord(this: LazyHistory): HistoryRecord[] {
  if (!this[HISTORY]) {
    const { rows, repoTagsById } = this[HISTORY_SOURCE];
    Object.defineProperty(this, HISTORY, { value: historyRecordsOf(rows, repoTagsById), enumerable: false });
  }
  return this[HISTORY]!;
}

/** Dates of the same second are one object: a fleet's snapshots hold the same times many times over. */
const datesBySecond = new SharedValues<number, Date>(100_000);

function dateOfSeconds(seconds: number): Date {
  return datesBySecond.get(seconds, () => new Date(seconds * 1000));
}

/** Newest first, as `docker image history`; a step's tags are its image's current tags. */
function historyRecordsOf(
  oldestFirst: readonly HistoryRowLayer[],
  repoTagsById: ReadonlyMap<string, readonly string[]>,
): HistoryRecord[] {
  return oldestFirst
    .map(({ row, emptyLayer }): HistoryRecord => ({
      id: row.id,
      created: row.created > 0 ? new Date(row.created * 1000) : null,
      createdBy: row.createdBy,
      size: row.size,
      comment: row.comment,
      emptyLayer,
      tags: repoTagsById.get(row.id) ?? [],
    }))
    .reverse();
}

/**
 * Each chain id once. Its instruction and time come from the oldest image holding it, the one
 * that most likely made it; the holders listed are the non-intermediate images.
 */
function layerRecordsOf(imagesNewestFirst: readonly ImageRecord[]): LayerRecord[] {
  const layers = new Map<string, LayerRecord & { imageIds: string[] }>();
  for (const image of [...imagesNewestFirst].reverse()) {
    for (const layer of image.layers) {
      let record = layers.get(layer.chainId);
      if (!record) {
        record = {
          chainId: layer.chainId,
          diffId: layer.diffId,
          position: layer.position,
          size: layer.size,
          createdBy: layer.createdBy,
          created: layer.created === null ? null : new Date(layer.created * 1000),
          imageIds: [],
        };
        layers.set(layer.chainId, record);
      }
      if (!image.intermediate) record.imageIds.push(image.id);
    }
  }
  for (const record of layers.values()) record.imageIds.reverse();
  return [...layers.values()].sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0));
}

/**
 * As the daemon's `/system/df` and the CLI's rendering of it: the total is every layer held by
 * a listed image, once; what a running or stopped container pins (its image's unique bytes) is
 * not reclaimable.
 */
function diskUsageOf(images: readonly ImageRecord[], holders: ReadonlyMap<string, number>): DiskUsageRecord {
  const listed = images.filter((image) => !image.intermediate);
  const active = listed.filter((image) => image.containers.length > 0);
  const sizes = new Map<string, number>();
  for (const image of images) for (const layer of image.layers) sizes.set(layer.chainId, layer.size);
  const totalSize = [...holders.keys()].reduce((sum, chainId) => sum + (sizes.get(chainId) ?? 0), 0);
  const pinned = active.reduce((sum, image) => sum + image.size - image.sharedSize, 0);
  return {
    imagesCount: listed.length,
    activeCount: active.length,
    totalSize,
    reclaimableSize: totalSize - pinned,
  };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}
