import type { ImageRecord, TagRecord } from '#libs/catalogue';
import type { Image } from './image.model.js';
import type { Tag } from './tag.model.js';

/** Shapes a catalogue record for GraphQL and REST; a tag points back at its image without another lookup. */
export function toImage(record: ImageRecord): Image {
  const image: Image = {
    id: record.id,
    shortId: record.shortId,
    repoTags: [...record.repoTags],
    repoDigests: [...record.repoDigests],
    tags: [],
    dangling: record.dangling,
    official: record.official,
    created: record.created,
    size: record.size,
    architecture: record.architecture,
    os: record.os,
    variant: record.variant ?? null,
    labels: { ...record.labels },
    config: {
      cmd: record.config.cmd ? [...record.config.cmd] : null,
      entrypoint: record.config.entrypoint ? [...record.config.entrypoint] : null,
      env: [...record.config.env],
      workingDir: record.config.workingDir || null,
      user: record.config.user || null,
      exposedPorts: [...record.config.exposedPorts],
      volumes: [...record.config.volumes],
      labels: { ...record.config.labels },
    },
  };
  image.tags = record.tags.map((tag) => toTag(tag, image));
  return image;
}

export function toTag(tag: TagRecord, image: Image): Tag {
  return {
    reference: tag.reference,
    familiar: tag.familiar,
    registry: tag.registry,
    repository: tag.repository,
    tag: tag.tag,
    image,
  };
}
