/*
 * Test-only: an in-memory fake of OUR port (DockerEngine), so the catalogue's logic runs without a
 * daemon. Images, histories and containers are plain data the test changes; the event stream is one
 * the test pushes events into, ends, or breaks; the daemon can be taken down and brought back.
 */
import { DockerUnavailableError, ImageNotFoundError } from '#libs/errors';
import type {
  DockerEngineReads,
  EngineContainerSummary,
  EngineDescription,
  EngineEvent,
  EngineHistoryEntry,
  EngineImageDetails,
  EngineImageSummary,
} from '#libs/docker';
import { CatalogueSnapshot, type ImageFacts } from '../catalogue-snapshot.js';
import { historyLayersOf, imageLayersOf } from '../layer-chain.js';

/** `sha256:` followed by `hex` repeated to 64 digits: readable fixture ids and diff ids. */
export function digestOf(hex: string): string {
  return `sha256:${hex.repeat(Math.ceil(64 / hex.length)).slice(0, 64)}`;
}

export interface FakeLayerSpec {
  readonly diffId: string;
  readonly size: number;
  /** Default `COPY layer<n> /`. */
  readonly createdBy?: string;
  /** Id of the history row: the step's image id, default `<missing>` (the image's own id for its top row). */
  readonly stepId?: string;
}

export interface FakeImageSpec {
  readonly id: string;
  readonly repoTags?: readonly string[];
  readonly repoDigests?: readonly string[];
  readonly parentId?: string;
  /** Unix seconds; default 1000. */
  readonly created?: number;
  readonly labels?: Readonly<Record<string, string>>;
  /** Base first. */
  readonly layers?: readonly FakeLayerSpec[];
  /** Newest first, as the daemon serves it; default one row per layer. */
  readonly history?: readonly EngineHistoryEntry[];
  /** Default: the sum of the layer sizes. */
  readonly size?: number;
}

export interface FakeImage {
  summary: EngineImageSummary;
  details: EngineImageDetails;
  history: EngineHistoryEntry[];
}

export function fakeImage(spec: FakeImageSpec): FakeImage {
  const created = spec.created ?? 1000;
  const layers = spec.layers ?? [];
  const size = spec.size ?? layers.reduce((sum, layer) => sum + layer.size, 0);
  const repoTags = [...(spec.repoTags ?? [])];
  const repoDigests = [...(spec.repoDigests ?? [])];
  const history =
    spec.history !== undefined
      ? [...spec.history]
      : layers
          .map((layer, index): EngineHistoryEntry => ({
            id: layer.stepId ?? (index === layers.length - 1 ? spec.id : '<missing>'),
            created: created - (layers.length - 1 - index),
            createdBy: layer.createdBy ?? `COPY layer${index} /`,
            size: layer.size,
            comment: '',
            tags: [],
          }))
          .reverse();
  return {
    summary: {
      id: spec.id,
      parentId: spec.parentId ?? '',
      repoTags,
      repoDigests,
      created,
      size,
      labels: { ...(spec.labels ?? {}) },
      containers: -1,
    },
    details: {
      id: spec.id,
      repoTags,
      repoDigests,
      parent: spec.parentId ?? '',
      comment: '',
      created: new Date(created * 1000).toISOString(),
      author: '',
      architecture: 'amd64',
      os: 'linux',
      size,
      config: {
        cmd: ['sh'],
        entrypoint: null,
        env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
        workingDir: '',
        user: '',
        exposedPorts: [],
        volumes: [],
        labels: { ...(spec.labels ?? {}) },
      },
      layers: layers.map((layer) => layer.diffId),
    },
    history,
  };
}

/** The facts the live catalogue derives from an image's inspect and history. */
export function factsOfImage(image: FakeImage): ImageFacts {
  const history = historyLayersOf(image.history, image.details.layers.length);
  return { details: image.details, history, layers: imageLayersOf(image.details.layers, history) };
}

/** A snapshot of the given images and containers, built as the live catalogue builds one. */
export function snapshotOf(
  images: readonly FakeImage[],
  containers: readonly EngineContainerSummary[] = [],
  takenAt = new Date(0),
): CatalogueSnapshot {
  return new CatalogueSnapshot({
    summaries: images.map((image) => image.summary),
    factsById: new Map(images.map((image) => [image.summary.id, factsOfImage(image)])),
    containers,
    takenAt,
  });
}

export function imageEvent(
  action: string,
  actorId: string,
  attributes: Record<string, string> = {},
): EngineEvent {
  return { type: 'image', action, actorId, attributes, time: Date.now() };
}

export function containerEvent(
  action: string,
  containerId: string,
  attributes: Record<string, string> = {},
): EngineEvent {
  return { type: 'container', action, actorId: containerId, attributes, time: Date.now() };
}

/** One `GET /events` stream: the test pushes events, ends it, or breaks it; aborting the signal ends it. */
export class FakeEventStream implements AsyncIterable<EngineEvent> {
  private readonly queue: EngineEvent[] = [];
  private closed: { readonly error?: unknown } | null = null;
  private wake: (() => void) | null = null;

  constructor(readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.end(), { once: true });
  }

  get isClosed(): boolean {
    return this.closed !== null;
  }

  push(event: EngineEvent): void {
    if (this.closed) throw new Error('push on a closed fake event stream');
    this.queue.push(event);
    this.wake?.();
  }

  /** The daemon closes the stream. */
  end(): void {
    this.closed ??= {};
    this.wake?.();
  }

  /** The connection breaks: the iteration throws. */
  fail(error: unknown): void {
    this.closed ??= { error };
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<EngineEvent> {
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.closed) {
        if (this.closed.error !== undefined && !this.signal.aborted) throw this.closed.error;
        return;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}

type GatedCall = 'listImages' | 'openEvents';

export class FakeDockerEngine implements DockerEngineReads {
  readonly images = new Map<string, FakeImage>();
  containers: EngineContainerSummary[] = [];
  /** False: every call rejects with DockerUnavailableError, as with the daemon stopped. */
  available = true;
  readonly streams: FakeEventStream[] = [];
  readonly calls = {
    listImages: 0,
    listContainers: 0,
    openEvents: 0,
    inspect: new Map<string, number>(),
    history: new Map<string, number>(),
  };
  /** Errors the next inspect of an id rejects with (once each). */
  readonly inspectFailures = new Map<string, Error>();
  private readonly gates = new Map<GatedCall, Promise<void>>();

  constructor(images: readonly FakeImageSpec[] = []) {
    for (const spec of images) this.addImage(spec);
  }

  addImage(spec: FakeImageSpec): FakeImage {
    const image = fakeImage(spec);
    this.images.set(spec.id, image);
    return image;
  }

  removeImage(id: string): void {
    this.images.delete(id);
  }

  /** Changes the image's tags, as `docker tag` / `docker rmi <tag>` would (no event: see `emit`). */
  setRepoTags(id: string, repoTags: readonly string[]): void {
    const image = this.images.get(id)!;
    image.summary = { ...image.summary, repoTags: [...repoTags] };
  }

  /** The stream the catalogue currently reads. */
  get stream(): FakeEventStream {
    const stream = this.streams.at(-1);
    if (!stream) throw new Error('no event stream was opened');
    return stream;
  }

  emit(event: EngineEvent): void {
    this.stream.push(event);
  }

  /** The daemon stops: calls reject and the open event stream breaks. */
  goDown(): void {
    this.available = false;
    for (const stream of this.streams) stream.fail(new DockerUnavailableError('connect ECONNREFUSED'));
  }

  comeBack(): void {
    this.available = true;
  }

  /** Makes calls of `name` wait until the returned function is called (their data is read before). */
  hold(name: GatedCall): () => void {
    let release!: () => void;
    this.gates.set(name, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.gates.delete(name);
      release();
    };
  }

  timesInspected(id: string): number {
    return this.calls.inspect.get(id) ?? 0;
  }

  timesHistoryRead(id: string): number {
    return this.calls.history.get(id) ?? 0;
  }

  async searchImages(): Promise<never[]> {
    return [];
  }

  async platform(): Promise<{ os: string; architecture: string }> {
    return { os: 'linux', architecture: 'amd64' };
  }

  async describe(): Promise<EngineDescription> {
    this.ensureAvailable();
    return {
      version: '28.0.0',
      apiVersion: '1.48',
      os: 'linux',
      architecture: 'amd64',
      cpus: 4,
      memoryBytes: 8 * 1024 ** 3,
    };
  }

  async ping(): Promise<void> {
    this.ensureAvailable();
  }

  async listImages(options: { all?: boolean } = {}): Promise<EngineImageSummary[]> {
    this.calls.listImages++;
    this.ensureAvailable();
    const summaries = [...this.images.values()].map((image) => image.summary);
    const parents = new Set(summaries.map((summary) => summary.parentId));
    const listed = options.all
      ? summaries
      : summaries.filter(
          (summary) =>
            summary.repoTags.length > 0 || summary.repoDigests.length > 0 || !parents.has(summary.id),
        );
    await this.gates.get('listImages');
    this.ensureAvailable();
    return listed;
  }

  async inspectImage(nameOrId: string): Promise<EngineImageDetails> {
    this.calls.inspect.set(nameOrId, this.timesInspected(nameOrId) + 1);
    this.ensureAvailable();
    const failure = this.inspectFailures.get(nameOrId);
    if (failure) {
      this.inspectFailures.delete(nameOrId);
      throw failure;
    }
    const image = this.images.get(nameOrId);
    if (!image) throw new ImageNotFoundError(nameOrId);
    return { ...image.details, repoTags: image.summary.repoTags };
  }

  async inspectImageDocument(nameOrId: string): Promise<Record<string, unknown>> {
    const details = await this.inspectImage(nameOrId);
    return { Id: details.id, RepoTags: details.repoTags, RepoDigests: details.repoDigests };
  }

  async imageHistory(nameOrId: string): Promise<EngineHistoryEntry[]> {
    this.calls.history.set(nameOrId, this.timesHistoryRead(nameOrId) + 1);
    this.ensureAvailable();
    const image = this.images.get(nameOrId);
    if (!image) throw new ImageNotFoundError(nameOrId);
    return image.history.map((row) => ({ ...row, tags: this.images.get(row.id)?.summary.repoTags ?? [] }));
  }

  async listContainers(): Promise<EngineContainerSummary[]> {
    this.calls.listContainers++;
    this.ensureAvailable();
    return [...this.containers];
  }

  async openEvents(signal: AbortSignal): Promise<AsyncIterable<EngineEvent>> {
    this.calls.openEvents++;
    this.ensureAvailable();
    const gate = this.gates.get('openEvents');
    if (gate) {
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(new DOMException('The operation was aborted.', 'AbortError'));
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        void gate.then(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        });
      });
      this.ensureAvailable();
    }
    const stream = new FakeEventStream(signal);
    this.streams.push(stream);
    return stream;
  }

  private ensureAvailable(): void {
    if (!this.available) throw new DockerUnavailableError('connect ECONNREFUSED /var/run/docker.sock');
  }
}
