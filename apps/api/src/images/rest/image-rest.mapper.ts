import type { CatalogueSnapshot, ImageLayer, ImageRecord, LayerRecord } from '#libs/catalogue';
import { toHistoryEntry, toImage } from '../models/image.mapper.js';
import type { HistoryEntryDto, ImageDto, LayerDto } from './image.dto.js';

/** The GraphQL shape without the tag → image back-pointers, which JSON cannot carry; layers and history have their own routes. */
export function toImageDto(record: ImageRecord): ImageDto {
  const {
    tags,
    created,
    layers: _layers,
    history: _history,
    containers: _containers,
    ...image
  } = toImage(record);
  return {
    ...image,
    created: created.toISOString(),
    tags: tags.map(({ image: _image, ...tag }) => tag),
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
    created: layer.created === null ? null : new Date(layer.created * 1000).toISOString(),
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

export function toHistoryEntryDto(record: ImageRecord['history'][number]): HistoryEntryDto {
  const entry = toHistoryEntry(record);
  return { ...entry, created: entry.created?.toISOString() ?? null, comment: record.comment };
}
