import { Field, ObjectType } from '@nestjs/graphql';
import type { Relation } from '../../common/relation.js';
import { Image } from './image.model.js';

@ObjectType({ description: 'One name of a local image (`docker image tag`).' })
export class Tag {
  @Field({ description: 'Fully normalised, e.g. docker.io/library/nginx:1.27' })
  reference!: string;

  @Field({ description: 'As the docker CLI shows it, e.g. nginx:1.27' })
  familiar!: string;

  @Field()
  registry!: string;

  @Field()
  repository!: string;

  @Field()
  tag!: string;

  @Field(() => Image)
  image!: Relation<Image>;
}
