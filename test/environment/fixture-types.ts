/** Every fixture image; the keys of Fixtures['images']. */
export type FixtureKey = 'base' | 'appA' | 'appB' | 'multiTag' | 'configured' | 'busybox' | 'large';

/** The same image as pushed to one registry. */
export interface FixtureRegistryCopy {
  /** `127.0.0.1:PORT/stevedore-fixtures/app-a` */
  repository: string;
  /** One per tag, in the order of FixtureImage.tags. */
  refs: string[];
  /** `refs[0]` */
  ref: string;
  /** Manifest digest the registry stored (`sha256:…`): the same for every tag of the image. */
  digest: string;
  /** `<repository>@<digest>` */
  digestRef: string;
}

export interface FixtureImage {
  key: FixtureKey;
  /** Local repository without a registry: `stevedore-fixtures/app-a`. */
  repository: string;
  tags: string[];
  /** `<repository>:<tags[0]>` */
  ref: string;
  /** One local ref per tag. */
  refs: string[];
  /** Local image id, `sha256:…`. */
  id: string;
  /** RootFS diff ids, bottom layer first. An image built FROM `base` starts with all of base's layers. */
  layers: string[];
  /** Bytes, as `docker image inspect` reports. */
  size: number;
  /** The fixture this one was built FROM, when it is another fixture. */
  base?: FixtureKey;
  /** What the image is for, in one sentence. */
  purpose: string;
  /**
   * Copies in both registries. Locally only the plain refs exist: the registry-qualified tags and
   * digests are removed after the push, so a pull of a registry ref creates a new local reference.
   * The layers stay local, though: to watch a pull really download (e.g. pull progress), remove
   * the local image first (`docker rmi stevedore-fixtures/large:1`).
   */
  registries: { open: FixtureRegistryCopy; auth: FixtureRegistryCopy };
}

/** What the Dockerfile of the `configured` fixture declares, in the shape of Docker's image config. */
export interface ConfiguredImageDeclaration {
  labels: Record<string, string>;
  /** `KEY=value` strings that Config.Env contains (the builder adds a default PATH besides). */
  env: string[];
  entrypoint: string[];
  cmd: string[];
  workingDir: string;
  user: string;
  /** Keys of Config.Volumes. */
  volumes: string[];
  /** Keys of Config.ExposedPorts, e.g. `8080/tcp`. */
  exposedPorts: string[];
}

/** One entry of the multi-platform index: a fixture image, under the platform it was annotated with. */
export interface FixturePlatformEntry {
  image: FixtureKey;
  /** The image's manifest digest in the open registry. */
  digest: string;
  os: string;
  architecture: string;
  variant?: string;
}

/**
 * A Docker manifest list in the open registry, made the way a person makes one: `docker manifest
 * create`, `annotate` and `push --insecure`, from two single-platform fixture images.
 */
export interface FixtureIndex {
  /** `127.0.0.1:PORT/stevedore-fixtures/multi-platform` */
  repository: string;
  /** `<repository>:1` */
  ref: string;
  /** The list's digest as `docker manifest push` reported it. */
  digest: string;
  mediaType: string;
  platforms: FixturePlatformEntry[];
}

export interface Fixtures {
  /** Every fixture repository starts with `<namespace>/`. */
  namespace: string;
  images: Record<FixtureKey, FixtureImage>;
  configured: ConfiguredImageDeclaration;
  large: { layerCount: number; bytesPerLayer: number };
  /** In the open registry only; nothing of it is local. */
  multiPlatform: FixtureIndex;
  /** The busybox image has applet symlinks in /bin (so `sh`, `sleep`, … run) and this file, written by its RUN step. */
  busybox: { releaseFile: string; releaseText: string };
}
