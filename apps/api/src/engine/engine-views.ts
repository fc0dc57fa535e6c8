import type { CatalogueImageEvent, CatalogueSnapshot, HistoryRecord, ImageRecord } from '#libs/catalogue';
import type { EngineSearchResult } from '#libs/docker';

/*
 * The daemon's JSON shapes (Engine API 1.41), written from the catalogue: what `docker image ls`,
 * `history`, `system df`, `search` and `events` read. Field order and nulls follow the daemon's
 * Go structs, so that `--format '{{json .}}'` prints the same through Stevedore.
 */

export interface ImageSummaryJson {
  Containers: number;
  Created: number;
  Id: string;
  Labels: Record<string, string> | null;
  ParentId: string;
  RepoDigests: string[] | null;
  RepoTags: string[] | null;
  SharedSize: number;
  Size: number;
  VirtualSize: number;
}

/**
 * One row of `GET /images/json`. `names` keeps only the references a `reference` filter matched,
 * as the daemon lists them; an image with no name at all shows `<none>` placeholders.
 */
export function imageSummary(
  image: ImageRecord,
  options: { names?: (familiar: string) => boolean; usage?: { containers: number; sharedSize: number } } = {},
): ImageSummaryJson {
  const keep = options.names ?? (() => true);
  const tags = image.repoTags.filter(keep);
  const digests = image.repoDigests.filter((digest) => keep(digest.split('@', 1)[0]!));
  const unnamed = image.repoTags.length === 0 && image.repoDigests.length === 0;
  return {
    Containers: options.usage?.containers ?? -1,
    Created: unixSeconds(image.created),
    Id: image.id,
    Labels: Object.keys(image.labels).length === 0 ? null : { ...image.labels },
    ParentId: image.parentId,
    RepoDigests: unnamed ? ['<none>@<none>'] : digests.length === 0 ? null : digests,
    RepoTags: unnamed ? ['<none>:<none>'] : tags.length === 0 ? null : tags,
    SharedSize: options.usage?.sharedSize ?? -1,
    Size: image.size,
    VirtualSize: image.size,
  };
}

/** `GET /images/{name}/history`, newest first. */
export function historyRows(history: readonly HistoryRecord[]) {
  return history.map((row) => ({
    Comment: row.comment,
    Created: row.created ? unixSeconds(row.created) : 0,
    CreatedBy: row.createdBy,
    Id: row.id,
    Size: row.size,
    Tags: row.tags.length === 0 ? null : [...row.tags],
  }));
}

/**
 * `GET /images/{name}/json` from what the catalogue keeps of an image, for a host whose daemon
 * only its agent reaches. The api's own host answers with the daemon's document itself.
 */
export function inspectDocument(image: ImageRecord) {
  const config = image.config;
  const set = (keys: readonly string[]) =>
    keys.length === 0 ? null : Object.fromEntries(keys.map((key) => [key, {}]));
  return {
    Id: image.id,
    RepoTags: [...image.repoTags],
    RepoDigests: [...image.repoDigests],
    Parent: image.parentId,
    Comment: image.history[0]?.comment ?? '',
    Created: image.created.toISOString(),
    Architecture: image.architecture,
    ...(image.variant ? { Variant: image.variant } : {}),
    Os: image.os,
    Size: image.size,
    VirtualSize: image.size,
    Config: {
      User: config.user,
      ExposedPorts: set(config.exposedPorts),
      Env: config.env.length === 0 ? null : [...config.env],
      Cmd: config.cmd ? [...config.cmd] : null,
      Volumes: set(config.volumes),
      WorkingDir: config.workingDir,
      Entrypoint: config.entrypoint ? [...config.entrypoint] : null,
      Labels: Object.keys(config.labels).length === 0 ? null : { ...config.labels },
    },
    RootFS: { Type: 'layers', Layers: [...image.diffIds] },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

/**
 * `GET /system/df`, the images part: the CLI computes the Images row (total, active, size,
 * reclaimable) from these, as it does from the daemon's. Containers, volumes and build cache
 * stay the daemon's business: empty here.
 */
export function diskUsageDocument(snapshot: CatalogueSnapshot) {
  const images = snapshot.listed();
  return {
    LayersSize: snapshot.diskUsage.totalSize,
    Images: images.map((image) =>
      imageSummary(image, { usage: { containers: image.containers.length, sharedSize: image.sharedSize } }),
    ),
    Containers: [],
    Volumes: [],
    BuildCache: [],
  };
}

/** `GET /images/search`. */
export function searchRow(result: EngineSearchResult) {
  return {
    description: result.description,
    is_automated: result.automated,
    is_official: result.official,
    name: result.name,
    star_count: result.stars,
  };
}

/** One line of `GET /events`, as the daemon writes an image event. */
export function eventLine(event: CatalogueImageEvent, labels: Readonly<Record<string, string>> = {}) {
  const id = event.imageId ?? event.ref ?? '';
  const nanos = BigInt(event.time.getTime()) * 1_000_000n;
  return {
    status: event.action,
    id,
    Type: 'image',
    Action: event.action,
    Actor: { ID: id, Attributes: { ...labels, ...(event.ref ? { name: event.ref } : {}) } },
    scope: 'local',
    time: unixSeconds(event.time),
    timeNano: Number(nanos),
  };
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
