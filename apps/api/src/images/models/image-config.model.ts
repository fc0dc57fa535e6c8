import { Field, ObjectType } from '@nestjs/graphql';
import { JSONResolver } from 'graphql-scalars';

@ObjectType({
  description: 'The run configuration an image gives its containers (`docker image inspect` .Config).',
})
export class ImageConfig {
  @Field(() => [String], { nullable: true })
  cmd!: string[] | null;

  @Field(() => [String], { nullable: true })
  entrypoint!: string[] | null;

  @Field(() => [String])
  env!: string[];

  @Field(() => String, { nullable: true })
  workingDir!: string | null;

  @Field(() => String, { nullable: true })
  user!: string | null;

  @Field(() => [String])
  exposedPorts!: string[];

  @Field(() => [String])
  volumes!: string[];

  @Field(() => JSONResolver)
  labels!: Record<string, string>;
}
