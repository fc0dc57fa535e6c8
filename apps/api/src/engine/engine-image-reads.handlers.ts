import { Inject, Injectable } from '@nestjs/common';
import {
  compileGlob,
  imageFilterPredicate,
  type CatalogueImageEvent,
  type CatalogueSnapshot,
  type ImageRecord,
} from '#libs/catalogue';
import { DOCKER_ENGINE, type DockerEngine } from '#libs/docker';
import { BadUserInputError, ImageNotFoundError } from '#libs/errors';
import { HostCatalogues } from '../fleet/host-catalogues.js';
import { RegistriesService } from '../registries/registries.service.js';
import type { EngineAnswer, EngineCall } from './engine-call.js';
import {
  booleanFilter,
  flag,
  onlyFilters,
  parseEngineFilters,
  type EngineFilters,
} from './engine-filters.js';
import {
  diskUsageDocument,
  eventLine,
  historyRows,
  imageSummary,
  inspectDocument,
  searchRow,
} from './engine-views.js';

const SEARCH_LIMIT_DEFAULT = 25;
/** `docker events` filters that name objects other than images. */
const OTHER_OBJECT_FILTERS = [
  'container',
  'network',
  'volume',
  'daemon',
  'plugin',
  'node',
  'service',
  'secret',
  'config',
];
const SEARCH_LIMIT_MAX = 100;

/** Image reads, answered from the host's catalogue as the daemon would answer them. */
@Injectable()
export class EngineImageReadHandlers {
  constructor(
    private readonly hosts: HostCatalogues,
    @Inject(DOCKER_ENGINE) private readonly engine: DockerEngine,
    private readonly registries: RegistriesService,
  ) {}

  /** `GET /images/json`: `all`, and the filters dangling, label, before, since, reference. */
  list = async (call: EngineCall): Promise<EngineAnswer> => {
    const filters = parseEngineFilters(call.query.get('filters'));
    onlyFilters(filters, ['dangling', 'label', 'before', 'since', 'reference']);
    const snapshot = await this.hosts.of(call.host).current();
    const all = flag(call.query.get('all'));
    const references = (filters.get('reference') ?? []).map((pattern) => compileGlob(pattern));
    const names =
      references.length === 0
        ? undefined
        : (familiar: string) =>
            references.some((glob) => glob.matches(familiar) || glob.matches(nameOf(familiar)));
    const dangling = booleanFilter(filters, 'dangling');
    const predicate = imageFilterPredicate({ dangling, labels: filters.get('label') });
    const created = createdBounds(snapshot, filters);
    const rows = snapshot
      .listed(all)
      .filter(predicate)
      .filter((image) => created(image))
      .filter((image) => !names || [...image.repoTags, ...image.repoDigests.map(nameOf)].some(names))
      .map((image) => imageSummary(image, { names }));
    return { json: rows };
  };

  /**
   * `GET /images/{name}/json`: the daemon's own document for the api's own host; for another
   * host, what its catalogue keeps (no container config or graph driver fields).
   */
  inspect = async (call: EngineCall): Promise<EngineAnswer> => {
    const name = this.hosts.resolve(call.host);
    const image = await this.find(call);
    if (name === this.hosts.localHost) return { json: await this.engine.inspectImageDocument(image.id) };
    return { json: inspectDocument(image) };
  };

  history = async (call: EngineCall): Promise<EngineAnswer> => ({
    json: historyRows((await this.find(call)).history),
  });

  diskUsage = async (call: EngineCall): Promise<EngineAnswer> => ({
    json: diskUsageDocument(await this.hosts.of(call.host).current()),
  });

  /** `GET /images/search`, through the daemon so that its mirrors and proxy apply. */
  search = async (call: EngineCall): Promise<EngineAnswer> => {
    const term = call.query.get('term') ?? '';
    if (term.trim() === '') throw new BadUserInputError('term is required.');
    const filters = parseEngineFilters(call.query.get('filters'));
    onlyFilters(filters, ['is-official', 'is-automated', 'stars']);
    const stars = filters.get('stars')?.at(-1);
    const limit = boundedInteger(call.query.get('limit'), SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX, 'limit');
    const { registry, rest } = splitIndex(term);
    const results = await this.registries.search({
      term: rest,
      registry,
      official: booleanFilter(filters, 'is-official'),
      minStars: stars === undefined ? undefined : boundedInteger(stars, 0, Number.MAX_SAFE_INTEGER, 'stars'),
      first: limit,
    });
    const automated = booleanFilter(filters, 'is-automated');
    return {
      json: results
        .filter((result) => automated === undefined || result.automated === automated)
        .map(searchRow),
    };
  };

  /**
   * `GET /events`, image events only, from now on (`since` in the past replays nothing: the
   * catalogue keeps no history); `until` ends the stream. Filters: type, event, image.
   */
  events = async (call: EngineCall): Promise<EngineAnswer> => {
    const filters = parseEngineFilters(call.query.get('filters'));
    onlyFilters(filters, ['type', 'event', 'image', 'label', 'scope', ...OTHER_OBJECT_FILTERS]);
    const types = filters.get('type');
    const actions = filters.get('event');
    const labels = filters.get('label') ?? [];
    const images = (filters.get('image') ?? []).map((pattern) => compileGlob(pattern));
    const until = timeOf(call.query.get('until'));
    const catalogue = this.hosts.of(call.host);
    // The daemon names an image's labels with its events; the catalogue knows them.
    const labelsOf = (event: CatalogueImageEvent) =>
      (event.imageId && catalogue.latest()?.imagesById.get(event.imageId)?.labels) || {};
    const wanted = (event: CatalogueImageEvent) =>
      (!actions || actions.includes(event.action)) &&
      labels.every((label) => hasLabel(labelsOf(event), label)) &&
      (images.length === 0 ||
        images.some(
          (glob) => (event.ref && glob.matches(event.ref)) || (event.imageId && glob.matches(event.imageId)),
        ));
    // Filters on other objects (containers, networks, …) or on swarm scope match no image event.
    const silent =
      (types !== undefined && !types.includes('image')) ||
      OTHER_OBJECT_FILTERS.some((name) => filters.has(name)) ||
      (filters.get('scope')?.every((scope) => scope !== 'local') ?? false);
    const subscribe = catalogue.onImageEvent.bind(catalogue);
    return { lines: eventStream(subscribe, wanted, labelsOf, { silent, until, signal: call.signal }) };
  };

  private async find(call: EngineCall): Promise<ImageRecord> {
    const snapshot = await this.hosts.of(call.host).current();
    const image = snapshot.find(call.name);
    if (!image) throw new ImageNotFoundError(call.name);
    return image;
  }
}

async function* eventStream(
  subscribe: (listener: (event: CatalogueImageEvent) => void) => () => void,
  wanted: (event: CatalogueImageEvent) => boolean,
  labelsOf: (event: CatalogueImageEvent) => Readonly<Record<string, string>>,
  { silent, until, signal }: { silent: boolean; until: Date | null; signal: AbortSignal },
): AsyncGenerator<Record<string, unknown>> {
  const queue: CatalogueImageEvent[] = [];
  let wake: (() => void) | null = null;
  const nudge = () => {
    wake?.();
    wake = null;
  };
  const stop = subscribe((event) => {
    if (!silent && wanted(event)) queue.push(event);
    nudge();
  });
  const timer = until ? setTimeout(nudge, Math.max(0, until.getTime() - Date.now())) : null;
  signal.addEventListener('abort', nudge);
  try {
    for (;;) {
      while (queue.length > 0) {
        const event = queue.shift()!;
        if (until && event.time > until) return;
        yield eventLine(event, labelsOf(event));
      }
      if (signal.aborted || (until && Date.now() >= until.getTime())) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stop();
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', nudge);
  }
}

/** `key` or `key=value`, as the daemon's label filters. */
function hasLabel(labels: Readonly<Record<string, string>>, label: string): boolean {
  const separator = label.indexOf('=');
  if (separator === -1) return Object.hasOwn(labels, label);
  return labels[label.slice(0, separator)] === label.slice(separator + 1);
}

/** `before` and `since`: images created before or after the named image. */
function createdBounds(snapshot: CatalogueSnapshot, filters: EngineFilters): (image: ImageRecord) => boolean {
  const at = (name: string) => {
    const ref = filters.get(name)?.at(-1);
    if (ref === undefined) return null;
    const image = snapshot.find(ref);
    if (!image) throw new ImageNotFoundError(ref);
    return image.created.getTime();
  };
  const before = at('before');
  const since = at('since');
  return (image) =>
    (before === null || image.created.getTime() < before) &&
    (since === null || image.created.getTime() > since);
}

/** `name` of `name:tag` or `name@digest`, a port in the registry part kept. */
function nameOf(reference: string): string {
  const at = reference.indexOf('@');
  if (at !== -1) return reference.slice(0, at);
  const colon = reference.lastIndexOf(':');
  return colon > reference.lastIndexOf('/') ? reference.slice(0, colon) : reference;
}

/** `127.0.0.1:5000/app` searches that index for `app`; a plain term searches Docker Hub. */
function splitIndex(term: string): { registry?: string; rest: string } {
  const slash = term.indexOf('/');
  if (slash === -1) return { rest: term };
  const first = term.slice(0, slash);
  if (!/[.:]/.test(first) && first !== 'localhost') return { rest: term };
  return { registry: first, rest: term.slice(slash + 1) };
}

function boundedInteger(raw: string | null, fallback: number, max: number, name: string): number {
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new BadUserInputError(`${name} must be a whole number.`);
  return Math.min(value, max);
}

/** Unix seconds (with a fraction), as the CLI sends `--since` and `--until`. */
function timeOf(raw: string | null): Date | null {
  if (raw === null || raw === '') return null;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return new Date(seconds * 1000);
  const date = new Date(raw);
  if (Number.isNaN(date.getTime()))
    throw new BadUserInputError(`Invalid time ${JSON.stringify(raw.slice(0, 64))}.`);
  return date;
}
