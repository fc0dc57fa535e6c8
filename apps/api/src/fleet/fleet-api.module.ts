import { Module, type DynamicModule } from '@nestjs/common';
import { CatalogueModule, LiveCatalogue } from '#libs/catalogue';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import {
  CatalogueReplicas,
  FleetStoreModule,
  HOST_CATALOGUE_STORE,
  HOST_DIRECTORY,
  HostAgentModule,
  HostRoster,
  configuredHostName,
  type HostCatalogueStore,
  type HostDirectory,
} from '#libs/fleet';
import { FleetResolver } from './fleet.resolver.js';
import { FleetService } from './fleet.service.js';
import { HostCatalogues, LOCAL_CATALOGUE, LOCAL_HOST } from './host-catalogues.js';
import { HostsController } from './rest/hosts.controller.js';

/**
 * The fleet as the api serves it: the host roster and every host's catalogue replica, and the
 * agent of the api's own daemon when it runs one in-process (AGENT_EMBEDDED). Global: every
 * module that reads a host's images asks HostCatalogues for it.
 */
@Module({})
export class FleetApiModule {
  static forRoot(config: StevedoreConfig): DynamicModule {
    return {
      module: FleetApiModule,
      global: true,
      imports: [
        FleetStoreModule,
        // An api with a Docker socket reaches its own daemon directly (its changes, search,
        // export) and reads that host from its live catalogue; every other host from its replica.
        CatalogueModule,
        ...(config.fleet.agentEmbedded ? [HostAgentModule] : []),
      ],
      providers: [
        {
          provide: HostRoster,
          inject: [HOST_DIRECTORY, STEVEDORE_CONFIG],
          useFactory: (directory: HostDirectory, { fleet }: StevedoreConfig) =>
            new HostRoster(directory, { offlineAfterMs: fleet.offlineAfterMs }),
        },
        // None where the api holds no Docker socket: every host is then an agent's.
        {
          provide: LOCAL_HOST,
          inject: [STEVEDORE_CONFIG],
          useFactory: (config: StevedoreConfig) =>
            config.fleet.apiDocker ? configuredHostName(config) : null,
        },
        {
          provide: LOCAL_CATALOGUE,
          inject: [STEVEDORE_CONFIG, LiveCatalogue],
          useFactory: (config: StevedoreConfig, live: LiveCatalogue) =>
            config.fleet.apiDocker ? live : null,
        },
        {
          provide: CatalogueReplicas,
          inject: [HOST_CATALOGUE_STORE, HostRoster, LOCAL_HOST, STEVEDORE_CONFIG],
          useFactory: (
            store: HostCatalogueStore,
            roster: HostRoster,
            localHost: string | null,
            config: StevedoreConfig,
          ) =>
            new CatalogueReplicas(store, () => roster.refresh(), {
              rescanMs: config.fleet.heartbeatMs,
              localHost,
            }),
        },
        HostCatalogues,
        FleetService,
        FleetResolver,
      ],
      controllers: [HostsController],
      exports: [HostCatalogues, FleetService, FleetStoreModule],
    };
  }
}
