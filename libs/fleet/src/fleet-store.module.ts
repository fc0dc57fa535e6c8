import { Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { HOST_CATALOGUE_STORE, type HostCatalogueStore } from './catalogue/host-catalogue-store.port.js';
import { RedisHostCatalogueStore } from './catalogue/redis-host-catalogue-store.adapter.js';
import { HOST_DIRECTORY, type HostDirectory } from './host-directory.port.js';
import { FleetKeys } from './host-keys.js';
import { RedisHostDirectory } from './redis-host-directory.adapter.js';
import { HOST_REQUESTS, type HostRequests } from './requests/host-requests.port.js';
import { RedisHostRequests } from './requests/redis-host-requests.adapter.js';

/** Closes the fleet's Redis connections last, once the services that use them have stopped. */
@Injectable()
class FleetStoreCloser implements OnApplicationShutdown {
  constructor(
    @Inject(HOST_DIRECTORY) private readonly directory: HostDirectory,
    @Inject(HOST_CATALOGUE_STORE) private readonly catalogues: HostCatalogueStore,
    @Inject(HOST_REQUESTS) private readonly requests: HostRequests,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.directory.close(), this.catalogues.close(), this.requests.close()]);
  }
}

/** The fleet's shared state on Redis: the host directory, the hosts' catalogues, requests to agents. Needs ConfigModule. */
@Module({
  providers: [
    {
      provide: FleetKeys,
      inject: [STEVEDORE_CONFIG],
      useFactory: (config: StevedoreConfig) => new FleetKeys(config.fleet.keyPrefix),
    },
    {
      provide: HOST_DIRECTORY,
      inject: [STEVEDORE_CONFIG, FleetKeys],
      useFactory: (config: StevedoreConfig, keys: FleetKeys) => new RedisHostDirectory(config.redis, keys),
    },
    {
      provide: HOST_CATALOGUE_STORE,
      inject: [STEVEDORE_CONFIG, FleetKeys],
      useFactory: (config: StevedoreConfig, keys: FleetKeys) =>
        new RedisHostCatalogueStore(config.redis, keys),
    },
    {
      provide: HOST_REQUESTS,
      inject: [STEVEDORE_CONFIG, FleetKeys],
      useFactory: (config: StevedoreConfig, keys: FleetKeys) => new RedisHostRequests(config.redis, keys),
    },
    FleetStoreCloser,
  ],
  exports: [FleetKeys, HOST_DIRECTORY, HOST_CATALOGUE_STORE, HOST_REQUESTS],
})
export class FleetStoreModule {}
