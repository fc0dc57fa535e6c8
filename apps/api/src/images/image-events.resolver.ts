import { type OnModuleDestroy } from '@nestjs/common';
import { Resolver, Subscription } from '@nestjs/graphql';
import { PubSub } from 'graphql-subscriptions';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import { HostArg } from '../fleet/host.arg.js';
import { ImageEvent } from './models/image-event.model.js';
import { Serves } from '../operations/serves.decorator.js';
import { imageEvents } from './image.operations.js';

type Channels = Record<string, { imageEvents: ImageEvent }>;

/**
 * Relays each host's image events to its subscribers. A host's catalogue tells an event after
 * the snapshot that shows it, so a client that queries on an event sees its effect. Each api
 * process follows every host itself (its own daemon, the others' replicas), so an in-process
 * PubSub suffices; a host's catalogue is listened to from its first subscription on.
 */
@Resolver(() => ImageEvent)
export class ImageEventsResolver implements OnModuleDestroy {
  private readonly pubSub = new PubSub<Channels>();
  private readonly listening = new Map<string, () => void>();

  constructor(private readonly hosts: HostCatalogues) {}

  onModuleDestroy(): void {
    for (const stop of this.listening.values()) stop();
    this.listening.clear();
  }

  @Subscription(() => ImageEvent, { description: imageEvents.description })
  @Serves(imageEvents)
  imageEvents(@HostArg() host?: string | null) {
    const name = this.hosts.resolve(host);
    const channel = `imageEvents:${name}`;
    if (!this.listening.has(name)) {
      const stop = this.hosts
        .catalogueOf(name)
        .onImageEvent(
          (event) => void this.pubSub.publish(channel, { imageEvents: { ...event, host: name } }),
        );
      this.listening.set(name, stop);
    }
    return this.pubSub.asyncIterableIterator(channel);
  }
}
