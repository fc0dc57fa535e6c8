/**
 * The Docker Engine as Stevedore needs it. Services depend on this port, never on dockerode,
 * so their logic can be tested with a fake of this interface and the adapter against a real daemon.
 */
export interface DockerEngine {
  /** Resolves when the daemon answers; rejects with DockerUnavailableError otherwise. */
  ping(): Promise<void>;
  /**
   * `GET /images/search` (`docker search`), through the daemon so that its mirrors and proxy
   * apply. `term` may name an index: `127.0.0.1:5000/app`. An index that cannot be searched is
   * REGISTRY_UNREACHABLE (or REGISTRY_UNAUTHORIZED).
   */
  searchImages(term: string, options: EngineSearchOptions): Promise<EngineSearchResult[]>;
  /** `GET /version`: the platform the daemon pulls for (`linux`, `amd64`). */
  platform(): Promise<{ readonly os: string; readonly architecture: string }>;
  /** `GET /version` and `GET /info`: what an agent registers for its host. */
  describe(): Promise<EngineDescription>;
  /** `GET /images/json`: with `all`, intermediate images too (`docker image ls -a`). */
  listImages(options?: { all?: boolean }): Promise<EngineImageSummary[]>;
  /** `GET /images/{name}/json`: rejects with ImageNotFoundError when the daemon has no such image. */
  inspectImage(nameOrId: string): Promise<EngineImageDetails>;
  /**
   * `GET /images/{name}/json` as the daemon wrote it, every field kept: what the Engine API
   * answers `docker image inspect` with. Rejects with ImageNotFoundError like inspectImage.
   */
  inspectImageDocument(nameOrId: string): Promise<Record<string, unknown>>;
  /** `GET /images/{name}/history`, newest first, as `docker image history --no-trunc`. */
  imageHistory(nameOrId: string): Promise<EngineHistoryEntry[]>;
  /** `GET /containers/json?all=1`; with `sizes`, each container's RW layer size (slow: the daemon walks them). */
  listContainers(options?: { sizes?: boolean }): Promise<EngineContainerSummary[]>;
  /**
   * Opens `GET /events` for image and container events from now on; resolves once the daemon
   * has answered, so a caller can resync knowing no later event is lost. The iterable ends
   * when the daemon closes the stream or `signal` aborts, and throws when the stream breaks.
   */
  openEvents(signal: AbortSignal): Promise<AsyncIterable<EngineEvent>>;
  /**
   * `POST /images/create`: resolves once the daemon answers, with its progress lines (JSON
   * text), which end when the pull ends. The daemon reports failures inside the stream, so the
   * caller must read every line. Aborting `signal` closes the connection, which cancels the pull;
   * the lines then end early.
   */
  pullImage(request: PullRequest): Promise<AsyncIterable<string>>;
  /** `POST /images/{name}/push`, with the same stream semantics as pullImage. */
  pushImage(request: PushRequest): Promise<AsyncIterable<string>>;
  /** `POST /images/{source}/tag`: `repository` is normalised (`docker.io/acme/app`). */
  tagImage(source: string, repository: string, tag: string): Promise<void>;
  /**
   * `DELETE /images/{name}`, as `docker image rm`: what the daemon untagged and deleted. A
   * refusal (409) rejects with EngineConflictError carrying the daemon's reason.
   */
  removeImage(nameOrId: string, options: { force: boolean; prune: boolean }): Promise<EngineRemoval>;
  /** `DELETE /containers/{id}` of a stopped container (never forced). */
  removeContainer(id: string): Promise<void>;
  /** `POST /images/prune`, as `docker image prune [-a] [--filter until=…] [--filter label=…]`. */
  pruneImages(options: PruneOptions): Promise<EnginePruneResult>;
  /** `GET /images/get`, as `docker image save`: a tar stream, read as it comes. */
  exportImages(names: readonly string[], signal: AbortSignal): Promise<NodeJS.ReadableStream>;
  /** `POST /images/load`, as `docker image load`: the daemon's progress lines, as for a pull. */
  loadImages(archive: NodeJS.ReadableStream, signal: AbortSignal): Promise<AsyncIterable<string>>;
}

/** What the engine of a host says of itself. */
export interface EngineDescription {
  readonly version: string;
  readonly apiVersion: string;
  readonly os: string;
  readonly architecture: string;
  readonly cpus: number | null;
  readonly memoryBytes: number | null;
}

export interface EngineRemoval {
  /** References removed, as the daemon names them. */
  readonly untagged: readonly string[];
  /** Image ids (and, with prune, parent image ids) deleted. */
  readonly deleted: readonly string[];
}

export interface PruneOptions {
  /** false: every image without a container (`-a`); true: dangling images only. */
  readonly danglingOnly: boolean;
  /** RFC 3339 time or Go duration; images created before it. */
  readonly until?: string;
  /** `key`, `key=value`, `label!=…` as the daemon's filter takes them. */
  readonly labels?: readonly string[];
}

export interface EnginePruneResult extends EngineRemoval {
  readonly spaceReclaimed: number;
}

export interface PullRequest {
  /** Repository with its registry, e.g. `docker.io/library/nginx`. */
  readonly name: string;
  /** A tag, or a digest (`sha256:…`). */
  readonly tagOrDigest: string;
  /** `os/arch[/variant]`; null for the daemon's own platform. */
  readonly platform: string | null;
  /** The X-Registry-Auth header value (base64url JSON, `{}` for none). */
  readonly registryAuth: string;
  readonly signal: AbortSignal;
}

export interface PushRequest {
  readonly name: string;
  readonly tag: string;
  readonly registryAuth: string;
  readonly signal: AbortSignal;
}

export const DOCKER_ENGINE = Symbol('DockerEngine');

/** The read side of the port: what the catalogue needs, so its fakes need nothing else. */
export type DockerEngineReads = Pick<
  DockerEngine,
  'listImages' | 'inspectImage' | 'imageHistory' | 'listContainers' | 'openEvents'
>;

/** One row of `GET /images/json`, in our own names. */
export interface EngineImageSummary {
  readonly id: string;
  readonly parentId: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  /** Unix seconds, as the daemon reports. */
  readonly created: number;
  readonly size: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Number of containers using the image; -1 when the daemon did not count them. */
  readonly containers: number;
}

/** The parts of `GET /images/{name}/json` that Stevedore serves. Immutable for a given image id. */
export interface EngineImageDetails {
  readonly id: string;
  readonly repoTags: readonly string[];
  readonly repoDigests: readonly string[];
  readonly parent: string;
  readonly comment: string;
  readonly created: string;
  readonly author: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly os: string;
  readonly size: number;
  readonly config: EngineImageConfig;
  /** Diff ids of the read-only layers, base first. */
  readonly layers: readonly string[];
}

export interface EngineImageConfig {
  readonly cmd: readonly string[] | null;
  readonly entrypoint: readonly string[] | null;
  readonly env: readonly string[];
  readonly workingDir: string;
  readonly user: string;
  readonly exposedPorts: readonly string[];
  readonly volumes: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** One row of `GET /images/{name}/history`. */
export interface EngineHistoryEntry {
  /** The image id of the step, or `<missing>` when that image is not local. */
  readonly id: string;
  /** Unix seconds; 0 when the builder recorded none. */
  readonly created: number;
  readonly createdBy: string;
  readonly size: number;
  readonly comment: string;
  readonly tags: readonly string[];
}

export interface EngineContainerSummary {
  readonly id: string;
  /** Without the leading slash the API puts there. */
  readonly name: string;
  readonly imageId: string;
  /** created, running, paused, restarting, removing, exited or dead. */
  readonly state: string;
  /** Bytes in the container's copy-on-write layer; only when sizes were asked for. */
  readonly sizeRw?: number;
}

/** An event of the daemon's `/events` stream. */
export interface EngineEvent {
  readonly type: 'image' | 'container' | string;
  readonly action: string;
  /** For images: the id, or the reference for pull and push. For containers: the id. */
  readonly actorId: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch. */
  readonly time: number;
}

export interface EngineSearchOptions {
  /** 1–100, as the daemon accepts. */
  readonly limit: number;
  readonly official?: boolean;
  readonly minStars?: number;
}

/** A row of `GET /images/search`. */
export interface EngineSearchResult {
  readonly name: string;
  readonly description: string;
  readonly stars: number;
  readonly official: boolean;
  readonly automated: boolean;
}
