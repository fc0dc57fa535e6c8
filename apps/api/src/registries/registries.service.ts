import { Inject, Injectable } from '@nestjs/common';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import {
  type KnownRegistry,
  type RegistryCheck,
  RegistryBrowser,
  RegistryDirectory,
  type RemoteImageView,
} from '#libs/registry';
import { validateCredentials, type RegistryCredentialsInput } from '#libs/registry-auth';

/** What both transports do beyond a call into the registry lib: credentials checked, the daemon's platform. */
@Injectable()
export class RegistriesService {
  constructor(
    private readonly browser: RegistryBrowser,
    private readonly directory: RegistryDirectory,
    @Inject(DOCKER_ENGINE) private readonly docker: DockerEngine,
  ) {}

  /** Adds or replaces a registry of the API's own, then checks it as `registries` would. */
  async add(
    input: RegistryCredentialsInput & { name: string; insecure: boolean },
  ): Promise<KnownRegistry & RegistryCheck> {
    const given = [input.username, input.password, input.identityToken].some((value) => value != null);
    const credentials = given ? validateCredentials(input, { path: 'input' }) : undefined;
    const added = await this.directory.add({ name: input.name, credentials, insecure: input.insecure });
    return (await this.browser.registry(added.name)) ?? { ...added, reachable: false, authenticated: false };
  }

  /** The platform given, else the one the daemon pulls for. */
  async remoteImage(ref: string, platform: string | undefined): Promise<RemoteImageView> {
    return this.browser.remoteImage(ref, platform, await this.docker.platform());
  }
}
