import type {
  CatalogueSnapshot,
  HistoryRecord,
  ImageLayer,
  ImageRecord,
  LayerRecord,
  TagRecord,
} from '#libs/catalogue';
import { imageConfigView, imageLayerCreated } from '../image-views.js';
import type { HistoryEntryDto, ImageDto, LayerDto, TagDto } from './image.dto.js';

/**
 * REST documents, shaped from catalogue records. JSON carries no back-pointers: a tag holds no
 * image, a layer its holders' ids; layers and history have routes of their own.
 */
export function toImageDto(record: ImageRecord): ImageDto {
  return {
    id: record.id,
    shortId: record.shortId,
    repoTags: [...record.repoTags],
    repoDigests: [...record.repoDigests],
    tags: record.tags.map(toTagDto),
    dangling: record.dangling,
    official: record.official,
    created: record.created.toISOString(),
    size: record.size,
    sharedSize: record.sharedSize,
    uniqueSize: record.uniqueSize,
    architecture: record.architecture,
    os: record.os,
    variant: record.variant ?? null,
    labels: { ...record.labels },
    config: imageConfigView(record.config),
  };
}

/** A layer of one image, as that image's history tells it, with its holders from the snapshot. */
export function toImageLayerDto(layer: ImageLayer, snapshot: CatalogueSnapshot): LayerDto {
  const holders = snapshot.layersByChainId.get(layer.chainId)?.imageIds ?? [];
  return {
    diffId: layer.diffId,
    chainId: layer.chainId,
    position: layer.position,
    size: layer.size,
    createdBy: layer.createdBy,
    created: imageLayerCreated(layer)?.toISOString() ?? null,
    sharedBy: holders.length,
    images: [...holders],
  };
}

export function toLayerDto(layer: LayerRecord): LayerDto {
  return {
    diffId: layer.diffId,
    chainId: layer.chainId,
    position: layer.position,
    size: layer.size,
    createdBy: layer.createdBy,
    created: layer.created?.toISOString() ?? null,
    sharedBy: layer.imageIds.length,
    images: [...layer.imageIds],
  };
}

export function toTagDto({ reference, familiar, registry, repository, tag }: TagRecord): TagDto {
  return { reference, familiar, registry, repository, tag };
}

export function toHistoryEntryDto(entry: HistoryRecord): HistoryEntryDto {
  return {
    id: entry.id,
    created: entry.created?.toISOString() ?? null,
    createdBy: entry.createdBy,
    size: entry.size,
    comment: entry.comment,
    emptyLayer: entry.emptyLayer,
    tags: [...entry.tags],
  };
}
