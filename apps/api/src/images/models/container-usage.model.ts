import { Field, ID, ObjectType } from '@nestjs/graphql';
import { SafeIntResolver } from 'graphql-scalars';

@ObjectType({ description: 'A container created from an image, with its copy-on-write (RW) layer.' })
export class ContainerUsage {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field({ description: 'created, running, paused, restarting, removing, exited or dead' })
  state!: string;

  @Field(() => SafeIntResolver, { nullable: true, description: 'Bytes written to the container layer.' })
  sizeRw!: number | null;
}
