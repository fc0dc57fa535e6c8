import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import Docker from 'dockerode';
import type { DockerConnection } from '#libs/config';
import type {
  EngineSearchOptions,
  EngineSearchResult,
  DockerEngine,
  EngineContainerSummary,
  EngineDescription,
  EngineEvent,
  EngineHistoryEntry,
  EngineImageConfig,
  EngineImageDetails,
  EngineImageSummary,
  EnginePruneResult,
  EngineRemoval,
  PruneOptions,
  PullRequest,
  PushRequest,
} from './docker-engine.port.js';
import { toEngineError, toSearchError } from './engine-error.js';

/** Requests that take longer than this mean the daemon is stuck; streaming calls set their own. */
const REQUEST_TIMEOUT_MS = 30_000;
/** A stream may stay silent for hours; only its connection has to come up quickly. */
const STREAM_CONNECT_TIMEOUT_MS = 5_000;

/** The one adapter of the DockerEngine port: the Engine API through dockerode. */
export class DockerodeEngine implements DockerEngine {
  private readonly docker: Docker;
  /** docker-modem's timeout is an idle timeout that would cut a quiet stream: streams get their own client. */
  private readonly streaming: Docker;

  constructor(connection: DockerConnection) {
    this.docker = new Docker({ ...dockerodeOptions(connection), timeout: REQUEST_TIMEOUT_MS });
    this.streaming = new Docker({
      ...dockerodeOptions(connection),
      connectionTimeout: STREAM_CONNECT_TIMEOUT_MS,
    } as Docker.DockerOptions);
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async searchImages(term: string, options: EngineSearchOptions): Promise<EngineSearchResult[]> {
    const filters: Record<string, string[]> = {};
    if (options.official !== undefined) filters['is-official'] = [String(options.official)];
    if (options.minStars !== undefined) filters.stars = [String(options.minStars)];
    let rows: SearchRow[];
    try {
      rows = (await this.docker.searchImages({
        term,
        limit: options.limit,
        filters: JSON.stringify(filters),
      })) as SearchRow[];
    } catch (error) {
      throw toSearchError(error, term);
    }
    return rows.map((row) => ({
      name: row.name ?? '',
      description: row.description ?? '',
      stars: row.star_count ?? 0,
      official: row.is_official === true,
      automated: row.is_automated === true,
    }));
  }

  async platform(): Promise<{ os: string; architecture: string }> {
    try {
      const version = (await this.docker.version()) as { Os?: string; Arch?: string };
      return { os: version.Os ?? 'linux', architecture: version.Arch ?? 'amd64' };
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async describe(): Promise<EngineDescription> {
    try {
      const [version, info] = await Promise.all([
        this.docker.version() as Promise<{
          Version?: string;
          ApiVersion?: string;
          Os?: string;
          Arch?: string;
        }>,
        this.docker.info() as Promise<{ NCPU?: number; MemTotal?: number }>,
      ]);
      return {
        version: version.Version ?? '',
        apiVersion: version.ApiVersion ?? '',
        os: version.Os ?? 'linux',
        architecture: version.Arch ?? 'amd64',
        cpus: typeof info.NCPU === 'number' ? info.NCPU : null,
        memoryBytes: typeof info.MemTotal === 'number' ? info.MemTotal : null,
      };
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

  async inspectImageDocument(nameOrId: string): Promise<Record<string, unknown>> {
    try {
      return (await this.docker.getImage(nameOrId).inspect()) as unknown as Record<string, unknown>;
    } catch (error) {
      throw toEngineError(error, nameOrId);
    }
  }

  async imageHistory(nameOrId: string): Promise<EngineHistoryEntry[]> {
    try {
      const rows = (await this.docker.getImage(nameOrId).history()) as EngineHistoryRow[];
      return rows.map((row) => ({
        id: row.Id,
        created: row.Created ?? 0,
        createdBy: row.CreatedBy ?? '',
        size: row.Size ?? 0,
        comment: row.Comment ?? '',
        tags: row.Tags ?? [],
      }));
    } catch (error) {
      throw toEngineError(error, nameOrId);
    }
  }

  async listContainers(options: { sizes?: boolean } = {}): Promise<EngineContainerSummary[]> {
    try {
      const rows = await this.docker.listContainers({ all: true, size: options.sizes ?? false });
      return rows.map((row) => ({
        id: row.Id,
        name: (row.Names?.[0] ?? '').replace(/^\//, ''),
        imageId: row.ImageID,
        state: row.State,
        ...(options.sizes ? { sizeRw: (row as { SizeRw?: number }).SizeRw ?? 0 } : {}),
      }));
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async pullImage(request: PullRequest): Promise<AsyncIterable<string>> {
    try {
      const stream = (await this.streaming.createImage(
        { key: request.registryAuth },
        {
          fromImage: request.name,
          tag: request.tagOrDigest,
          ...(request.platform ? { platform: request.platform } : {}),
          abortSignal: request.signal,
        },
      )) as unknown as Readable;
      return linesOf(stream, request.signal);
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async pushImage(request: PushRequest): Promise<AsyncIterable<string>> {
    try {
      const stream = (await this.streaming.getImage(request.name).push({
        tag: request.tag,
        authconfig: { key: request.registryAuth },
        abortSignal: request.signal,
      } as Docker.ImagePushOptions)) as unknown as Readable;
      return linesOf(stream, request.signal);
    } catch (error) {
      throw toEngineError(error, `${request.name}:${request.tag}`);
    }
  }

  async tagImage(source: string, repository: string, tag: string): Promise<void> {
    try {
      await this.docker.getImage(source).tag({ repo: repository, tag });
    } catch (error) {
      throw toEngineError(error, source);
    }
  }

  async removeImage(nameOrId: string, options: { force: boolean; prune: boolean }): Promise<EngineRemoval> {
    try {
      const items = (await this.docker
        .getImage(nameOrId)
        .remove({ force: options.force, noprune: !options.prune })) as DeleteItem[];
      return removalOf(items);
    } catch (error) {
      throw toEngineError(error, nameOrId);
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: false });
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async pruneImages(options: PruneOptions): Promise<EnginePruneResult> {
    const filters: Record<string, string[]> = { dangling: [String(options.danglingOnly)] };
    if (options.until) filters['until'] = [options.until];
    if (options.labels?.length) filters['label'] = [...options.labels];
    try {
      const answer = (await this.docker.pruneImages({ filters })) as {
        ImagesDeleted?: DeleteItem[] | null;
        SpaceReclaimed?: number;
      };
      return { ...removalOf(answer.ImagesDeleted ?? []), spaceReclaimed: answer.SpaceReclaimed ?? 0 };
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async exportImages(names: readonly string[], signal: AbortSignal): Promise<NodeJS.ReadableStream> {
    try {
      // Typed by @types/dockerode 4 without getImages (GET /images/get), which dockerode 5 has.
      const client = this.streaming as unknown as {
        getImages(options: { names: string[]; abortSignal: AbortSignal }): Promise<NodeJS.ReadableStream>;
      };
      return await client.getImages({ names: [...names], abortSignal: signal });
    } catch (error) {
      throw toEngineError(error, names.join(', '));
    }
  }

  async loadImages(archive: NodeJS.ReadableStream, signal: AbortSignal): Promise<AsyncIterable<string>> {
    try {
      const stream = (await this.streaming.loadImage(archive, {
        quiet: false,
        abortSignal: signal,
      } as never)) as unknown as Readable;
      return linesOf(stream, signal);
    } catch (error) {
      throw toEngineError(error);
    }
  }

  async openEvents(signal: AbortSignal): Promise<AsyncIterable<EngineEvent>> {
    try {
      const stream = (await this.streaming.getEvents({
        filters: { type: ['image', 'container'] },
        abortSignal: signal,
      } as Docker.GetEventsOptions)) as unknown as Readable;
      return eventsOf(stream, signal);
    } catch (error) {
      throw toEngineError(error);
    }
  }
}

async function* eventsOf(stream: Readable, signal: AbortSignal): AsyncIterable<EngineEvent> {
  for await (const line of linesOf(stream, signal)) {
    yield toEngineEvent(JSON.parse(line) as EngineEventMessage);
  }
}

/** The non-blank lines of a daemon stream; ends quietly when `signal` aborted it. */
async function* linesOf(stream: Readable, signal: AbortSignal): AsyncIterable<string> {
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.trim() !== '') yield line;
    }
  } catch (error) {
    if (!signal.aborted) throw toEngineError(error);
  } finally {
    lines.close();
    stream.destroy();
  }
}

interface DeleteItem {
  Untagged?: string;
  Deleted?: string;
}

function removalOf(items: readonly DeleteItem[]): EngineRemoval {
  return {
    untagged: items.flatMap((item) => (item.Untagged ? [item.Untagged] : [])),
    deleted: items.flatMap((item) => (item.Deleted ? [item.Deleted] : [])),
  };
}

interface EngineHistoryRow {
  Id: string;
  Created?: number;
  CreatedBy?: string;
  Size?: number;
  Comment?: string;
  Tags?: string[] | null;
}

interface EngineEventMessage {
  Type?: string;
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

function toEngineEvent(message: EngineEventMessage): EngineEvent {
  return {
    type: message.Type ?? '',
    action: message.Action ?? '',
    actorId: message.Actor?.ID ?? '',
    attributes: message.Actor?.Attributes ?? {},
    time: message.timeNano ? Math.floor(message.timeNano / 1e6) : (message.time ?? 0) * 1000,
  };
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

interface SearchRow {
  name?: string;
  description?: string;
  star_count?: number;
  is_official?: boolean;
  is_automated?: boolean;
}
