import { type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Resolver, Subscription } from '@nestjs/graphql';
import { PubSub } from 'graphql-subscriptions';
import { LiveCatalogue, type CatalogueImageEvent } from '#libs/catalogue';
import { ImageEvent } from './models/image-event.model.js';
import { Serves } from '../operations/serves.decorator.js';
import { imageEvents } from './image.operations.js';

const IMAGE_EVENTS = 'imageEvents';

/**
 * Relays the daemon's image events to subscribers. The catalogue publishes an event after the
 * sync it caused, so a client that queries on an event sees its effect. Each api instance
 * follows its own daemon stream, so an in-process PubSub suffices.
 */
@Resolver(() => ImageEvent)
export class ImageEventsResolver implements OnModuleInit, OnModuleDestroy {
  private readonly pubSub = new PubSub<{ [IMAGE_EVENTS]: { imageEvents: CatalogueImageEvent } }>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly live: LiveCatalogue) {}

  onModuleInit(): void {
    this.unsubscribe = this.live.onImageEvent(
      (event) => void this.pubSub.publish(IMAGE_EVENTS, { imageEvents: event }),
    );
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  @Subscription(() => ImageEvent, { description: imageEvents.description })
  @Serves(imageEvents)
  imageEvents() {
    return this.pubSub.asyncIterableIterator(IMAGE_EVENTS);
  }
}
