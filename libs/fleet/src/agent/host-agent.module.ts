import { Module } from '@nestjs/common';
import { CatalogueModule } from '#libs/catalogue';
import { ImageChangesModule } from '#libs/image-changes';
import { FleetStoreModule } from '../fleet-store.module.js';
import { HostAgent } from './host-agent.js';

/**
 * The agent of this process's Docker host: what `apps/agent` runs, and what the api runs in-process
 * for its local daemon. Needs ConfigModule and DockerModule (both global).
 */
@Module({
  imports: [CatalogueModule, ImageChangesModule, FleetStoreModule],
  providers: [HostAgent],
  // The catalogue too: a process running the agent serves that host from it.
  exports: [HostAgent, CatalogueModule],
})
export class HostAgentModule {}
