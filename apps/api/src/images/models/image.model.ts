import { Field, ID, ObjectType } from '@nestjs/graphql';
import { DateTimeResolver, JSONResolver, SafeIntResolver } from 'graphql-scalars';
import { ImageConfig } from './image-config.model.js';
import type { Relation } from '../../common/relation.js';
import { Tag } from './tag.model.js';

@ObjectType({ description: 'A local image of the Docker host: read-only layers plus run configuration.' })
export class Image {
  @Field(() => ID, { description: 'sha256:<64 hex>' })
  id!: string;

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
}
