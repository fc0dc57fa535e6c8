import { BadUserInputError } from '#libs/errors';
import { dockerConfigFile, type RegistryCredentials } from '#libs/registry-auth';
import { type KnownRegistry, REGISTRY_SOURCE_PRECEDENCE } from './known-registry.js';
import { type RegistryEndpoint, registryEndpoint } from './registry-endpoint.js';
import { registryName } from './registry-name.js';
import type { RegistryStore } from './registry-store.port.js';

export interface RegistryDirectorySources {
  /** Registries added through the API. */
  readonly store: RegistryStore;
  /** The registries file's entries, read at start-up. */
  readonly fileEntries: readonly KnownRegistry[];
  /** The Docker CLI's config folder (`DOCKER_CONFIG`): each `auths` entry is a registry. */
  readonly dockerConfigDir?: string | null;
}

const DOCKER_HUB: KnownRegistry = { name: 'docker.io', source: 'BUILT_IN', insecure: false };

/**
 * Every registry Stevedore knows by name, from the API, the registries file, the Docker config
 * and Docker Hub, which is always known. When two sources name one registry, the stronger wins
 * whole (API over file over Docker config over built in): credentials are never mixed.
 */
export class RegistryDirectory {
  constructor(private readonly sources: RegistryDirectorySources) {}

  async list(): Promise<KnownRegistry[]> {
    const stored = await this.sources.store.list();
    const all: KnownRegistry[] = [
      ...stored.map((entry): KnownRegistry => ({ ...entry, source: 'API' })),
      ...this.sources.fileEntries,
      ...this.dockerConfigEntries(),
      DOCKER_HUB,
    ];
    const byName = new Map<string, KnownRegistry>();
    for (const entry of all) {
      const held = byName.get(entry.name);
      if (!held || rank(entry) < rank(held)) byName.set(entry.name, entry);
    }
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A known registry by any spelling of its name (`https://index.docker.io/v1/` is docker.io). */
  async find(name: string): Promise<KnownRegistry | undefined> {
    const wanted = registryName(name);
    return (await this.list()).find((entry) => entry.name === wanted);
  }

  /** How to reach the registry a reference names: a known one with its credentials, else anonymously. */
  async endpointOf(name: string, credentials?: RegistryCredentials): Promise<RegistryEndpoint> {
    const known = await this.find(name);
    const registry = known?.name ?? registryName(name);
    return registryEndpoint(registry, {
      insecure: known?.insecure,
      credentials: credentials ?? known?.credentials,
    });
  }

  /** Adds or replaces a registry of the API's own; the file's and the Docker config's stay as they are. */
  async add(entry: {
    name: string;
    credentials?: RegistryCredentials;
    insecure: boolean;
  }): Promise<KnownRegistry> {
    const name = registryName(entry.name);
    const other = (await this.list()).find((known) => known.name === name && known.source !== 'API');
    if (other && other.source !== 'BUILT_IN' && other.source !== 'DOCKER_CONFIG') {
      throw new BadUserInputError(
        `The registry ${name} comes from the registries file: change it there, or remove it there first.`,
      );
    }
    const stored = { name, credentials: entry.credentials, insecure: entry.insecure };
    await this.sources.store.save(stored);
    return { ...stored, source: 'API' };
  }

  /** False when the API holds no such registry; the other sources' entries cannot be removed here. */
  async remove(name: string): Promise<boolean> {
    const wanted = registryName(name);
    if (await this.sources.store.remove(wanted)) return true;
    const other = (await this.list()).find((known) => known.name === wanted);
    if (other) {
      throw new BadUserInputError(
        `The registry ${wanted} comes from ${describeSource(other)} and cannot be removed through the API.`,
      );
    }
    return false;
  }

  private dockerConfigEntries(): KnownRegistry[] {
    const dir = this.sources.dockerConfigDir;
    if (!dir) return [];
    const config = dockerConfigFile(dir).current();
    return config.servers.flatMap((server): KnownRegistry[] => {
      let name: string;
      try {
        name = registryName(server);
      } catch {
        return [];
      }
      let credentials: RegistryCredentials | undefined;
      try {
        credentials = config.credentialsFor(name) ?? undefined;
      } catch {
        // An entry the config cannot give (a credential helper): known, without credentials.
        credentials = undefined;
      }
      return [{ name, source: 'DOCKER_CONFIG', credentials, insecure: false }];
    });
  }
}

function rank(entry: KnownRegistry): number {
  return REGISTRY_SOURCE_PRECEDENCE.indexOf(entry.source);
}

function describeSource(entry: KnownRegistry): string {
  switch (entry.source) {
    case 'CONFIG_FILE':
      return 'the registries file';
    case 'DOCKER_CONFIG':
      return 'the Docker config (DOCKER_CONFIG)';
    default:
      return 'Stevedore itself (Docker Hub is always known)';
  }
}
