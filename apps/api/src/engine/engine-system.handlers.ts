import { Inject, Injectable } from '@nestjs/common';
import { DOCKER_ENGINE, type DockerEngine, type EngineDescription } from '#libs/docker';
import {
  BadUserInputError,
  HostOfflineError,
  RegistryUnauthorizedError,
  RegistryUnreachableError,
} from '#libs/errors';
import { agentVersion } from '#libs/fleet';
import { REGISTRY_CLIENT, RegistryDirectory, type RegistryClient } from '#libs/registry';
import { validateCredentials } from '#libs/registry-auth';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import type { EngineAnswer, EngineCall } from './engine-call.js';
import { ENGINE_API_VERSION, ENGINE_MIN_API_VERSION } from './engine-path.js';
import { readJsonBody } from './engine-body.js';

const LOGIN_TIMEOUT_MS = 15_000;

/** `/_ping`, `/version`, `/info` and `/auth`: what the CLI asks before and around image commands. */
@Injectable()
export class EngineSystemHandlers {
  private readonly version = agentVersion();

  constructor(
    private readonly hosts: HostCatalogues,
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
    @Inject(REGISTRY_CLIENT) private readonly registries: RegistryClient,
    private readonly directory: RegistryDirectory,
  ) {}

  ping = async (): Promise<EngineAnswer> => ({ text: 'OK' });

  /** `docker version`'s Server part: the host's engine, and Stevedore as a component. */
  versionOf = async (call: EngineCall): Promise<EngineAnswer> => {
    const engine = await this.describe(call.host);
    const details = {
      ApiVersion: ENGINE_API_VERSION,
      Arch: engine.architecture,
      MinAPIVersion: ENGINE_MIN_API_VERSION,
      Os: engine.os,
    };
    return {
      json: {
        Platform: { Name: `Stevedore ${this.version}` },
        Components: [
          { Name: 'Engine', Version: engine.version, Details: details },
          { Name: 'Stevedore', Version: this.version, Details: { Serves: 'images' } },
        ],
        Version: engine.version,
        ApiVersion: ENGINE_API_VERSION,
        MinAPIVersion: ENGINE_MIN_API_VERSION,
        Os: engine.os,
        Arch: engine.architecture,
      },
    };
  };

  /** A minimal `docker info`: the host, its images, its platform; no containers are served. */
  info = async (call: EngineCall): Promise<EngineAnswer> => {
    const name = this.hosts.resolve(call.host);
    const [engine, snapshot] = await Promise.all([this.describe(call.host), this.hosts.of(name).current()]);
    return {
      json: {
        ID: name,
        Name: name,
        Containers: 0,
        ContainersRunning: 0,
        ContainersPaused: 0,
        ContainersStopped: 0,
        Images: snapshot.listed(true).length,
        ServerVersion: engine.version,
        OperatingSystem: `Stevedore ${this.version} (images only)`,
        OSType: engine.os,
        Architecture: engine.architecture,
        NCPU: engine.cpus ?? 0,
        MemTotal: engine.memoryBytes ?? 0,
        Labels: [`org.stevedore.host=${name}`],
        Warnings: null,
      },
    };
  };

  /**
   * `docker login`: checks the credentials against the registry, as the daemon does, and keeps
   * nothing; the CLI stores them and sends them with each push and pull.
   */
  login = async (call: EngineCall): Promise<EngineAnswer> => {
    const body = await readJsonBody(call.request);
    const server = typeof body.serveraddress === 'string' ? body.serveraddress : '';
    const registry = registryOfServerAddress(server);
    const credentials = validateCredentials({
      username: stringField(body.username),
      password: stringField(body.password),
      identityToken: stringField(body.identitytoken),
    });
    const endpoint = await this.directory.endpointOf(registry, credentials);
    const check = await this.registries.check(endpoint, LOGIN_TIMEOUT_MS);
    if (!check.reachable) {
      throw new RegistryUnreachableError(
        `login attempt to ${endpoint.baseUrl}/v2/ failed: the registry did not answer`,
      );
    }
    if (!check.authenticated) {
      throw new RegistryUnauthorizedError(
        `login attempt to ${endpoint.baseUrl}/v2/ failed with status: 401 Unauthorized`,
      );
    }
    return { json: { IdentityToken: '', Status: 'Login Succeeded' } };
  };

  private async describe(host: string | undefined): Promise<EngineDescription> {
    const name = this.hosts.resolve(host);
    if (name === this.hosts.localHost) return this.engine.describe();
    const record = this.hosts.roster.get(name);
    if (!record?.engine) throw new HostOfflineError(name, 'its agent has not told what engine it runs');
    return record.engine;
  }
}

function stringField(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** `https://index.docker.io/v1/` (the CLI's name for Docker Hub), `127.0.0.1:5000`, `http://host:5000`. */
function registryOfServerAddress(address: string): string {
  const trimmed = address.trim();
  if (trimmed === '' || /^(https?:\/\/)?(index\.)?docker\.io(\/|$)/i.test(trimmed)) return 'docker.io';
  const host = trimmed.replace(/^https?:\/\//i, '').split('/', 1)[0]!;
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(host)) {
    throw new BadUserInputError(`serveraddress must name a registry, such as 127.0.0.1:5000.`);
  }
  return host.toLowerCase();
}
