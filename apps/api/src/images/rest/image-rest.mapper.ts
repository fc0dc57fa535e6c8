import type { CatalogueSnapshot, ImageLayer, ImageRecord, LayerRecord, TagRecord } from '#libs/catalogue';
import { toHistoryEntry, toImage, toImageLayer, toLayer } from '../models/image.mapper.js';
import type { Layer } from '../models/layer.model.js';
import type { HistoryEntryDto, ImageDto, LayerDto, TagDto } from './image.dto.js';

/** The GraphQL shape without the tag → image back-pointers, which JSON cannot carry; layers and history have their own routes. */
export function toImageDto(record: ImageRecord): ImageDto {
  const {
    tags: _tags,
    created,
    layers: _layers,
    history: _history,
    containers: _containers,
    ...image
  } = toImage(record);
  return { ...image, created: created.toISOString(), tags: record.tags.map(toTagDto) };
}

/** A layer of one image, as that image's history tells it, with its holders from the snapshot. */
export function toImageLayerDto(layer: ImageLayer, snapshot: CatalogueSnapshot): LayerDto {
  return layerDtoOf(toImageLayer(layer), snapshot.layersByChainId.get(layer.chainId)?.imageIds ?? []);
}

export function toLayerDto(layer: LayerRecord): LayerDto {
  return layerDtoOf(toLayer(layer), layer.imageIds);
}

/** The GraphQL layer with its holders as ids, which JSON carries instead of the images. */
function layerDtoOf({ images: _images, ...layer }: Layer, holders: readonly string[]): LayerDto {
  return {
    ...layer,
    created: layer.created?.toISOString() ?? null,
    sharedBy: holders.length,
    images: [...holders],
  };
}

/** A tag without its back-pointer to the image. */
export function toTagDto({ reference, familiar, registry, repository, tag }: TagRecord): TagDto {
  return { reference, familiar, registry, repository, tag };
}

export function toHistoryEntryDto(record: ImageRecord['history'][number]): HistoryEntryDto {
  const entry = toHistoryEntry(record);
  return { ...entry, created: entry.created?.toISOString() ?? null, comment: record.comment };
}
