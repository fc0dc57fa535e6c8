import { Field, Int, ObjectType } from '@nestjs/graphql';
import { SafeIntResolver } from 'graphql-scalars';

@ObjectType({ description: 'Like `docker system df` for images.' })
export class DiskUsage {
  @Field(() => Int)
  imagesCount!: number;

  @Field(() => Int, { description: 'Images used by at least one container.' })
  activeCount!: number;

  @Field(() => SafeIntResolver, { description: 'Every layer held by a listed image, counted once.' })
  totalSize!: number;

  @Field(() => SafeIntResolver, { description: 'What removing every image without a container would free.' })
  reclaimableSize!: number;
}
