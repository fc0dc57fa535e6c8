import type { ImageLayer, ImageRecord } from '#libs/catalogue';

/**
 * What every transport shows of an image beyond the catalogue's record as it is: both the
 * GraphQL models and the REST documents are shaped from records, through these.
 */

export interface ImageConfigView {
  cmd: string[] | null;
  entrypoint: string[] | null;
  env: string[];
  workingDir: string | null;
  user: string | null;
  exposedPorts: string[];
  volumes: string[];
  labels: Record<string, string>;
}

/** An image's own fields, the same on every transport (its tags, dates and layers differ). */
export interface ImageFieldsView {
  id: string;
  shortId: string;
  repoTags: string[];
  repoDigests: string[];
  dangling: boolean;
  official: boolean;
  size: number;
  sharedSize: number;
  uniqueSize: number;
  architecture: string;
  os: string;
  variant: string | null;
  labels: Record<string, string>;
  config: ImageConfigView;
}

export function imageFieldsView(record: ImageRecord): ImageFieldsView {
  return {
    id: record.id,
    shortId: record.shortId,
    repoTags: [...record.repoTags],
    repoDigests: [...record.repoDigests],
    dangling: record.dangling,
    official: record.official,
    size: record.size,
    sharedSize: record.sharedSize,
    uniqueSize: record.uniqueSize,
    architecture: record.architecture,
    os: record.os,
    variant: record.variant ?? null,
    labels: { ...record.labels },
    config: imageConfigView(record.config),
  };
}

/** The run configuration, unset values as null rather than the daemon's empty strings. */
function imageConfigView(config: ImageRecord['config']): ImageConfigView {
  return {
    cmd: config.cmd ? [...config.cmd] : null,
    entrypoint: config.entrypoint ? [...config.entrypoint] : null,
    env: [...config.env],
    workingDir: config.workingDir || null,
    user: config.user || null,
    exposedPorts: [...config.exposedPorts],
    volumes: [...config.volumes],
    labels: { ...config.labels },
  };
}

/** When a layer was made, as one image's history tells it (seconds since the epoch). */
export function imageLayerCreated(layer: ImageLayer): Date | null {
  return layer.created === null ? null : new Date(layer.created * 1000);
}
