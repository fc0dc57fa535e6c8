import { Field, ObjectType } from '@nestjs/graphql';
import { DateTimeResolver } from 'graphql-scalars';

@ObjectType({ description: 'An image event of the Docker host.' })
export class ImageEvent {
  @Field({ description: 'pull, push, tag, untag, delete, import, load, save' })
  action!: string;

  @Field({ description: 'The Docker host it happened on.' })
  host!: string;

  @Field(() => String, { nullable: true })
  imageId!: string | null;

  @Field(() => String, { nullable: true })
  ref!: string | null;

  @Field(() => DateTimeResolver)
  time!: Date;
}
