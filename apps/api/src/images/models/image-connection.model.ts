import { Field, Int, ObjectType } from '@nestjs/graphql';
import { PageInfo } from '../../common/page-info.model.js';
import { Image } from './image.model.js';

@ObjectType()
export class ImageConnection {
  @Field(() => Int)
  totalCount!: number;

  @Field(() => [Image])
  nodes!: Image[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}
