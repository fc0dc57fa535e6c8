import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { DockerConnection } from '#libs/config';
import type {
  DockerEngine,
  EngineImageConfig,
  EngineImageDetails,
  EngineImageSummary,
} from './docker-engine.port.js';
import { toEngineError } from './engine-error.js';

/** Requests that take longer than this mean the daemon is stuck; streaming calls set their own. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The one adapter of the DockerEngine port: the Engine API through dockerode. */
export class DockerodeEngine implements DockerEngine {
  private readonly docker: Docker;

  constructor(connection: DockerConnection) {
    this.docker = new Docker({ ...dockerodeOptions(connection), timeout: REQUEST_TIMEOUT_MS });
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async listImages(options: { all?: boolean } = {}): Promise<EngineImageSummary[]> {
    try {
      const rows = await this.docker.listImages({ all: options.all ?? false });
      return rows.map(toImageSummary);
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async inspectImage(nameOrId: string): Promise<EngineImageDetails> {
    try {
      return toImageDetails(await this.docker.getImage(nameOrId).inspect());
    } catch (error) {
      throw toEngineError(error, nameOrId);
    }
  }
}

function dockerodeOptions(connection: DockerConnection): Docker.DockerOptions {
  if (connection.kind === 'socket') return { socketPath: connection.socketPath };
  if (!connection.tls) return { protocol: 'http', host: connection.host, port: connection.port };
  const read = (file: string) => readFileSync(join(connection.tls!.certPath, file));
  return {
    protocol: 'https',
    host: connection.host,
    port: connection.port,
    ca: read('ca.pem'),
    cert: read('cert.pem'),
    key: read('key.pem'),
  };
}

/** Older daemons report an untagged image as `<none>:<none>`; we model that as no tag at all. */
function realNames(names: readonly string[] | null | undefined): string[] {
  return (names ?? []).filter((name) => !name.startsWith('<none>'));
}

function toImageSummary(row: Docker.ImageInfo): EngineImageSummary {
  return {
    id: row.Id,
    parentId: row.ParentId ?? '',
    repoTags: realNames(row.RepoTags),
    repoDigests: realNames(row.RepoDigests),
    created: row.Created,
    size: row.Size,
    labels: row.Labels ?? {},
    containers: row.Containers ?? -1,
  };
}

function toImageDetails(image: Docker.ImageInspectInfo): EngineImageDetails {
  return {
    id: image.Id,
    repoTags: realNames(image.RepoTags),
    repoDigests: realNames(image.RepoDigests),
    parent: image.Parent ?? '',
    comment: image.Comment ?? '',
    created: image.Created,
    author: image.Author ?? '',
    architecture: image.Architecture,
    variant: image.Variant || undefined,
    os: image.Os,
    size: image.Size,
    config: toImageConfig(image.Config),
    layers: image.RootFS?.Layers ?? [],
  };
}

function toImageConfig(
  config: Partial<Docker.ImageInspectInfo['Config']> | null | undefined,
): EngineImageConfig {
  return {
    cmd: asList(config?.Cmd),
    entrypoint: asList(config?.Entrypoint),
    env: config?.Env ?? [],
    workingDir: config?.WorkingDir ?? '',
    user: config?.User ?? '',
    exposedPorts: Object.keys(config?.ExposedPorts ?? {}),
    volumes: Object.keys(config?.Volumes ?? {}),
    labels: config?.Labels ?? {},
  };
}

function asList(value: string | string[] | null | undefined): string[] | null {
  if (value === null || value === undefined) return null;
  return Array.isArray(value) ? value : [value];
}
