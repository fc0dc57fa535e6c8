import type { HistoryRecord, ImageLayer, ImageRecord, LayerRecord, TagRecord } from '#libs/catalogue';
import { imageFieldsView, imageLayerCreated } from '../image-views.js';
import type { HistoryEntry } from './history-entry.model.js';
import type { Image } from './image.model.js';
import type { Layer } from './layer.model.js';
import type { Tag } from './tag.model.js';

/**
 * Shapes a catalogue record of `host` for GraphQL; a tag points back at its image without another
 * lookup, and the image's fields resolve from its own host's catalogue.
 */
export function toImage(record: ImageRecord, host: string): Image {
  const image: Image = {
    ...imageFieldsView(record),
    host,
    tags: [],
    created: record.created,
    layers: record.layers.map((layer) => toImageLayer(layer, host)),
    history: record.history.map(toHistoryEntry),
  };
  image.tags = record.tags.map((tag) => toTag(tag, image));
  return image;
}

export function toTag(tag: TagRecord, image: Image): Tag {
  return {
    reference: tag.reference,
    familiar: tag.familiar,
    registry: tag.registry,
    repository: tag.repository,
    tag: tag.tag,
    image,
  };
}

/** A layer as one image's history describes it; its holders are resolved from the catalogue. */
function toImageLayer(layer: ImageLayer, host: string): Layer {
  return {
    host,
    diffId: layer.diffId,
    chainId: layer.chainId,
    position: layer.position,
    size: layer.size,
    createdBy: layer.createdBy,
    created: imageLayerCreated(layer),
  };
}

export function toLayer(layer: LayerRecord, host: string): Layer {
  return {
    host,
    diffId: layer.diffId,
    chainId: layer.chainId,
    position: layer.position,
    size: layer.size,
    createdBy: layer.createdBy,
    created: layer.created,
    sharedBy: layer.imageIds.length,
  };
}

function toHistoryEntry(entry: HistoryRecord): HistoryEntry {
  return {
    id: entry.id,
    created: entry.created,
    createdBy: entry.createdBy,
    size: entry.size,
    comment: entry.comment,
    emptyLayer: entry.emptyLayer,
    tags: [...entry.tags],
  };
}
