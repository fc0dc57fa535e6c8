import { Inject, Injectable } from '@nestjs/common';
import { DOCKER_ENGINE, type DockerEngine, type EngineSearchResult } from '#libs/docker';
import {
  type KnownRegistry,
  type RegistryCheck,
  RegistryBrowser,
  RegistryDirectory,
  registryName,
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

  /** `docker search`, through the daemon: Docker Hub, or the index a registry name gives. */
  async search(query: {
    term: string;
    registry?: string;
    official?: boolean;
    minStars?: number;
    first: number;
  }): Promise<EngineSearchResult[]> {
    const index = query.registry === undefined ? 'docker.io' : registryName(query.registry);
    const term = index === 'docker.io' ? query.term : `${index}/${query.term}`;
    return this.docker.searchImages(term, {
      limit: query.first,
      official: query.official,
      minStars: query.minStars,
    });
  }
}
