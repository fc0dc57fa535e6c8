/**
 * The Docker Engine as Stevedore needs it. Services depend on this port, never on dockerode,
 * so their logic can be tested with a fake of this interface and the adapter against a real daemon.
 */
export interface DockerEngine {
  /** Resolves when the daemon answers; rejects with DockerUnavailableError otherwise. */
  ping(): Promise<void>;
  /** `GET /images/json`: with `all`, intermediate images too (`docker image ls -a`). */
  listImages(options?: { all?: boolean }): Promise<EngineImageSummary[]>;
  /** `GET /images/{name}/json`: rejects with ImageNotFoundError when the daemon has no such image. */
  inspectImage(nameOrId: string): Promise<EngineImageDetails>;
}

export const DOCKER_ENGINE = Symbol('DockerEngine');

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
