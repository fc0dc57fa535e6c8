import { Injectable } from '@nestjs/common';
import {
  findImage,
  searchImages,
  searchLayers,
  tagsOf,
  type ImageQuery,
  type TaggedImage,
} from './catalogue-queries.js';
import type { CatalogueSnapshot } from './catalogue-snapshot.js';
import type { DiskUsageRecord, ImageRecord, LayerRecord } from './image-record.js';
import { LiveCatalogue } from './live-catalogue.js';
import type { Page } from './pagination.js';

/**
 * The read side of the host's images, one call per question, each answered from the live
 * catalogue's current snapshot. (A GraphQL request takes one snapshot and queries it directly,
 * so all its fields agree.)
 */
@Injectable()
export class ImageCatalogue {
  constructor(private readonly live: LiveCatalogue) {}

  snapshot(): Promise<CatalogueSnapshot> {
    return this.live.current();
  }

  /** A snapshot from a sync started now: for changes, which must see what was just done elsewhere. */
  freshSnapshot(): Promise<CatalogueSnapshot> {
    return this.live.refresh();
  }

  async search(query: ImageQuery): Promise<Page<ImageRecord>> {
    return searchImages(await this.live.current(), query);
  }

  async find(input: string): Promise<ImageRecord | null> {
    return findImage(await this.live.current(), input);
  }

  async tags(repository?: string): Promise<TaggedImage[]> {
    return tagsOf(await this.live.current(), repository);
  }

  async layers(query: { first: number; after?: string | null }): Promise<Page<LayerRecord>> {
    return searchLayers(await this.live.current(), query);
  }

  async layer(chainId: string): Promise<LayerRecord | null> {
    return (await this.live.current()).layersByChainId.get(chainId) ?? null;
  }

  async diskUsage(): Promise<DiskUsageRecord> {
    return (await this.live.current()).diskUsage;
  }
}
