import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { DateTimeResolver, SafeIntResolver } from 'graphql-scalars';
import type { Relation } from '../../common/relation.js';
import { Image } from './image.model.js';

@ObjectType({
  description: 'A read-only layer of the union file system, shared by every image whose chain holds it.',
})
export class Layer {
  @Field(() => ID, { description: 'Uncompressed content digest (RootFS.Layers entry).' })
  diffId!: string;

  @Field({ description: 'The Docker host whose disk holds it.' })
  host!: string;

  @Field(() => ID, {
    description:
      "Identity of the layer on disk: diffId for the base, else sha256(parentChainId + ' ' + diffId).",
  })
  chainId!: string;

  @Field(() => Int, { description: '0 for the base layer.' })
  position!: number;

  @Field(() => SafeIntResolver)
  size!: number;

  @Field(() => String, { nullable: true, description: 'The history instruction that made it.' })
  createdBy!: string | null;

  @Field(() => DateTimeResolver, { nullable: true })
  created!: Date | null;

  @Field(() => [Image], { description: 'Local images whose layer chain contains this layer.' })
  images?: Relation<Image>[];

  @Field(() => Int)
  sharedBy?: number;
}
