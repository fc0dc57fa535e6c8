import { Inject, Injectable, Module, type OnModuleDestroy } from '@nestjs/common';
import { STEVEDORE_CONFIG, type StevedoreConfig } from '#libs/config';
import { CREDENTIAL_SEALER, credentialSealerProvider, type CredentialSealer } from '#libs/registry-auth';
import { ThreadedCopier } from './copy-thread/threaded-copier.js';
import { DistributionClient, type DistributionClientOptions } from './distribution-client.adapter.js';
import { RedisRegistryStore } from './redis-registry-store.adapter.js';
import { readRegistriesFile } from './registries-file.js';
import { RegistryBrowser } from './registry-browser.js';
import { REGISTRY_CLIENT, type RegistryClient } from './registry-client.port.js';
import { IMAGE_COPIER, type ImageCopier, RegistryCopier } from './registry-copier.js';
import { RegistryDirectory } from './registry-directory.js';
import { REGISTRY_STORE, type RegistryStore } from './registry-store.port.js';
import { RedisUpdateFindings, UPDATE_FINDINGS } from './update-findings.js';

/** Closes the client's connections, the copy thread and the Redis connections on shutdown. */
@Injectable()
class RegistryConnections implements OnModuleDestroy {
  constructor(
    @Inject(REGISTRY_CLIENT) private readonly client: DistributionClient,
    @Inject(IMAGE_COPIER) private readonly copier: ImageCopier,
    @Inject(REGISTRY_STORE) private readonly store: RedisRegistryStore,
    @Inject(UPDATE_FINDINGS) private readonly findings: RedisUpdateFindings,
  ) {}

  async onModuleDestroy(): Promise<void> {
    await Promise.all([
      this.client.close(),
      this.copier instanceof ThreadedCopier ? this.copier.close() : undefined,
      this.store.close(),
      this.findings.close(),
    ]);
  }
}

function clientOptions(config: StevedoreConfig): DistributionClientOptions {
  return { timeoutMs: config.registries.timeoutMs, userAgent: 'stevedore' };
}

/**
 * Registries: the client (Distribution v2 / OCI), the copier, the directory of named registries
 * and the browser over both. Needs ConfigModule (global). The registries file is read once, at start-up:
 * a bad file stops the start.
 */
@Module({
  providers: [
    credentialSealerProvider,
    {
      provide: REGISTRY_CLIENT,
      inject: [STEVEDORE_CONFIG],
      useFactory: (config: StevedoreConfig) => new DistributionClient(clientOptions(config)),
    },
    {
      // In a thread of its own once built; in-process when running from the sources (under jest).
      provide: IMAGE_COPIER,
      inject: [STEVEDORE_CONFIG, REGISTRY_CLIENT],
      useFactory: (config: StevedoreConfig, client: RegistryClient): ImageCopier =>
        ThreadedCopier.available() ? new ThreadedCopier(clientOptions(config)) : new RegistryCopier(client),
    },
    {
      provide: REGISTRY_STORE,
      inject: [STEVEDORE_CONFIG, CREDENTIAL_SEALER],
      useFactory: (config: StevedoreConfig, sealer: CredentialSealer) =>
        new RedisRegistryStore(config.redis, sealer),
    },
    {
      provide: RegistryDirectory,
      inject: [STEVEDORE_CONFIG, REGISTRY_STORE],
      useFactory: (config: StevedoreConfig, store: RegistryStore) =>
        new RegistryDirectory({
          store,
          fileEntries: config.registries.file ? readRegistriesFile(config.registries.file) : [],
          dockerConfigDir: config.registryAuth.dockerConfigDir,
        }),
    },
    {
      provide: RegistryBrowser,
      inject: [STEVEDORE_CONFIG, RegistryDirectory, REGISTRY_CLIENT],
      useFactory: (config: StevedoreConfig, directory: RegistryDirectory, client: RegistryClient) =>
        new RegistryBrowser(directory, client, { checkTimeoutMs: config.registries.checkTimeoutMs }),
    },
    {
      provide: UPDATE_FINDINGS,
      inject: [STEVEDORE_CONFIG],
      useFactory: (config: StevedoreConfig) => new RedisUpdateFindings(config.redis),
    },
    RegistryConnections,
  ],
  exports: [REGISTRY_CLIENT, IMAGE_COPIER, RegistryDirectory, RegistryBrowser, UPDATE_FINDINGS],
})
export class RegistryModule {}
