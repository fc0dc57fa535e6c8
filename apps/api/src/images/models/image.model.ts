import { Field, ID, ObjectType } from '@nestjs/graphql';
import { DateTimeResolver, JSONResolver, SafeIntResolver } from 'graphql-scalars';
import { ContainerUsage } from './container-usage.model.js';
import { HistoryEntry } from './history-entry.model.js';
import { ImageConfig } from './image-config.model.js';
import { Layer } from './layer.model.js';
import type { Relation } from '../../common/relation.js';
import { Tag } from './tag.model.js';

@ObjectType({ description: 'A local image of the Docker host: read-only layers plus run configuration.' })
export class Image {
  @Field(() => ID, { description: 'sha256:<64 hex>' })
  id!: string;

  @Field({ description: 'The Docker host that holds it (see hosts).' })
  host!: string;

  @Field({ description: 'First 12 hex digits, as the docker CLI prints.' })
  shortId!: string;

  @Field(() => [String])
  repoTags!: string[];

  @Field(() => [String])
  repoDigests!: string[];

  @Field(() => [Tag])
  tags!: Relation<Tag>[];

  @Field()
  dangling!: boolean;

  @Field({ description: 'An official image: docker.io/library/<name>.' })
  official!: boolean;

  @Field(() => DateTimeResolver)
  created!: Date;

  @Field(() => SafeIntResolver)
  size!: number;

  @Field(() => SafeIntResolver, {
    description:
      "Bytes of this image's layers that other local images also use (`docker system df -v` SHARED SIZE).",
  })
  sharedSize!: number;

  @Field(() => SafeIntResolver, { description: 'size - sharedSize (UNIQUE SIZE).' })
  uniqueSize!: number;

  @Field()
  architecture!: string;

  @Field()
  os!: string;

  @Field(() => String, { nullable: true })
  variant!: string | null;

  @Field(() => JSONResolver)
  labels!: Record<string, string>;

  @Field(() => ImageConfig)
  config!: ImageConfig;

  @Field(() => [Layer], { description: 'Base first; each read-only layer of the union file system.' })
  layers!: Relation<Layer>[];

  @Field(() => [HistoryEntry], { description: '`docker image history`, newest first.' })
  history!: HistoryEntry[];

  @Field(() => [ContainerUsage], {
    description: 'Containers built on this image, each with its copy-on-write (RW) layer size.',
  })
  containers?: ContainerUsage[];
}
