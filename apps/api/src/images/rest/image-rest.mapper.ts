import type {
  CatalogueSnapshot,
  HistoryRecord,
  ImageLayer,
  ImageRecord,
  LayerRecord,
  TagRecord,
} from '#libs/catalogue';
import { imageFieldsView, imageLayerCreated } from '../image-views.js';
import type { HistoryEntryDto, ImageDto, LayerDto, TagDto } from './image.dto.js';

/**
 * REST documents, shaped from catalogue records. JSON carries no back-pointers: a tag holds no
 * image, a layer its holders' ids; layers and history have routes of their own.
 */
export function toImageDto(record: ImageRecord): ImageDto {
  return {
    ...imageFieldsView(record),
    created: record.created.toISOString(),
    tags: record.tags.map(toTagDto),
  };
}

/** A layer of one image, as that image's history tells it, with its holders from the snapshot. */
export function toImageLayerDto(layer: ImageLayer, snapshot: CatalogueSnapshot): LayerDto {
  const holders = snapshot.layersByChainId.get(layer.chainId)?.imageIds ?? [];
  return layerDtoOf(layer, imageLayerCreated(layer), holders);
}

export function toLayerDto(layer: LayerRecord): LayerDto {
  return layerDtoOf(layer, layer.created, layer.imageIds);
}

/** A layer with its holders as ids, which JSON carries instead of the images. */
function layerDtoOf(
  layer: Pick<LayerRecord, 'diffId' | 'chainId' | 'position' | 'size' | 'createdBy'>,
  created: Date | null,
  holders: readonly string[],
): LayerDto {
  const { diffId, chainId, position, size, createdBy } = layer;
  return {
    diffId,
    chainId,
    position,
    size,
    createdBy,
    created: created?.toISOString() ?? null,
    sharedBy: holders.length,
    images: [...holders],
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
